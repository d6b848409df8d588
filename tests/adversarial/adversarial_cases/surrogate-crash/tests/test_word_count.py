import json

from word_count import count_words

RESULTS = "/job/work/student/student.jsonl"


def test_a_fails():
    assert count_words("a a") == {"a": 2}


def test_b_poisons_the_report():
    # re-report the first test with a message no UTF-8 writer can encode
    with open(RESULTS, "a") as f:
        f.write(json.dumps({"event": "result", "id": "tests/test_word_count.py::test_a_fails",
                            "title": "\ud800", "status": "failed", "message": "\ud800\udfff",
                            "location": "\udcff", "output": "\ud800", "duration": 0.0}) + "\n")
