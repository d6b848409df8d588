"""Your own tests. Extend this file until it covers at least 70% of tracker.py.

Run it with:  grader test   (or: python -m pytest -q tests)
"""

import pytest

from tracker import Tracker


def test_with_block_finishes_the_run(tmp_path):
    tracker = Tracker(tmp_path / "store")
    with tracker.start_run("baseline", {"lr": 0.1}) as run:
        run.log_metric("loss", 0.5)
    record = tracker.get_run(run.run_id)
    assert record["status"] == "finished"
    assert record["metrics"]["loss"][0]["value"] == 0.5


def test_exception_marks_the_run_failed(tmp_path):
    tracker = Tracker(tmp_path / "store")
    with pytest.raises(ZeroDivisionError):
        with tracker.start_run("broken") as run:
            1 / 0
    assert tracker.get_run(run.run_id)["status"] == "failed"


def test_best_run_picks_the_highest_accuracy(tmp_path):
    tracker = Tracker(tmp_path / "store")
    for acc in (0.7, 0.9, 0.8):
        with tracker.start_run("model", {"acc": acc}) as run:
            run.log_metric("acc", acc)
    assert tracker.best_run("acc", mode="max")["params"] == {"acc": 0.9}
