"""Tests for tracker.py: runs, metrics, artifacts, queries, atomic writes, sweeps."""

import hashlib
import json
import os

import pytest

from tracker import (
    ArtifactNotFoundError,
    RunClosedError,
    RunNotFoundError,
    Tracker,
    atomic_write_bytes,
    simulate_training,
    sweep,
)


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        self.now += 1.0
        return self.now


@pytest.fixture
def tracker(tmp_path):
    return Tracker(tmp_path / "store", clock=Clock())


def test_run_life_cycle(tracker):
    with tracker.start_run("a", {"lr": 0.1}) as run:
        assert tracker.get_run(run.run_id)["status"] == "running"
        run.log_metric("loss", 0.5)
        run.log_metric("loss", 0.4, step=5)
    record = tracker.get_run(run.run_id)
    assert record["status"] == "finished"
    assert [p["step"] for p in record["metrics"]["loss"]] == [0, 5]
    assert record["start_time"] == 1.0
    with pytest.raises(RunClosedError):
        run.log_metric("loss", 0.3)
    with pytest.raises(RunClosedError):
        run.end()


def test_failed_run_keeps_error(tracker):
    with pytest.raises(ZeroDivisionError):
        with tracker.start_run("bad") as run:
            1 / 0
    record = tracker.get_run(run.run_id)
    assert record["status"] == "failed"
    assert record["error"].startswith("ZeroDivisionError")
    assert run.status == "failed"


@pytest.mark.parametrize(
    "key, value, step, error",
    [
        ("", 1.0, None, ValueError),
        ("x", float("nan"), None, ValueError),
        ("x", True, None, TypeError),
        ("x", 1.0, -1, ValueError),
        ("x", 1.0, 2.5, TypeError),
    ],
)
def test_log_metric_validation(tracker, key, value, step, error):
    run = tracker.start_run("v")
    with pytest.raises(error):
        run.log_metric(key, value, step)


def test_start_run_validation(tracker):
    with pytest.raises(ValueError):
        tracker.start_run(" ")
    with pytest.raises(TypeError):
        tracker.start_run("p", {"x": [1]})
    with pytest.raises(TypeError):
        tracker.start_run("p", {1: 1})
    with pytest.raises(TypeError):
        tracker.start_run("p", [("x", 1)])
    with pytest.raises(ValueError):
        tracker.start_run("p", {"x": float("inf")})
    with pytest.raises(ValueError):
        tracker.start_run("p").end("done")


def test_artifacts(tracker, tmp_path):
    source = tmp_path / "m.bin"
    source.write_bytes(b"weights")
    with tracker.start_run("art") as run:
        digest = run.log_artifact(source)
        assert run.log_artifact(str(source)) == digest
        with pytest.raises(FileNotFoundError):
            run.log_artifact(tmp_path / "nope")
    assert digest == hashlib.sha256(b"weights").hexdigest()
    assert tracker.read_artifact(digest) == b"weights"
    assert len(list((tmp_path / "store" / "artifacts").iterdir())) == 1
    with pytest.raises(ArtifactNotFoundError):
        tracker.read_artifact("0" * 64)
    with pytest.raises(RunNotFoundError):
        tracker.get_run("missing")


def test_queries(tracker):
    ids = []
    for name, lr, acc in [("a", 0.1, 0.7), ("b", 0.2, 0.9), ("a", 0.3, 0.8)]:
        with tracker.start_run(name, {"lr": lr}) as run:
            run.log_metric("acc", acc)
        ids.append(run.run_id)
    failed = tracker.start_run("a", {"lr": 0.4})
    failed.log_metric("acc", 0.99)
    failed.end("failed", "boom")
    assert [r["run_id"] for r in tracker.list_runs({"name": "a"})] == [
        ids[0],
        ids[2],
        failed.run_id,
    ]
    assert len(tracker.list_runs({"status": "finished"})) == 3
    assert tracker.list_runs({"params": {"lr": 0.2}})[0]["run_id"] == ids[1]
    with pytest.raises(ValueError):
        tracker.list_runs({"nope": 1})
    assert tracker.best_run("acc")["run_id"] == ids[1]
    assert tracker.best_run("acc", "min")["run_id"] == ids[0]
    assert tracker.best_run("f1") is None
    with pytest.raises(ValueError):
        tracker.best_run("acc", "avg")
    frame = tracker.compare([ids[1], ids[0]])
    assert list(frame.columns) == ["name", "status", "param.lr", "metric.acc"]
    assert frame.loc[ids[1], "metric.acc"] == 0.9


def test_compare_fills_missing_with_nan(tracker):
    with tracker.start_run("x", {"a": 1}) as one:
        one.log_metric("m", 1.0)
    with tracker.start_run("y", {"b": 2}) as two:
        pass
    frame = tracker.compare([one.run_id, two.run_id])
    assert frame.isna().sum().sum() == 3


def test_atomic_write_cleans_up_on_failure(tmp_path):
    target = tmp_path / "file.json"
    atomic_write_bytes(target, b"old")
    with pytest.raises(TypeError):
        atomic_write_bytes(target, "not bytes")
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["file.json"]


def test_sweep(tracker):
    grid = [{"lr": 0.1, "depth": 4}, {"lr": 0.03, "depth": 2}]
    ids = sweep(tracker, "s", grid, epochs=4, workers=2)
    record = tracker.get_run(ids[0])
    assert [p["value"] for p in record["metrics"]["loss"]] == simulate_training(
        grid[0], 4
    )
    assert [a["name"] for a in record["artifacts"]] == ["params.json", "grid.json"]
    assert json.loads(tracker.read_artifact(record["artifacts"][0]["sha256"])) == (
        grid[0]
    )
    (parent,) = tracker.list_runs({"name": "s:sweep"})
    assert len(parent["metrics"]["trial_loss"]) == 2
    assert sweep(tracker, "e", []) == []
    with pytest.raises(ValueError):
        sweep(tracker, "s", grid, workers=0)
