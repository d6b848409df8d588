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


def make_stream(seed, n=3000, keys=5):
    """A seeded at-least-once stream: out of order, ~10% redelivered, ~2% very late.

    Values are ints, so every total is exact whatever the summation order.
    """
    rng = random.Random(seed)
    events = []
    clock = 0.0
    for i in range(n):
        clock += rng.expovariate(2.0)
        if rng.random() < 0.02:
            event_time = clock - rng.uniform(40, 200)  # a straggler
        else:
            event_time = clock - rng.uniform(0, 15)  # ordinary disorder
        event = (f"e{i:05d}", f"k{rng.randrange(keys)}", rng.randint(1, 100))
        events.append(event + (round(event_time, 3),))
        if rng.random() < 0.1:  # redelivery a little later
            events.insert(len(events) + rng.randint(-30, 0), events[-1])
    return events


def oracle(events, window, lateness):
    """The documented semantics, written independently: all outputs and the stats."""
    mark = None
    sums, ids, out = {}, {}, []
    stats = {"accepted": 0, "duplicates": 0, "late": 0, "emitted": 0}

    def emit(starts):
        ready = sorted(k for k in sums if k[0] in starts)
        for start, key in ready:
            count, total = sums.pop((start, key))
            out.append((key, start, start + window, count, total))
        for start in starts:
            ids.pop(start, None)
        stats["emitted"] += len(ready)

    for event_id, key, value, t in events:
        start = (t // window) * window
        if mark is not None and start + window <= mark:
            stats["late"] += 1
        elif event_id in ids.get(start, ()):
            stats["duplicates"] += 1
        else:
            stats["accepted"] += 1
            ids.setdefault(start, set()).add(event_id)
            count, total = sums.get((start, key), (0, 0))
            sums[(start, key)] = (count + 1, total + value)
            mark = t - lateness if mark is None else max(mark, t - lateness)
        if mark is not None:
            emit({s for s in ids if s + window <= mark})
    emit(set(ids))
    return out, stats


def run(agg, events, chunk=100):
    """Feed events in chunks, collecting emit_closed after each chunk."""
    out = []
    for i in range(0, len(events), chunk):
        agg.process_many(events[i : i + chunk])
        out.extend(agg.emit_closed())
    return out


def as_tuples(results):
    return [tuple(r) for r in results]


STREAM = make_stream(7)


# --------------------------------------------------------------------- task 1


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.parametrize(
    "t, expected",
    [(0, (0, 60)), (59.999, (0, 60)), (60, (60, 120)), (125.5, (120, 180))],
    ids=["zero", "just-before-end", "on-boundary", "float"],
)
@pytest.mark.core
def test_window_of_tumbling_boundaries(t, expected):
    """window_of(t) is the [start, end) window with start = (t // size) * size"""
    assert tuple(WindowAggregator(60).window_of(t)) == expected


@pytest.mark.task(1)
@pytest.mark.points(1)
def test_window_of_negative_time():
    """A negative event time falls into the window below zero"""
    assert tuple(WindowAggregator(60).window_of(-1)) == (-60, 0)


@pytest.mark.task(1)
@pytest.mark.points(3)
@pytest.mark.core
def test_flush_sums_per_key_and_window():
    """flush returns one WindowResult per (window, key) with count and total"""
    agg = WindowAggregator(60)
    for event in [
        Event("a1", "clicks", 2, 10),
        Event("a2", "views", 5, 20),
        ("a3", "clicks", 3, 59.5),
        ["a4", "clicks", 4, 61],
    ]:
        assert agg.process(event) == "accepted"
    results = agg.flush()
    assert as_tuples(results) == [
        ("clicks", 0, 60, 2, 5),
        ("views", 0, 60, 1, 5),
        ("clicks", 60, 120, 1, 4),
    ]
    assert results[0] == WindowResult("clicks", 0, 60, 2, 5)
    assert results[0].total == 5 and results[2].window_start == 60


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.parametrize(
    "event",
    [
        ("e1", "k", 1),
        ("e1", "k", 1, 5, "extra"),
        ("", "k", 1, 5),
        ("e1", "  ", 1, 5),
        ("e1", 7, 1, 5),
        ("e1", "k", True, 5),
        ("e1", "k", "1", 5),
        ("e1", "k", float("inf"), 5),
        ("e1", "k", 1, float("nan")),
        ("e1", "k", 1, None),
        42,
    ],
    ids=[
        "three",
        "five",
        "blank-id",
        "blank-key",
        "int-key",
        "bool-value",
        "str-value",
        "inf-value",
        "nan-time",
        "none-time",
        "not-a-sequence",
    ],
)
def test_invalid_events_rejected_without_side_effects(event):
    """A malformed event raises InvalidEventError and changes nothing"""
    agg = WindowAggregator(60)
    with pytest.raises(InvalidEventError):
        agg.process(event)
    assert agg.stats() == {"accepted": 0, "duplicates": 0, "late": 0, "emitted": 0}
    assert agg.watermark is None
    assert agg.flush() == []


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.parametrize(
    "kwargs",
    [
        {"window_seconds": 0},
        {"window_seconds": -60},
        {"window_seconds": 1.5},
        {"window_seconds": True},
        {"window_seconds": 60, "allowed_lateness": -1},
        {"window_seconds": 60, "allowed_lateness": float("nan")},
        {"window_seconds": 60, "allowed_lateness": "5"},
    ],
    ids=["zero", "negative", "float", "bool", "neg-late", "nan-late", "str-late"],
)
def test_constructor_validates(kwargs):
    """window_seconds must be an int > 0 and allowed_lateness a number >= 0"""
    with pytest.raises(ValueError):
        WindowAggregator(**kwargs)


# --------------------------------------------------------------------- task 2


@pytest.mark.task(2)
@pytest.mark.points(3)
@pytest.mark.core
def test_redelivered_event_counted_once():
    """A redelivered event id returns "duplicate" and is not counted again"""
    agg = WindowAggregator(60, allowed_lateness=100)
    assert agg.process(("x1", "k", 10, 5)) == "accepted"
    assert agg.process(("x2", "k", 1, 7)) == "accepted"
    assert agg.process(("x1", "k", 10, 5)) == "duplicate"
    assert agg.process(("x1", "k", 10, 5)) == "duplicate"
    assert as_tuples(agg.flush()) == [("k", 0, 60, 2, 11)]
    stats = agg.stats()
    assert stats["accepted"] == 2 and stats["duplicates"] == 2


@pytest.mark.task(2)
@pytest.mark.points(2)
def test_process_many_returns_statuses_in_order():
    """process_many processes events in order and returns each status"""
    agg = WindowAggregator(60)
    statuses = agg.process_many(
        [("a", "k", 1, 100), ("b", "k", 1, 110), ("a", "k", 1, 100), ("c", "k", 1, 5)]
    )
    assert list(statuses) == ["accepted", "accepted", "duplicate", "late"]
    assert agg.process_many([]) == []


@pytest.mark.task(2)
@pytest.mark.points(3)
@pytest.mark.core
def test_duplicates_do_not_change_results():
    """Feeding a stream with every event delivered twice gives the same results"""
    events = make_stream(3, n=600)
    once = WindowAggregator(60, allowed_lateness=10)
    twice = WindowAggregator(60, allowed_lateness=10)
    doubled = [e for event in events for e in (event, event)]
    assert run(twice, doubled) + twice.flush() == run(once, events) + once.flush()
    assert twice.stats()["accepted"] == once.stats()["accepted"]


@pytest.mark.task(2)
@pytest.mark.points(2)
def test_new_id_with_equal_fields_is_accepted():
    """Deduplication is by event id: a new id with equal fields is accepted"""
    agg = WindowAggregator(60)
    assert agg.process(("p1", "k", 5, 10)) == "accepted"
    assert agg.process(("p2", "k", 5, 10)) == "accepted"
    assert as_tuples(agg.flush()) == [("k", 0, 60, 2, 10)]


# --------------------------------------------------------------------- task 3


@pytest.mark.task(3)
@pytest.mark.points(2)
def test_watermark_is_max_time_minus_lateness():
    """The watermark is the largest accepted event time minus the lateness"""
    agg = WindowAggregator(60, allowed_lateness=15)
    assert agg.watermark is None
    agg.process(("a", "k", 1, 100))
    assert agg.watermark == 85
    agg.process(("b", "k", 1, 90))  # older: the watermark never goes back
    assert agg.watermark == 85
    agg.process(("c", "k", 1, 130.5))
    assert agg.watermark == 115.5


@pytest.mark.task(3)
@pytest.mark.points(3)
@pytest.mark.core
def test_window_emitted_when_watermark_reaches_end():
    """A window is emitted by emit_closed once the watermark is >= its end"""
    agg = WindowAggregator(60, allowed_lateness=10)
    agg.process(("a", "k", 1, 30))
    agg.process(("b", "k", 2, 69.5))  # watermark 59.5 < 60
    assert agg.emit_closed() == []
    agg.process(("c", "k", 4, 70))  # watermark 60 == end of [0, 60)
    assert as_tuples(agg.emit_closed()) == [("k", 0, 60, 1, 1)]
    assert agg.emit_closed() == []  # exactly once


@pytest.mark.task(3)
@pytest.mark.points(3)
@pytest.mark.core
def test_late_event_dropped_but_within_lateness_accepted():
    """Events for a closed window are "late" and dropped; older but open is fine"""
    agg = WindowAggregator(60, allowed_lateness=10)
    agg.process(("a", "k", 1, 125))  # watermark 115: [0, 60) closed, [60, 120) open
    assert agg.process(("b", "k", 1, 100)) == "accepted"
    assert agg.process(("c", "k", 1, 59.9)) == "late"
    assert agg.process(("d", "k", 1, 3)) == "late"
    assert agg.stats()["late"] == 2
    assert as_tuples(agg.flush()) == [("k", 60, 120, 1, 1), ("k", 120, 180, 1, 1)]


@pytest.mark.task(3)
@pytest.mark.points(2)
def test_late_check_comes_before_duplicate_check():
    """A redelivery arriving after its window closed is reported as "late" """
    agg = WindowAggregator(60)
    agg.process(("a", "k", 1, 10))
    agg.process(("b", "k", 1, 75))  # watermark 75 closes [0, 60)
    assert agg.process(("a", "k", 1, 10)) == "late"
    assert as_tuples(agg.emit_closed()) == [("k", 0, 60, 1, 1)]
    assert agg.process(("a", "k", 1, 10)) == "late"


@pytest.mark.task(3)
@pytest.mark.points(2)
def test_emit_closed_sorted_by_start_then_key():
    """emit_closed lists the closed windows by window start, then by key"""
    agg = WindowAggregator(10, allowed_lateness=30)
    for i, (key, t) in enumerate(
        [("z", 25), ("b", 3), ("z", 4), ("a", 14), ("m", 15), ("a", 8)]
    ):
        agg.process((f"e{i}", key, 1, t))
    agg.process(("last", "q", 1, 100))
    got = agg.emit_closed()
    assert [(r.window_start, r.key) for r in got] == [
        (0, "a"),
        (0, "b"),
        (0, "z"),
        (10, "a"),
        (10, "m"),
        (20, "z"),
    ]


@pytest.mark.task(3)
@pytest.mark.points(2)
def test_flush_closes_remaining_windows():
    """After flush, events for the flushed windows are late; stats count emissions"""
    agg = WindowAggregator(60, allowed_lateness=30)
    agg.process(("a", "k", 1, 10))
    agg.process(("b", "j", 1, 20))
    assert len(agg.flush()) == 2
    assert agg.watermark >= 60
    assert agg.process(("c", "k", 1, 30)) == "late"
    assert agg.flush() == []
    assert agg.stats() == {"accepted": 2, "duplicates": 0, "late": 1, "emitted": 2}


@pytest.mark.task(3)
@pytest.mark.points(4)
def test_full_stream_matches_expected_results():
    """A disordered, duplicated stream gives exactly the expected windows and stats"""
    expected, stats = oracle(STREAM, 60, 10)
    agg = WindowAggregator(60, allowed_lateness=10)
    got = run(agg, STREAM) + agg.flush()
    assert as_tuples(got) == expected
    assert agg.stats() == stats
    assert stats["duplicates"] > 100 and stats["late"] > 20


# --------------------------------------------------------------------- task 4


def crash_and_replay(events, checkpoint_at, crash_at, replay_from=None):
    """Run until crash_at, keeping only outputs emitted up to the checkpoint."""
    first = WindowAggregator(60, allowed_lateness=10)
    committed = run(first, events[:checkpoint_at])
    state = json.loads(json.dumps(first.checkpoint()))  # must survive JSON
    run(first, events[checkpoint_at:crash_at])  # these outputs are lost in the crash
    second = WindowAggregator(60, allowed_lateness=10)
    second.restore(state)
    start = checkpoint_at if replay_from is None else replay_from
    return committed + run(second, events[start:]) + second.flush(), second


@pytest.mark.task(4)
@pytest.mark.points(2)
def test_checkpoint_is_json_data():
    """checkpoint() returns a dict that json.dumps accepts"""
    agg = WindowAggregator(60, allowed_lateness=10)
    run(agg, STREAM[:500])
    state = agg.checkpoint()
    assert isinstance(state, dict)
    json.dumps(state)  # str keys, lists, numbers, None only


@pytest.mark.task(4)
@pytest.mark.points(5)
@pytest.mark.core
def test_crash_and_replay_gives_identical_output():
    """Restoring a checkpoint and replaying from it yields the uninterrupted output"""
    clean = WindowAggregator(60, allowed_lateness=10)
    expected = run(clean, STREAM) + clean.flush()
    got, restored = crash_and_replay(STREAM, checkpoint_at=1500, crash_at=2100)
    assert as_tuples(got) == as_tuples(expected)
    assert restored.stats() == clean.stats()


@pytest.mark.task(4)
@pytest.mark.points(4)
@pytest.mark.core
def test_replay_from_before_checkpoint_is_idempotent():
    """Replaying events already covered by the checkpoint changes no output"""
    clean = WindowAggregator(60, allowed_lateness=10)
    expected = run(clean, STREAM) + clean.flush()
    got, _ = crash_and_replay(STREAM, 1500, crash_at=1800, replay_from=1400)
    assert as_tuples(got) == as_tuples(expected)


@pytest.mark.task(4)
@pytest.mark.points(2)
def test_restored_state_keeps_watermark_and_pending_windows():
    """A checkpoint taken before emit_closed keeps the watermark and pending windows"""
    agg = WindowAggregator(60, allowed_lateness=10)
    agg.process(("a", "k", 3, 10))
    agg.process(("b", "k", 4, 80))  # [0, 60) closed but not emitted yet
    state = json.loads(json.dumps(agg.checkpoint()))
    other = WindowAggregator(60, allowed_lateness=10)
    other.restore(state)
    assert other.watermark == 70
    assert other.process(("a", "k", 3, 10)) == "late"
    assert other.process(("b", "k", 4, 80)) == "duplicate"
    assert as_tuples(other.emit_closed()) == [("k", 0, 60, 1, 3)]
    assert as_tuples(other.flush()) == [("k", 60, 120, 1, 4)]


@pytest.mark.task(4)
@pytest.mark.points(2)
def test_restore_replaces_existing_state():
    """restore discards whatever the aggregator held before"""
    source = WindowAggregator(60)
    source.process(("s", "k", 1, 10))
    state = json.loads(json.dumps(source.checkpoint()))
    target = WindowAggregator(60)
    target.process(("t", "other", 9, 500))
    target.restore(state)
    assert target.watermark == 10
    assert as_tuples(target.flush()) == [("k", 0, 60, 1, 1)]
    assert target.stats()["accepted"] == 1


@pytest.mark.task(4)
@pytest.mark.points(2)
def test_restore_rejects_other_settings():
    """Restoring a checkpoint taken with other settings raises CheckpointError"""
    agg = WindowAggregator(60, allowed_lateness=10)
    agg.process(("a", "k", 1, 10))
    state = json.loads(json.dumps(agg.checkpoint()))
    with pytest.raises(CheckpointError):
        WindowAggregator(30, allowed_lateness=10).restore(state)
    with pytest.raises(CheckpointError):
        WindowAggregator(60, allowed_lateness=0).restore(state)


@pytest.mark.task(4)
@pytest.mark.points(2)
@pytest.mark.parametrize(
    "state", [{}, "checkpoint", None, []], ids=["empty", "str", "none", "list"]
)
def test_restore_rejects_malformed_state(state):
    """restore raises CheckpointError (a ValueError) for something not a checkpoint"""
    agg = WindowAggregator(60)
    with pytest.raises(CheckpointError):
        agg.restore(state)
    with pytest.raises(ValueError):
        agg.restore(state)


@pytest.mark.task(4)
@pytest.mark.points(3)
def test_checkpoint_size_stays_bounded():
    """Ids of emitted windows are forgotten, so the checkpoint does not keep growing"""
    events = [
        (f"id-{i:06d}", f"k{i % 3}", 1, i * 0.25 + (i % 7)) for i in range(40_000)
    ]
    agg = WindowAggregator(60, allowed_lateness=10)
    agg.process_many(events[:20_000])
    agg.emit_closed()
    half = len(json.dumps(agg.checkpoint()))
    agg.process_many(events[20_000:])
    agg.emit_closed()
    full = len(json.dumps(agg.checkpoint()))
    assert full < half * 1.5 + 1_000
    assert half < 100_000
