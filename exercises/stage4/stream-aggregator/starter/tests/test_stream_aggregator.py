"""Your own tests. Extend them until they cover at least 70% of stream_aggregator.py.

Run it with:  grader test   (or: python -m pytest -q tests)
"""

import json

from stream_aggregator import Event, WindowAggregator, WindowResult


def test_duplicate_is_ignored():
    agg = WindowAggregator(60)
    assert agg.process(Event("e1", "clicks", 1, 10)) == "accepted"
    assert agg.process(Event("e1", "clicks", 1, 10)) == "duplicate"
    assert agg.flush() == [WindowResult("clicks", 0, 60, 1, 1)]


def test_window_closes_when_watermark_passes_end():
    agg = WindowAggregator(60, allowed_lateness=10)
    agg.process(Event("e1", "clicks", 1, 10))
    agg.process(Event("e2", "clicks", 1, 69))  # watermark 59
    assert agg.emit_closed() == []
    agg.process(Event("e3", "clicks", 1, 70))  # watermark 60
    assert agg.emit_closed() == [WindowResult("clicks", 0, 60, 1, 1)]


def test_checkpoint_survives_json():
    agg = WindowAggregator(60)
    agg.process(Event("e1", "clicks", 1, 10))
    state = json.loads(json.dumps(agg.checkpoint()))
    other = WindowAggregator(60)
    other.restore(state)
    assert other.process(Event("e1", "clicks", 1, 10)) == "duplicate"
