import hashlib
import json
import math
import re
import threading
from pathlib import Path

import pandas as pd
import pytest

from tracker import (
    ArtifactNotFoundError,
    RunClosedError,
    RunNotFoundError,
    Tracker,
    TrackerError,
    sweep,
)

RECORD_KEYS = {
    "run_id",
    "name",
    "params",
    "status",
    "start_time",
    "end_time",
    "error",
    "metrics",
    "artifacts",
}


class FakeClock:
    """1000.0, 1001.0, 1002.0, ...: one second per call."""

    def __init__(self, start=1000.0):
        self.now = start - 1.0

    def __call__(self):
        self.now += 1.0
        return self.now


def make_tracker(tmp_path, clock=None):
    root = tmp_path / "store"
    if clock is None:
        return root, Tracker(str(root))
    return root, Tracker(str(root), clock=clock)


def expected_losses(params, epochs):
    """The documented simulate_training formula, computed here independently."""
    lr = float(params.get("lr", 0.1))
    depth = int(params.get("depth", 4))
    floor = 0.05 + 0.2 * (math.log10(lr) + 1.5) ** 2 + 0.03 * abs(depth - 4)
    return [
        round(floor + (1.0 - floor) * math.exp(-3.0 * lr * epoch), 6)
        for epoch in range(1, epochs + 1)
    ]


def values(record, key):
    return [point["value"] for point in record["metrics"][key]]


def steps(record, key):
    return [point["step"] for point in record["metrics"][key]]


def leftovers(root):
    """Files in the store other than run.json and content-addressed artifacts."""
    odd = []
    for path in Path(root).rglob("*"):
        if path.is_dir():
            continue
        rel = path.relative_to(root).parts
        if rel[0] == "runs" and len(rel) == 3 and rel[2] == "run.json":
            continue
        if (
            rel[0] == "artifacts"
            and len(rel) == 2
            and re.fullmatch(r"[0-9a-f]{64}", rel[1])
        ):
            continue
        odd.append("/".join(rel))
    return odd


# --------------------------------------------------------------------- task 1


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.core
def test_start_run_saves_a_running_record(tmp_path):
    """start_run writes runs/<run_id>/run.json at once with status 'running'"""
    root, tracker = make_tracker(tmp_path, FakeClock())
    run = tracker.start_run("baseline", {"lr": 0.1, "depth": 3, "model": "gbr"})
    run_id = run.run_id
    assert re.fullmatch(r"[A-Za-z0-9_-]+", run_id)
    on_disk = json.loads((root / "runs" / run_id / "run.json").read_text("utf-8"))
    record = tracker.get_run(run_id)
    assert record == on_disk
    assert set(record) == RECORD_KEYS
    assert record["run_id"] == run_id
    assert record["name"] == "baseline"
    assert record["params"] == {"lr": 0.1, "depth": 3, "model": "gbr"}
    assert record["status"] == "running"
    assert record["start_time"] == 1000.0
    assert record["end_time"] is None and record["error"] is None
    assert record["metrics"] == {} and record["artifacts"] == []


@pytest.mark.task(1)
@pytest.mark.points(2)
def test_context_manager_finishes_run(tmp_path):
    """Leaving the with block normally marks the run 'finished' with an end_time"""
    _, tracker = make_tracker(tmp_path, FakeClock())
    with tracker.start_run("ok") as run:
        run_id = run.run_id
        assert tracker.get_run(run_id)["status"] == "running"
    record = tracker.get_run(run_id)
    assert record["status"] == "finished"
    assert record["end_time"] == 1001.0
    assert record["error"] is None
    assert run.status == "finished"


@pytest.mark.task(1)
@pytest.mark.points(3)
@pytest.mark.core
def test_context_manager_fails_run_and_reraises(tmp_path):
    """An exception in the with block marks the run 'failed' and still propagates"""
    _, tracker = make_tracker(tmp_path)
    with pytest.raises(ValueError):
        with tracker.start_run("broken") as run:
            run.log_metric("loss", float("nan"))  # the tracker itself raises
    record = tracker.get_run(run.run_id)
    assert record["status"] == "failed"
    assert record["error"].startswith("ValueError: ")
    assert record["end_time"] is not None
    with pytest.raises(RuntimeError, match="boom"):
        with tracker.start_run("crash") as other:
            raise RuntimeError("boom")
    record = tracker.get_run(other.run_id)
    assert record["status"] == "failed"
    assert "boom" in record["error"]


