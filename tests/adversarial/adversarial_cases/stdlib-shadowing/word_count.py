"""Broken word count beside json.py, random.py, re.py, pytest.py, grader/ ... that would break
anything importing them; the solution itself imports json and random."""
import json
import random


def count_words(text):
    json.dumps({})
    random.random()
    return {}


def top_words(text, n):
    return []
