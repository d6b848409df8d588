"""Tests for ab_splitter.py (the reference solution's own test suite)."""

import hashlib

import pytest

from ab_splitter import InvalidConfigError, Splitter, bucket

USERS = [f"user-{n}" for n in range(20_000)]


def manual_bucket(salt, experiment, user):
    digest = hashlib.sha256(f"{salt}:{experiment}:{user}".encode()).digest()
    return (int.from_bytes(digest[:8], "big") >> 11) / 2**53


def test_bucket_matches_formula():
    for user in USERS[:50]:
        assert bucket("s", "exp", user) == manual_bucket("s", "exp", user)


@pytest.mark.parametrize(
    "variants",
    [{}, {"a": -1}, {"a": True}, {"a": "1"}, {"a": float("nan")}, {"a": 0}, [1]],
)
def test_bad_weights(variants):
    with pytest.raises(InvalidConfigError):
        Splitter("exp", variants, "salt")


@pytest.mark.parametrize("name", ["", "a b", "a:b", "x" * 65, 3])
def test_bad_names(name):
    with pytest.raises(InvalidConfigError):
        Splitter("exp", {name: 1}, "salt")
    with pytest.raises(InvalidConfigError):
        Splitter(name, {"a": 1}, "salt")


@pytest.mark.parametrize("salt", ["", None, 1])
def test_bad_salt(salt):
    with pytest.raises(InvalidConfigError):
        Splitter("exp", {"a": 1}, salt)


def test_bad_exclude():
    with pytest.raises(InvalidConfigError):
        Splitter("exp", {"a": 1}, "salt", exclude=42)


def test_properties():
    split = Splitter("exp", {"b": 1, "a": 0}, "salt")
    assert split.variants == ["b", "a"]
    assert split.weights == {"b": 1.0, "a": 0.0}
    assert split.overrides == {}


def test_assign_matches_cumulative_ranges():
    split = Splitter("exp", {"a": 1, "zero": 0, "b": 3}, "salt")
    for user in USERS[:500]:
        point = manual_bucket("salt", "exp", user)
        assert split.assign(user) == ("a" if point < 0.25 else "b")


@pytest.mark.parametrize("user", ["", None, 5])
def test_assign_rejects_bad_user(user):
    with pytest.raises(ValueError):
        Splitter("exp", {"a": 1}, "salt").assign(user)


def test_distribution_close_to_weights():
    counts = Splitter("exp", {"a": 3, "b": 1}, "salt").distribution(USERS)
    assert counts[None] == 0
    assert abs(counts["a"] / len(USERS) - 0.75) < 0.01


def test_canary_ramp_only_moves_into_canary():
    one = Splitter("deploy", {"control": 99, "canary": 1}, "salt")
    five = one.with_weights({"control": 95, "canary": 5})
    moves = one.transitions(five, USERS)
    assert set(moves) == {("control", "canary")}
    expected = sum(0.95 <= manual_bucket("salt", "deploy", u) < 0.99 for u in USERS)
    assert moves[("control", "canary")] == expected


def test_transitions_needs_splitter():
    with pytest.raises(TypeError):
        Splitter("exp", {"a": 1}, "salt").transitions("nope", USERS)


def test_overrides():
    split = Splitter("exp", {"a": 1, "dark": 0}, "salt", overrides={"qa": "dark"})
    assert split.assign("qa") == "dark"
    assert split.with_weights({"a": 1, "dark": 1}).assign("qa") == "dark"
    with pytest.raises(InvalidConfigError):
        split.override("x", "missing")
    assert split.clear_override("qa") is True
    assert split.clear_override("qa") is False
    assert split.assign("qa") == "a"


def test_exclusion_and_override_order():
    split = Splitter(
        "exp",
        {"a": 1},
        "salt",
        exclude=lambda user: user.startswith("bot"),
        overrides={"bot-qa": "a"},
    )
    assert split.assign("bot-1") is None
    assert split.assign("bot-qa") == "a"
    assert split.distribution(["bot-1", "human"]) == {"a": 1, None: 1}
