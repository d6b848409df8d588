"""Broken word count that floods every output channel with NUL bytes, invalid UTF-8,
terminal escapes and sheer volume."""
import logging
import os
import sys

JUNK = "\x00\x1b[2J\x1b[31m\ufffd\x7f\x08" * 1000


def flood():
    for _ in range(200):
        print(JUNK)
        sys.stderr.write(JUNK + "\n")
    for fd in (1, 2):
        try:
            os.write(fd, b"\x00\xff\xfe\xc3\x28\xa0\xa1\xe2\x28\xa1" * 100_000)
        except OSError:
            pass
    for stream in (sys.__stdout__, sys.__stderr__):
        try:
            stream.buffer.write(b"\xff\xfe\x00" * 100_000)
            stream.flush()
        except Exception:
            pass
    log = logging.getLogger("flood")
    for i in range(3000):
        log.error("record %d %s", i, JUNK[:500])
    print("x" * 5_000_000)


flood()


def count_words(text):
    flood()
    return {}


def top_words(text, n):
    flood()
    return []