@pytest.mark.task(1)
@pytest.mark.points(2)
def test_ended_run_refuses_more_logging(tmp_path):
    """After end(), logging, logging artifacts or ending again raises RunClosedError"""
    _, tracker = make_tracker(tmp_path)
    run = tracker.start_run("short")
    run.end()
    artifact = tmp_path / "a.txt"
    artifact.write_text("x")
    with pytest.raises(RunClosedError):
        run.log_metric("loss", 1.0)
    with pytest.raises(RunClosedError):
        run.log_artifact(str(artifact))
    with pytest.raises(RunClosedError):
        run.end()
    assert issubclass(RunClosedError, TrackerError)
    with tracker.start_run("explicit") as manual:
        manual.end("failed", "diverged")
    assert tracker.get_run(manual.run_id)["status"] == "failed"
    assert tracker.get_run(manual.run_id)["error"] == "diverged"


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.parametrize(
    "name, params, error",
    [
        ("", {}, ValueError),
        ("   ", {}, ValueError),
        ("ok", {"model": object}, TypeError),
        ("ok", {"layers": [1, 2]}, TypeError),
        ("ok", {3: "x"}, TypeError),
    ],
    ids=["empty-name", "blank-name", "object-param", "list-param", "int-key"],
)
def test_start_run_validates_input(tmp_path, name, params, error):
    """start_run rejects blank names (ValueError) and non-scalar params (TypeError)"""
    root, tracker = make_tracker(tmp_path)
    with pytest.raises(error):
        tracker.start_run(name, params)
    assert tracker.list_runs() == []


@pytest.mark.task(1)
@pytest.mark.points(2)
def test_store_survives_a_new_tracker_and_unknown_ids(tmp_path):
    """A second Tracker on the same root sees every run; unknown ids raise"""
    root, tracker = make_tracker(tmp_path)
    with tracker.start_run("persisted", {"seed": 7}) as run:
        run.log_metric("acc", 0.9)
    again = Tracker(str(root))
    assert again.get_run(run.run_id)["metrics"]["acc"][0]["value"] == 0.9
    assert [r["run_id"] for r in again.list_runs()] == [run.run_id]
    with pytest.raises(RunNotFoundError):
        again.get_run("does-not-exist")
    with pytest.raises(KeyError):
        again.get_run("does-not-exist")


# --------------------------------------------------------------------- task 2


@pytest.mark.task(2)
@pytest.mark.points(3)
@pytest.mark.core
def test_log_metric_history_with_steps_and_timestamps(tmp_path):
    """log_metric keeps every point in order with step, float value and timestamp"""
    _, tracker = make_tracker(tmp_path, FakeClock())
    with tracker.start_run("train") as run:
        run.log_metric("loss", 0.9, step=0)
        run.log_metric("loss", 0.5, step=10)
        run.log_metric("acc", 1)
    record = tracker.get_run(run.run_id)
    assert record["metrics"]["loss"] == [
        {"step": 0, "value": 0.9, "timestamp": 1001.0},
        {"step": 10, "value": 0.5, "timestamp": 1002.0},
    ]
    assert record["metrics"]["acc"] == [{"step": 0, "value": 1.0, "timestamp": 1003.0}]
    assert isinstance(record["metrics"]["acc"][0]["value"], float)


@pytest.mark.task(2)
@pytest.mark.points(2)
def test_log_metric_default_step_counts_per_key(tmp_path):
    """Without a step, a metric's step is the number of values it already has"""
    _, tracker = make_tracker(tmp_path)
    with tracker.start_run("auto") as run:
        for value in (3.0, 2.0, 1.0):
            run.log_metric("loss", value)
        run.log_metric("lr", 0.1)
        run.log_metric("loss", 0.5)
    record = tracker.get_run(run.run_id)
    assert steps(record, "loss") == [0, 1, 2, 3]
    assert values(record, "loss") == [3.0, 2.0, 1.0, 0.5]
    assert steps(record, "lr") == [0]


