import hashlib

import pytest

from ab_splitter import InvalidConfigError, Splitter, bucket

USERS = [f"user-{n:06d}" for n in range(100_000)]
SAMPLE = USERS[:400]


def expected_bucket(salt, experiment, user_id):
    """The documented formula, written independently of the solution."""
    digest = hashlib.sha256(f"{salt}:{experiment}:{user_id}".encode()).digest()
    return (int.from_bytes(digest[:8], "big") >> 11) / 2**53


def expected_variant(salt, experiment, weights, user_id):
    point = expected_bucket(salt, experiment, user_id)
    total = sum(weights.values())
    running = 0.0
    last = None
    for name, weight in weights.items():
        running += weight
        if weight > 0:
            last = name
            if point < running / total:
                return name
    return last


def chi_square(counts, weights, n):
    total = sum(weights.values())
    return sum(
        (counts[name] - n * w / total) ** 2 / (n * w / total)
        for name, w in weights.items()
    )


# critical values of the chi-square distribution at p = 0.001
CHI2_CRITICAL = {1: 10.83, 3: 16.27, 19: 43.82}


# --------------------------------------------------------------------- task 1


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.parametrize(
    "variants",
    [
        {},
        {"a": -1, "b": 2},
        {"a": float("nan"), "b": 1},
        {"a": float("inf"), "b": 1},
        {"a": True, "b": 1},
        {"a": "50", "b": 50},
        {"a": None, "b": 1},
        {"a": 0, "b": 0.0},
        [("a", 1), ("b", 1)],
    ],
    ids=[
        "empty",
        "negative",
        "nan",
        "inf",
        "bool",
        "str",
        "none",
        "all-zero",
        "not-a-dict",
    ],
)
@pytest.mark.core
def test_invalid_weights_rejected(variants):
    """Weights must be finite non-negative numbers (not bools) with a positive sum"""
    with pytest.raises(InvalidConfigError):
        Splitter("exp", variants, "salt")


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.parametrize(
    "name",
    ["", "has space", "colon:name", "x" * 65, "naïve", 7, None],
    ids=["empty", "space", "colon", "too-long", "non-ascii", "int", "none"],
)
def test_invalid_variant_names_rejected(name):
    """Variant names must be 1-64 characters of letters, digits, '_', '.', '-'"""
    with pytest.raises(InvalidConfigError):
        Splitter("exp", {"control": 1, name: 1}, "salt")


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.parametrize(
    "experiment, salt",
    [("", "s"), ("a:b", "s"), (None, "s"), ("exp", ""), ("exp", None), ("exp", 3)],
    ids=["empty-exp", "colon-exp", "none-exp", "empty-salt", "none-salt", "int-salt"],
)
def test_invalid_experiment_or_salt_rejected(experiment, salt):
    """The experiment follows the name rule and the salt is a non-empty string"""
    with pytest.raises(InvalidConfigError):
        Splitter(experiment, {"a": 1}, salt)


@pytest.mark.task(1)
@pytest.mark.points(1)
def test_invalid_config_error_is_value_error():
    """InvalidConfigError is a ValueError"""
    with pytest.raises(ValueError):
        Splitter("exp", {"a": -5}, "salt")


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.core
def test_valid_config_exposes_variants_and_weights():
    """variants lists the names in order and weights maps them to floats"""
    split = Splitter("exp.v2", {"control": 90, "zero": 0, "canary": 10.5}, "s:1")
    assert list(split.variants) == ["control", "zero", "canary"]
    weights = split.weights
    assert weights == {"control": 90.0, "zero": 0.0, "canary": 10.5}
    assert all(isinstance(w, float) for w in weights.values())
    assert list(weights) == ["control", "zero", "canary"]


# --------------------------------------------------------------------- task 2


@pytest.mark.task(2)
@pytest.mark.points(3)
@pytest.mark.parametrize(
    "salt, experiment, user",
    [
        ("salt", "exp", "user-1"),
        ("2024-06", "checkout", "alice@example.com"),
        ("s", "e", "用户-42"),
    ],
    ids=["plain", "email", "unicode"],
)
@pytest.mark.core
def test_bucket_follows_documented_formula(salt, experiment, user):
    """bucket is the top 53 bits of sha256(salt:experiment:user_id) divided by 2**53"""
    got = bucket(salt, experiment, user)
    assert isinstance(got, float)
    assert got == expected_bucket(salt, experiment, user)
    assert 0.0 <= got < 1.0


