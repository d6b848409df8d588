"""A/B traffic splitting with sticky hashing, canary ramps, overrides and bot filters.

A :class:`Splitter` assigns every user of one experiment to one variant. The
assignment is a pure function of ``(salt, experiment, user_id)`` and the
weights, so it is *sticky*: the same user sees the same variant on every
request, on every server, without storing anything. Each user gets a point
``bucket(salt, experiment, user_id)`` in ``[0, 1)`` and the unit interval is cut
into consecutive ranges, one per variant, in the order the variants were given::

    split = Splitter("checkout", {"control": 95, "canary": 5}, salt="2024-06")
    split.assign("user-42")             # "control" or "canary", always the same
    split.distribution(users)            # {"control": 9496, "canary": 504, None: 0}

Growing the *last* variant's weight only moves users into it: a canary ramped
from 1% to 5% to 25% keeps every user it already had.
"""

from __future__ import annotations

import hashlib
import math
import re
from typing import Callable, Iterable, Mapping

NAME_PATTERN = re.compile(r"[A-Za-z0-9_.-]{1,64}")


class InvalidConfigError(ValueError):
    """An experiment name, salt, variant, weight or override is not valid."""


# --------------------------------------------------------------------- task 2


def bucket(salt: str, experiment: str, user_id: str) -> float:
    """The user's point in [0, 1): the top 53 bits of sha256(salt:experiment:user)."""
    key = f"{salt}:{experiment}:{user_id}".encode("utf-8")
    digest = hashlib.sha256(key).digest()
    return (int.from_bytes(digest[:8], "big") >> 11) / 2**53


# --------------------------------------------------------------------- task 1


def _check_name(value: object, what: str) -> str:
    if not isinstance(value, str) or not NAME_PATTERN.fullmatch(value):
        raise InvalidConfigError(
            f"{what} must be 1-64 letters, digits, '_', '.' or '-': {value!r}"
        )
    return value


def _check_weights(variants: object) -> dict[str, float]:
    if not isinstance(variants, Mapping) or not variants:
        raise InvalidConfigError("variants must be a non-empty dict of name -> weight")
    weights: dict[str, float] = {}
    for name, weight in variants.items():
        _check_name(name, "variant name")
        if (
            isinstance(weight, bool)
            or not isinstance(weight, (int, float))
            or not math.isfinite(weight)
            or weight < 0
        ):
            raise InvalidConfigError(
                f"weight of {name!r} must be a finite number >= 0: {weight!r}"
            )
        weights[name] = float(weight)
    if sum(weights.values()) <= 0:
        raise InvalidConfigError("the weights must not all be zero")
    return weights


def _check_user(user_id: object) -> str:
    if not isinstance(user_id, str) or not user_id:
        raise ValueError(f"user_id must be a non-empty string: {user_id!r}")
    return user_id


class Splitter:
    """Deterministic, sticky assignment of users to the variants of one experiment."""

    def __init__(
        self,
        experiment: str,
        variants: Mapping[str, float],
        salt: str,
        *,
        overrides: Mapping[str, str] | None = None,
        exclude: Callable[[str], bool] | None = None,
    ) -> None:
        """Validate and store the configuration (see the instructions)."""
        self.experiment = _check_name(experiment, "experiment")
        if not isinstance(salt, str) or not salt:
            raise InvalidConfigError(f"salt must be a non-empty string: {salt!r}")
        self.salt = salt
        self._weights = _check_weights(variants)
        total = sum(self._weights.values())
        running = 0.0
        self._bounds: list[tuple[float, str]] = []
        for name, weight in self._weights.items():
            running += weight
            if weight > 0:
                self._bounds.append((running / total, name))
        if exclude is not None and not callable(exclude):
            raise InvalidConfigError("exclude must be a callable or None")
        self._exclude = exclude
        self._overrides: dict[str, str] = {}
        for user_id, variant in (overrides or {}).items():
            self.override(user_id, variant)

    @property
    def variants(self) -> list[str]:
        """The variant names, in order."""
        return list(self._weights)

    @property
    def weights(self) -> dict[str, float]:
        """A copy of the weights, as floats, in order."""
        return dict(self._weights)

    # ----------------------------------------------------------------- task 2

    def assign(self, user_id: str) -> str | None:
        """The user's variant; None for an excluded user (overrides come first)."""
        _check_user(user_id)
        forced = self._overrides.get(user_id)
        if forced is not None:
            return forced
        if self._exclude is not None and self._exclude(user_id):
            return None
        point = bucket(self.salt, self.experiment, user_id)
        for bound, name in self._bounds[:-1]:
            if point < bound:
                return name
        return self._bounds[-1][1]  # the last bound is 1.0 and point < 1.0

    # ----------------------------------------------------------------- task 3

    def distribution(self, user_ids: Iterable[str]) -> dict[str | None, int]:
        """Count the users per variant (every variant listed) and under None."""
        counts: dict[str | None, int] = {name: 0 for name in self._weights}
        counts[None] = 0
        for user_id in user_ids:
            counts[self.assign(user_id)] += 1
        return counts

    # ----------------------------------------------------------------- task 4

    def with_weights(self, variants: Mapping[str, float]) -> Splitter:
        """A new splitter: same experiment, salt, overrides and exclude, new weights."""
        return Splitter(
            self.experiment,
            variants,
            self.salt,
            overrides=self._overrides,
            exclude=self._exclude,
        )

    def transitions(
        self, new: Splitter, user_ids: Iterable[str]
    ) -> dict[tuple[str | None, str | None], int]:
        """Count users whose variant differs between self and ``new``, by move."""
        if not isinstance(new, Splitter):
            raise TypeError("new must be a Splitter")
        moves: dict[tuple[str | None, str | None], int] = {}
        for user_id in user_ids:
            before, after = self.assign(user_id), new.assign(user_id)
            if before != after:
                moves[(before, after)] = moves.get((before, after), 0) + 1
        return moves

    # ----------------------------------------------------------------- task 5

    def override(self, user_id: str, variant: str) -> None:
        """Force ``user_id`` into ``variant`` (any variant, even one of weight 0)."""
        _check_user(user_id)
        if variant not in self._weights:
            raise InvalidConfigError(f"unknown variant {variant!r}")
        self._overrides[user_id] = variant

    def clear_override(self, user_id: str) -> bool:
        """Remove the user's override; True if there was one."""
        return self._overrides.pop(user_id, None) is not None

    @property
    def overrides(self) -> dict[str, str]:
        """A copy of the overrides."""
        return dict(self._overrides)