@pytest.mark.task(2)
@pytest.mark.points(2)
def test_metrics_are_saved_immediately(tmp_path):
    """Each logged value is on disk right away, visible to another Tracker"""
    root, tracker = make_tracker(tmp_path)
    run = tracker.start_run("live")
    run.log_metric("loss", 0.7)
    other = Tracker(str(root))
    assert values(other.get_run(run.run_id), "loss") == [0.7]
    run.log_metric("loss", 0.6)
    assert values(other.get_run(run.run_id), "loss") == [0.7, 0.6]
    run.end()


@pytest.mark.task(2)
@pytest.mark.points(2)
@pytest.mark.parametrize(
    "key, value, step, error",
    [
        ("", 1.0, None, ValueError),
        ("loss", float("inf"), None, ValueError),
        ("loss", float("nan"), None, ValueError),
        ("loss", True, None, TypeError),
        ("loss", "0.5", None, TypeError),
        ("loss", 0.5, -1, ValueError),
        ("loss", 0.5, 1.5, TypeError),
    ],
    ids=["empty-key", "inf", "nan", "bool", "string", "negative-step", "float-step"],
)
def test_log_metric_validates(tmp_path, key, value, step, error):
    """log_metric rejects bad keys, non-finite or non-number values and bad steps"""
    _, tracker = make_tracker(tmp_path)
    run = tracker.start_run("strict")
    with pytest.raises(error):
        run.log_metric(key, value, step)
    assert tracker.get_run(run.run_id)["metrics"] == {}
    run.end()


# --------------------------------------------------------------------- task 3


@pytest.mark.task(3)
@pytest.mark.points(3)
@pytest.mark.core
def test_log_artifact_copies_content_by_hash(tmp_path):
    """log_artifact stores a copy at artifacts/<sha256> and records name and size"""
    root, tracker = make_tracker(tmp_path)
    source = tmp_path / "model.bin"
    payload = bytes(range(256)) * 10
    source.write_bytes(payload)
    with tracker.start_run("art") as run:
        digest = run.log_artifact(str(source))
    assert digest == hashlib.sha256(payload).hexdigest()
    assert (root / "artifacts" / digest).read_bytes() == payload
    record = tracker.get_run(run.run_id)
    assert record["artifacts"] == [
        {"name": "model.bin", "sha256": digest, "size": len(payload)}
    ]
    source.write_bytes(b"changed later")
    assert tracker.read_artifact(digest) == payload


@pytest.mark.task(3)
@pytest.mark.points(2)
@pytest.mark.core
def test_identical_artifacts_are_stored_once(tmp_path):
    """The same content logged by two runs under two names is stored once"""
    root, tracker = make_tracker(tmp_path)
    first = tmp_path / "a.json"
    second = tmp_path / "b.json"
    first.write_text('{"k": 1}')
    second.write_text('{"k": 1}')
    with tracker.start_run("one") as one:
        d1 = one.log_artifact(str(first))
    with tracker.start_run("two") as two:
        d2 = two.log_artifact(str(second))
        d3 = two.log_artifact(str(first))
    assert d1 == d2 == d3
    assert [p.name for p in (root / "artifacts").iterdir()] == [d1]
    names = [a["name"] for a in tracker.get_run(two.run_id)["artifacts"]]
    assert names == ["b.json", "a.json"]


@pytest.mark.task(3)
@pytest.mark.points(2)
def test_artifact_errors(tmp_path):
    """Missing files raise FileNotFoundError; unknown hashes ArtifactNotFoundError"""
    _, tracker = make_tracker(tmp_path)
    with tracker.start_run("errors") as run:
        with pytest.raises(FileNotFoundError):
            run.log_artifact(str(tmp_path / "missing.txt"))
        with pytest.raises(FileNotFoundError):
            run.log_artifact(str(tmp_path))
    assert tracker.get_run(run.run_id)["artifacts"] == []
    with pytest.raises(ArtifactNotFoundError):
        tracker.read_artifact("0" * 64)
    with pytest.raises(KeyError):
        tracker.read_artifact("f" * 64)


# --------------------------------------------------------------------- task 4


def populate(tracker):
    """Four runs with known params, metrics and statuses; returns their ids."""
    ids = []
    for name, params, accs, fail in [
        ("gbr", {"lr": 0.1, "depth": 3}, [0.70, 0.80], False),
        ("gbr", {"lr": 0.3, "depth": 3}, [0.90, 0.85], False),
        ("rf", {"trees": 100}, [0.99], True),
        ("rf", {"trees": 300, "depth": 3}, [0.60, 0.86], False),
    ]:
        run = tracker.start_run(name, params)
        for acc in accs:
            run.log_metric("acc", acc)
        run.log_metric("loss", 1 - accs[-1])
        run.end("failed" if fail else "finished", "oops" if fail else None)
        ids.append(run.run_id)
    return ids