@pytest.mark.task(2)
@pytest.mark.points(3)
def test_assign_uses_cumulative_ranges_in_given_order():
    """assign picks the first variant whose cumulative share exceeds the bucket"""
    weights = {"control": 50, "treatment": 30, "canary": 20}
    split = Splitter("checkout", weights, "2024-06")
    for user in SAMPLE:
        assert split.assign(user) == expected_variant(
            "2024-06", "checkout", weights, user
        ), user


@pytest.mark.task(2)
@pytest.mark.points(2)
def test_variant_order_matters():
    """Listing the same weights in another order lays the ranges out differently"""
    weights = {"b": 1, "a": 3}
    split = Splitter("exp", weights, "salt")
    got = [split.assign(user) for user in SAMPLE]
    assert got == [expected_variant("salt", "exp", weights, u) for u in SAMPLE]
    assert got != [expected_variant("salt", "exp", {"a": 3, "b": 1}, u) for u in SAMPLE]


@pytest.mark.task(2)
@pytest.mark.points(2)
@pytest.mark.core
def test_assignment_is_sticky_across_instances():
    """Two splitters with the same configuration assign every user identically"""
    first = Splitter("exp", {"a": 1, "b": 1}, "salt")
    second = Splitter("exp", {"a": 1, "b": 1}, "salt")
    assert first.transitions(second, USERS[:20_000]) == {}
    assert [first.assign(u) for u in SAMPLE[:50]] == [
        first.assign(u) for u in SAMPLE[:50]
    ]


@pytest.mark.task(2)
@pytest.mark.points(2)
def test_zero_weight_variant_never_assigned():
    """A variant with weight 0 gets no users (only overrides can put users there)"""
    split = Splitter("exp", {"a": 1, "off": 0, "b": 1, "last-off": 0}, "salt")
    counts = split.distribution(USERS[:20_000])
    assert counts["off"] == 0 and counts["last-off"] == 0
    assert counts["a"] + counts["b"] == 20_000


@pytest.mark.task(2)
@pytest.mark.points(2)
def test_scaled_weights_give_same_assignment():
    """Multiplying every weight by the same factor changes nobody's variant"""
    small = Splitter("exp", {"a": 1, "b": 3}, "salt")
    large = Splitter("exp", {"a": 25, "b": 75}, "salt")
    assert small.transitions(large, USERS[:20_000]) == {}


@pytest.mark.task(2)
@pytest.mark.points(1)
@pytest.mark.parametrize("user", ["", 42, None], ids=["empty", "int", "none"])
def test_assign_rejects_bad_user_id(user):
    """assign raises ValueError for a user id that is not a non-empty string"""
    split = Splitter("exp", {"a": 1}, "salt")
    with pytest.raises(ValueError):
        split.assign(user)


# --------------------------------------------------------------------- task 3


@pytest.mark.task(3)
@pytest.mark.points(2)
def test_distribution_lists_every_variant_and_none():
    """distribution counts users per variant, every variant listed, None for excluded"""
    split = Splitter("exp", {"a": 1, "b": 0, "c": 1}, "salt")
    counts = split.distribution(SAMPLE)
    assert set(counts) == {"a", "b", "c", None}
    assert counts["b"] == 0 and counts[None] == 0
    assert sum(counts.values()) == len(SAMPLE)
    assert counts["a"] == sum(
        expected_variant("salt", "exp", {"a": 1, "b": 0, "c": 1}, u) == "a"
        for u in SAMPLE
    )


@pytest.mark.task(3)
@pytest.mark.points(1)
def test_distribution_counts_repeated_users_each_time():
    """distribution counts a user id once per occurrence in the input"""
    split = Splitter("exp", {"only": 1}, "salt")
    assert split.distribution(["u1", "u1", "u2"]) == {"only": 3, None: 0}
    assert split.distribution([]) == {"only": 0, None: 0}


@pytest.mark.task(3)
@pytest.mark.points(4)
@pytest.mark.core
def test_chi_square_100k_users_match_weights():
    """100k users land on a 50/25/20/5 split within chi-square tolerance (p=0.001)"""
    weights = {"control": 50, "treatment_a": 25, "treatment_b": 20, "canary": 5}
    counts = Splitter("checkout", weights, "2024-06").distribution(USERS)
    assert sum(counts.values()) == len(USERS)
    assert chi_square(counts, weights, len(USERS)) < CHI2_CRITICAL[3]


