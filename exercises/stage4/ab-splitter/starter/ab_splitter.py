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

Replace every ``raise NotImplementedError`` with a real implementation. Keep the
names and signatures: the hidden tests import them. Add imports (hashlib, math,
...) and private helpers as you need them.
"""

from __future__ import annotations

import re
from typing import Callable, Iterable, Mapping

# experiment names and variant names must match this pattern completely
NAME_PATTERN = re.compile(r"[A-Za-z0-9_.-]{1,64}")


class InvalidConfigError(ValueError):
    """An experiment name, salt, variant, weight or override is not valid."""


def bucket(salt: str, experiment: str, user_id: str) -> float:
    """The user's point in [0, 1).

    Hash the UTF-8 bytes of ``f"{salt}:{experiment}:{user_id}"`` with SHA-256,
    read the first 8 bytes of the digest as a big-endian unsigned integer, keep
    its top 53 bits (shift right by 11) and divide by ``2**53``.
    """
    raise NotImplementedError


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
        """Validate and store the configuration.

        Stores ``self.experiment`` and ``self.salt``; copies ``variants`` and
        ``overrides`` (later changes to the caller's dicts have no effect).

        Raises:
            InvalidConfigError: a bad experiment name, salt, variant name,
                weight or override, or an ``exclude`` that is not callable.
        """
        raise NotImplementedError

    @property
    def variants(self) -> list[str]:
        """The variant names, in the order given."""
        raise NotImplementedError

    @property
    def weights(self) -> dict[str, float]:
        """A copy of the weights as floats, in the order given."""
        raise NotImplementedError

    def assign(self, user_id: str) -> str | None:
        """The user's variant, or None for an excluded user.

        Order: an override wins; else an excluded user gets None; else the
        hashed bucket picks the variant.

        Raises:
            ValueError: ``user_id`` is not a non-empty string.
        """
        raise NotImplementedError

    def distribution(self, user_ids: Iterable[str]) -> dict[str | None, int]:
        """Count the users per variant; every variant is listed, plus None."""
        raise NotImplementedError

    def with_weights(self, variants: Mapping[str, float]) -> Splitter:
        """A new splitter: same experiment, salt, overrides and exclude, new weights."""
        raise NotImplementedError

    def transitions(
        self, new: Splitter, user_ids: Iterable[str]
    ) -> dict[tuple[str | None, str | None], int]:
        """Count the users whose variant differs between ``self`` and ``new``.

        Keys are ``(variant under self, variant under new)``; users who keep
        their variant are not counted.

        Raises:
            TypeError: ``new`` is not a Splitter.
        """
        raise NotImplementedError

    def override(self, user_id: str, variant: str) -> None:
        """Force ``user_id`` into ``variant`` (any configured variant, even weight 0).

        Raises:
            InvalidConfigError: ``variant`` is not one of the variants.
            ValueError: ``user_id`` is not a non-empty string.
        """
        raise NotImplementedError

    def clear_override(self, user_id: str) -> bool:
        """Remove the user's override; return True if there was one."""
        raise NotImplementedError

    @property
    def overrides(self) -> dict[str, str]:
        """A copy of the overrides."""
        raise NotImplementedError