@pytest.mark.task(4)
@pytest.mark.points(3)
@pytest.mark.core
def test_list_runs_filters_and_orders(tmp_path):
    """list_runs filters by name, status and params subset, oldest first"""
    _, tracker = make_tracker(tmp_path, FakeClock())
    ids = populate(tracker)
    assert [r["run_id"] for r in tracker.list_runs()] == ids
    assert [r["run_id"] for r in tracker.list_runs({"name": "rf"})] == ids[2:]
    assert [r["run_id"] for r in tracker.list_runs({"status": "failed"})] == [ids[2]]
    by_depth = tracker.list_runs({"params": {"depth": 3}})
    assert [r["run_id"] for r in by_depth] == [ids[0], ids[1], ids[3]]
    both = tracker.list_runs({"name": "gbr", "params": {"lr": 0.3, "depth": 3}})
    assert [r["run_id"] for r in both] == [ids[1]]
    assert tracker.list_runs({"params": {"lr": 0.3, "missing": 1}}) == []
    with pytest.raises(ValueError):
        tracker.list_runs({"colour": "red"})


@pytest.mark.task(4)
@pytest.mark.points(3)
@pytest.mark.core
def test_best_run_uses_last_value_of_finished_runs(tmp_path):
    """best_run compares the last logged value of finished runs, in max or min mode"""
    _, tracker = make_tracker(tmp_path, FakeClock())
    ids = populate(tracker)
    # last acc: 0.80, 0.85, (failed 0.99), 0.86
    assert tracker.best_run("acc", mode="max")["run_id"] == ids[3]
    assert tracker.best_run("acc")["run_id"] == ids[3]
    assert tracker.best_run("acc", mode="min")["run_id"] == ids[0]
    assert tracker.best_run("loss", mode="min")["run_id"] == ids[3]
    assert tracker.best_run("f1") is None
    with pytest.raises(ValueError):
        tracker.best_run("acc", mode="median")


@pytest.mark.task(4)
@pytest.mark.points(1)
def test_best_run_tie_goes_to_earliest_run(tmp_path):
    """When two runs tie, best_run returns the one that started first"""
    _, tracker = make_tracker(tmp_path, FakeClock())
    ids = []
    for value in (0.5, 0.7, 0.7):
        with tracker.start_run("tie") as run:
            run.log_metric("score", value)
        ids.append(run.run_id)
    assert tracker.best_run("score", "max")["run_id"] == ids[1]


@pytest.mark.task(4)
@pytest.mark.points(3)
def test_compare_builds_a_frame(tmp_path):
    """compare gives one row per run: name, status, param.* and metric.* columns"""
    _, tracker = make_tracker(tmp_path, FakeClock())
    ids = populate(tracker)
    chosen = [ids[3], ids[0]]
    frame = tracker.compare(chosen)
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.index) == chosen
    assert frame.index.name == "run_id"
    assert list(frame.columns) == [
        "name",
        "status",
        "param.depth",
        "param.lr",
        "param.trees",
        "metric.acc",
        "metric.loss",
    ]
    assert list(frame["name"]) == ["rf", "gbr"]
    assert frame.loc[ids[3], "metric.acc"] == pytest.approx(0.86)
    assert frame.loc[ids[0], "param.lr"] == pytest.approx(0.1)
    assert math.isnan(float(frame.loc[ids[3], "param.lr"]))
    with pytest.raises(RunNotFoundError):
        tracker.compare([ids[0], "nope"])


# --------------------------------------------------------------------- task 5


@pytest.mark.task(5)
@pytest.mark.points(2)
def test_store_holds_no_temporary_files(tmp_path):
    """After many writes the store holds only run.json files and hashed artifacts"""
    root, tracker = make_tracker(tmp_path)
    source = tmp_path / "weights.bin"
    source.write_bytes(b"\x00\x01" * 1000)
    for i in range(3):
        with tracker.start_run(f"run{i}", {"i": i}) as run:
            for step in range(20):
                run.log_metric("loss", 1.0 / (step + 1))
            run.log_artifact(str(source))
    assert leftovers(root) == []
    for path in (root / "runs").glob("*/run.json"):
        json.loads(path.read_text("utf-8"))