@pytest.mark.task(3)
@pytest.mark.points(3)
def test_buckets_are_uniform_over_twenty_bins():
    """With 20 equal variants, 100k users spread evenly (chi-square, p=0.001)"""
    weights = {f"v{i:02d}": 1 for i in range(20)}
    counts = Splitter("uniform", weights, "seed-7").distribution(USERS)
    assert chi_square(counts, weights, len(USERS)) < CHI2_CRITICAL[19]
    assert min(counts[name] for name in weights) > 4500


@pytest.mark.task(3)
@pytest.mark.points(3)
def test_experiments_are_independent():
    """The same users split 50/50 in two experiments are uncorrelated (chi-square)"""
    weights = {"control": 1, "treatment": 1}
    first = Splitter("checkout", weights, "salt")
    second = Splitter("search", weights, "salt")
    users = USERS[:40_000]
    c1 = first.distribution(users)
    moves = first.transitions(second, users)
    assert set(moves) <= {("control", "treatment"), ("treatment", "control")}
    ct = moves.get(("control", "treatment"), 0)
    tc = moves.get(("treatment", "control"), 0)
    table = [[c1["control"] - ct, ct], [tc, c1["treatment"] - tc]]
    n = len(users)
    rows = [sum(r) for r in table]
    cols = [table[0][j] + table[1][j] for j in range(2)]
    stat = sum(
        (table[i][j] - rows[i] * cols[j] / n) ** 2 / (rows[i] * cols[j] / n)
        for i in range(2)
        for j in range(2)
    )
    assert stat < CHI2_CRITICAL[1]


@pytest.mark.task(3)
@pytest.mark.points(2)
def test_new_salt_reshuffles_users():
    """Changing the salt reassigns about half the users of a 50/50 split"""
    weights = {"control": 1, "treatment": 1}
    old = Splitter("exp", weights, "salt-1")
    new = Splitter("exp", weights, "salt-2")
    moves = old.transitions(new, USERS[:20_000])
    moved = sum(moves.values())
    assert 9_500 < moved < 10_500


# --------------------------------------------------------------------- task 4


def ramp(share):
    return {"control": 100 - share, "canary": share}


@pytest.mark.task(4)
@pytest.mark.points(4)
@pytest.mark.core
def test_canary_ramp_keeps_canary_users():
    """Ramping the canary 1% -> 5% -> 25% keeps every user already in the canary"""
    users = USERS[:50_000]
    one = Splitter("deploy", ramp(1), "salt")
    five = one.with_weights(ramp(5))
    quarter = five.with_weights(ramp(25))
    for before, after in ((one, five), (five, quarter), (one, quarter)):
        moves = before.transitions(after, users)
        assert set(moves) == {("control", "canary")}, moves


@pytest.mark.task(4)
@pytest.mark.points(3)
def test_canary_ramp_moves_minimal_share():
    """Going from 1% to 5% moves exactly the users with bucket in [0.95, 0.99)"""
    users = USERS[:50_000]
    one = Splitter("deploy", ramp(1), "salt")
    five = Splitter("deploy", ramp(5), "salt")
    expected = sum(0.95 <= expected_bucket("salt", "deploy", u) < 0.99 for u in users)
    assert one.transitions(five, users) == {("control", "canary"): expected}
    assert 1_800 < expected < 2_200  # about 4% of the users


@pytest.mark.task(4)
@pytest.mark.points(2)
def test_rollback_moves_users_back_to_control():
    """Ramping the canary down moves users only from the canary back to control"""
    users = USERS[:20_000]
    quarter = Splitter("deploy", ramp(25), "salt")
    moves = quarter.transitions(quarter.with_weights(ramp(0)), users)
    assert set(moves) == {("canary", "control")}
    assert moves[("canary", "control")] == quarter.distribution(users)["canary"]


@pytest.mark.task(4)
@pytest.mark.points(2)
def test_with_weights_keeps_identity_and_overrides():
    """with_weights keeps experiment, salt and overrides, and validates the weights"""
    split = Splitter("deploy", ramp(1), "salt", overrides={"qa-1": "canary"})
    bigger = split.with_weights(ramp(5))
    assert bigger.experiment == "deploy" and bigger.salt == "salt"
    assert bigger.assign("qa-1") == "canary"
    assert split.weights == {"control": 99.0, "canary": 1.0}
    with pytest.raises(InvalidConfigError):
        split.with_weights({"control": -1, "canary": 2})


