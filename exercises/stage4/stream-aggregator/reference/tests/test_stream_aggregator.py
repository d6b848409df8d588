"""Tests for stream_aggregator.py (the reference solution's own test suite)."""

import json
import random

import pytest

from stream_aggregator import (
    CheckpointError,
    Event,
    InvalidEventError,
    WindowAggregator,
    WindowResult,
)


def stream(seed, n=800):
    rng = random.Random(seed)
    events, clock = [], 0.0
    for i in range(n):
        clock += rng.expovariate(2.0)
        late = rng.uniform(60, 120) if rng.random() < 0.03 else rng.uniform(0, 12)
        key, value = f"k{rng.randrange(3)}", rng.randint(1, 9)
        events.append((f"e{i}", key, value, clock - late))
        if rng.random() < 0.1:
            events.append(events[-1])
    return events


def run(agg, events, chunk=50):
    out = []
    for i in range(0, len(events), chunk):
        agg.process_many(events[i : i + chunk])
        out.extend(agg.emit_closed())
    return out


@pytest.mark.parametrize(
    "kwargs",
    [
        {"window_seconds": 0},
        {"window_seconds": 2.5},
        {"window_seconds": True},
        {"window_seconds": 5, "allowed_lateness": -1},
        {"window_seconds": 5, "allowed_lateness": float("inf")},
    ],
)
def test_constructor_validates(kwargs):
    with pytest.raises(ValueError):
        WindowAggregator(**kwargs)


def test_window_of():
    agg = WindowAggregator(60)
    assert agg.window_of(59.9) == (0, 60)
    assert agg.window_of(60) == (60, 120)
    assert agg.window_of(-0.5) == (-60, 0)


@pytest.mark.parametrize(
    "event",
    [("a", "k", 1), ("", "k", 1, 1), ("a", 3, 1, 1), ("a", "k", False, 1), 5],
)
def test_invalid_events(event):
    agg = WindowAggregator(60)
    with pytest.raises(InvalidEventError):
        agg.process(event)
    assert agg.stats()["accepted"] == 0


def test_accept_duplicate_late_and_emit():
    agg = WindowAggregator(60, allowed_lateness=5)
    assert agg.watermark is None
    assert agg.emit_closed() == []
    assert agg.process(Event("a", "k", 2, 10)) == "accepted"
    assert agg.process(["a", "k", 2, 10]) == "duplicate"
    assert agg.process(("b", "j", 3, 70)) == "accepted"
    assert agg.watermark == 65
    assert agg.process(("c", "k", 1, 50)) == "late"
    assert agg.emit_closed() == [WindowResult("k", 0, 60, 1, 2)]
    assert agg.emit_closed() == []
    assert agg.flush() == [WindowResult("j", 60, 120, 1, 3)]
    assert agg.watermark == 120
    assert agg.flush() == []
    assert agg.stats() == {"accepted": 2, "duplicates": 1, "late": 1, "emitted": 2}


def test_flush_on_empty_aggregator():
    agg = WindowAggregator(10)
    assert agg.flush() == []
    assert agg.watermark is None


def test_results_sorted_by_start_then_key():
    agg = WindowAggregator(10, allowed_lateness=100)
    agg.process_many([("1", "b", 1, 12), ("2", "a", 1, 15), ("3", "c", 1, 1)])
    got = agg.flush()
    assert [(r.window_start, r.key) for r in got] == [(0, "c"), (10, "a"), (10, "b")]


def test_crash_and_replay_matches_clean_run():
    events = stream(11)
    clean = WindowAggregator(60, allowed_lateness=10)
    expected = run(clean, events) + clean.flush()
    first = WindowAggregator(60, allowed_lateness=10)
    committed = run(first, events[:400])
    state = json.loads(json.dumps(first.checkpoint()))
    run(first, events[400:600])  # lost in the crash
    second = WindowAggregator(60, allowed_lateness=10)
    second.restore(state)
    got = committed + run(second, events[350:]) + second.flush()
    assert got == expected


def test_restore_validation():
    agg = WindowAggregator(60, allowed_lateness=1)
    state = agg.checkpoint()
    with pytest.raises(CheckpointError):
        WindowAggregator(30, allowed_lateness=1).restore(state)
    with pytest.raises(CheckpointError):
        agg.restore({"version": 99})
    with pytest.raises(CheckpointError):
        agg.restore("nope")
    broken = dict(state, windows=[[0, "k"]])
    with pytest.raises(CheckpointError):
        agg.restore(broken)


def test_emitted_ids_are_forgotten():
    agg = WindowAggregator(10)
    agg.process_many([(f"id{i}", "k", 1, i) for i in range(100)])
    agg.emit_closed()
    assert len(agg.checkpoint()["ids"]) == 1