@pytest.mark.task(5)
@pytest.mark.points(4)
@pytest.mark.core
def test_sweep_runs_in_parallel_without_losing_data(tmp_path):
    """A threaded sweep keeps every run, step, artifact and parent-run trial intact"""
    root, tracker = make_tracker(tmp_path)
    grid = [
        {"lr": lr, "depth": depth}
        for lr in (0.01, 0.03, 0.1, 0.3)
        for depth in (2, 4, 6)
    ]
    ids = sweep(tracker, "sweep", grid, epochs=30, workers=6)
    assert len(ids) == len(grid) == len(set(ids))
    grid_digest = hashlib.sha256(json.dumps(grid, sort_keys=True).encode()).hexdigest()
    for params, run_id in zip(grid, ids):
        record = tracker.get_run(run_id)
        assert record["params"] == params, f"for {(params, run_id)!r}"
        assert record["status"] == "finished", f"for {(params, run_id)!r}"
        assert steps(record, "loss") == list(range(30)), f"for {(params, run_id)!r}"
        assert values(record, "loss") == pytest.approx(
            expected_losses(params, 30)
        ), f"for {(params, run_id)!r}"
        assert values(record, "final_loss") == pytest.approx(
            [values(record, "loss")[-1]]
        )
        names = [a["name"] for a in record["artifacts"]]
        assert names == ["params.json", "grid.json"], f"for {(params, run_id)!r}"
        assert (
            record["artifacts"][1]["sha256"] == grid_digest
        ), f"for {(params, run_id)!r}"
        params_sha = record["artifacts"][0]["sha256"]
        assert (
            json.loads(tracker.read_artifact(params_sha)) == params
        ), f"for {(params, run_id)!r}"
    assert len(tracker.list_runs({"name": "sweep"})) == len(grid)
    (parent,) = tracker.list_runs({"name": "sweep:sweep"})
    assert parent["params"] == {"size": len(grid), "workers": 6}
    assert parent["status"] == "finished"
    assert sorted(steps(parent, "trial_loss")) == list(range(len(grid)))
    expected_finals = sorted(expected_losses(p, 30)[-1] for p in grid)
    assert sorted(values(parent, "trial_loss")) == pytest.approx(expected_finals)
    assert leftovers(root) == []
    assert len(list((root / "artifacts").iterdir())) == len(grid) + 1


@pytest.mark.task(5)
@pytest.mark.points(4)
@pytest.mark.core
def test_readers_never_see_half_written_files(tmp_path):
    """While a sweep writes, every run.json another process reads is complete JSON"""
    root, tracker = make_tracker(tmp_path)
    grid = [{"lr": 0.05 * (i + 1), "depth": i % 5} for i in range(16)]
    stop = threading.Event()
    problems = []
    reads = [0]

    def reader():
        while not stop.is_set():
            for path in (root / "runs").glob("*/run.json"):
                try:
                    text = path.read_text("utf-8")
                except FileNotFoundError:
                    continue
                try:
                    json.loads(text)
                    reads[0] += 1
                except ValueError:
                    problems.append(str(path))

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    try:
        ids = sweep(tracker, "watched", grid, epochs=60, workers=8)
    finally:
        stop.set()
        thread.join(5)
    assert problems == []
    assert reads[0] > 0
    assert [tracker.get_run(i)["status"] for i in ids] == ["finished"] * len(grid)


@pytest.mark.task(5)
@pytest.mark.points(2)
def test_sweep_best_run_and_arguments(tmp_path):
    """The sweep's best run is the config with the lowest final loss; bad args raise"""
    _, tracker = make_tracker(tmp_path)
    grid = [{"lr": lr, "depth": 4} for lr in (0.003, 0.03, 0.3, 1.0)]
    sweep(tracker, "pick", grid, epochs=8, workers=2)
    expected = min(grid, key=lambda p: expected_losses(p, 8)[-1])
    best = tracker.best_run("final_loss", mode="min")
    assert best["params"] == expected
    assert sweep(tracker, "empty", [], epochs=3, workers=2) == []
    assert tracker.list_runs({"name": "empty:sweep"}) == []
    with pytest.raises(ValueError):
        sweep(tracker, "bad", grid, epochs=3, workers=0)