@pytest.mark.task(4)
@pytest.mark.points(2)
def test_transitions_counts_moves_between_any_configs():
    """transitions reports every changed user as (old variant, new variant) counts"""
    users = SAMPLE
    old_w = {"a": 1, "b": 1}
    new_w = {"a": 1, "b": 1, "c": 2}
    old = Splitter("exp", old_w, "salt")
    new = Splitter("exp", new_w, "salt")
    expected = {}
    for u in users:
        pair = (
            expected_variant("salt", "exp", old_w, u),
            expected_variant("salt", "exp", new_w, u),
        )
        if pair[0] != pair[1]:
            expected[pair] = expected.get(pair, 0) + 1
    assert old.transitions(new, users) == expected
    with pytest.raises(TypeError):
        old.transitions({"a": 1}, users)


# --------------------------------------------------------------------- task 5


@pytest.mark.task(5)
@pytest.mark.points(3)
@pytest.mark.core
def test_override_forces_variant():
    """An override forces a user into a variant, even one with weight 0"""
    split = Splitter("exp", {"control": 1, "dark": 0}, "salt")
    assert split.assign("qa-anna") == "control"
    split.override("qa-anna", "dark")
    assert split.assign("qa-anna") == "dark"
    assert split.overrides == {"qa-anna": "dark"}
    assert split.distribution(["qa-anna", "bob"]) == {"control": 1, "dark": 1, None: 0}


@pytest.mark.task(5)
@pytest.mark.points(2)
def test_override_unknown_variant_rejected():
    """Overriding into an unknown variant raises InvalidConfigError, also at creation"""
    split = Splitter("exp", {"a": 1}, "salt")
    with pytest.raises(InvalidConfigError):
        split.override("u1", "nope")
    with pytest.raises(InvalidConfigError):
        Splitter("exp", {"a": 1}, "salt", overrides={"u1": "nope"})
    with pytest.raises(ValueError):
        split.override("", "a")
    assert split.overrides == {}


@pytest.mark.task(5)
@pytest.mark.points(2)
def test_clear_override_restores_hash_assignment():
    """clear_override returns True and restores the hashed variant; False if none"""
    weights = {"a": 1, "b": 1}
    split = Splitter("exp", weights, "salt", overrides={"u7": "a", "u8": "b"})
    assert split.clear_override("u8") is True
    assert split.clear_override("u8") is False
    assert split.assign("u8") == expected_variant("salt", "exp", weights, "u8")
    assert split.assign("u7") == "a"


def is_bot(user_id):
    return user_id.startswith("bot-")


@pytest.mark.task(5)
@pytest.mark.points(3)
@pytest.mark.core
def test_excluded_users_get_none():
    """Users for whom the exclude predicate is true get None and count under None"""
    split = Splitter("exp", {"a": 1, "b": 1}, "salt", exclude=is_bot)
    assert split.assign("bot-crawler") is None
    human = split.assign("user-000001")
    assert human == expected_variant("salt", "exp", {"a": 1, "b": 1}, "user-000001")
    users = ["bot-1", "bot-2"] + SAMPLE[:60]
    counts = split.distribution(users)
    assert counts[None] == 2
    assert counts["a"] + counts["b"] == 60


@pytest.mark.task(5)
@pytest.mark.points(2)
def test_override_beats_exclusion():
    """An override applies even to a user the exclude predicate rejects"""
    split = Splitter(
        "exp", {"a": 1, "b": 1}, "salt", exclude=is_bot, overrides={"bot-qa": "b"}
    )
    assert split.assign("bot-qa") == "b"
    assert split.assign("bot-other") is None


@pytest.mark.task(5)
@pytest.mark.points(2)
def test_exclusion_does_not_shift_other_users():
    """Excluding bots leaves every other user's variant unchanged"""
    weights = {"a": 1, "b": 2, "c": 1}
    plain = Splitter("exp", weights, "salt")
    filtered = Splitter("exp", weights, "salt", exclude=is_bot)
    users = SAMPLE[:100] + ["bot-1", "bot-2"]
    moves = plain.transitions(filtered, users)
    assert sum(moves.values()) == 2
    assert all(after is None for _, after in moves)


@pytest.mark.task(5)
@pytest.mark.points(1)
def test_exclude_must_be_callable():
    """A non-callable exclude raises InvalidConfigError"""
    with pytest.raises(InvalidConfigError):
        Splitter("exp", {"a": 1}, "salt", exclude="bots")
