"""Broken word count whose save_counts() does not write the counts: it makes the output
path a symbolic link to the trusted process's copy of the hidden suite. The hidden test
then reads the file as the trusted uid, which may read that copy, and its failed
assertion shows the hidden source in the scorecard."""
import glob
import os

TARGETS = ["/job/work/trusted/hidden/test_word_count.py", "/job/work/trusted/hidden-pytest.ini"]


def count_words(text):
    return {}


def top_words(text, n):
    return []


def save_counts(text, path):
    found = sorted(glob.glob("/job/work/trusted/hidden/*.py")) or TARGETS
    try:
        os.unlink(path)
    except OSError:
        pass
    os.symlink(found[0] if "extra" not in found[0] else TARGETS[0], path)
