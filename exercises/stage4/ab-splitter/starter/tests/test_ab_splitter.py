"""Your own tests. Extend this file until it covers at least 70% of ab_splitter.py.

Run it with:  grader test   (or: python -m pytest -q tests)
"""

import pytest

from ab_splitter import InvalidConfigError, Splitter, bucket

USERS = [f"user-{n}" for n in range(2000)]


def test_bucket_is_in_unit_interval():
    assert 0.0 <= bucket("salt", "exp", "user-1") < 1.0


def test_negative_weight_rejected():
    with pytest.raises(InvalidConfigError):
        Splitter("exp", {"control": 1, "treatment": -1}, "salt")


def test_canary_ramp_keeps_canary_users():
    small = Splitter("deploy", {"control": 99, "canary": 1}, "salt")
    large = Splitter("deploy", {"control": 95, "canary": 5}, "salt")
    for user in USERS:
        if small.assign(user) == "canary":
            assert large.assign(user) == "canary"
