"""Broken word count that allocates without bound: in the calls, in a child, and in tmpfs."""
import os


def hog():
    blocks = []
    while True:
        block = bytearray(64 * 1024 * 1024)
        block[::4096] = b"x" * len(block[::4096])
        blocks.append(block)


def count_words(text):
    if os.fork() == 0:
        hog()
    hog()
    return {}


def top_words(text, n):
    data = []
    while True:
        data.append("x" * 10 ** 7 + str(len(data)))
