"""A small, exact money value type with alternate constructors.

``Money`` stores an amount as a ``Decimal`` together with an ISO 4217 currency
code. Amounts are always held at exactly the currency's number of decimal
places (two for CNY, zero for JPY, ...), so arithmetic never drifts the way
``float`` does.

Your job: fill in every body that raises ``NotImplementedError`` and put the
right decorator (``@classmethod`` or ``@staticmethod``) on each method marked
``TODO: decorator``. Read instructions.md for the exact rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

# Currency code -> number of decimal places of its minor unit.
CURRENCIES: dict[str, int] = {
    "CNY": 2,
    "USD": 2,
    "EUR": 2,
    "GBP": 2,
    "JPY": 0,
    "KWD": 3,
}

# "Some subclass of Money": lets a classmethod say "returns whatever cls is".
M = TypeVar("M", bound="Money")


class MoneyError(ValueError):
    """Base class of every error raised by this module."""


class MoneyFormatError(MoneyError):
    """Text or data that does not have the shape of a money value."""


class UnknownCurrencyError(MoneyError):
    """A currency code that is not in ``CURRENCIES``."""


class InvalidAmountError(MoneyError):
    """An amount that the currency cannot represent exactly (or is not finite)."""


class CurrencyMismatchError(MoneyError):
    """Arithmetic between two different currencies."""


@dataclass(frozen=True)
class Money:
    """An immutable amount of money in one currency."""

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        """Validate the fields and store the amount at the currency's scale.

        - unknown ``currency`` -> ``UnknownCurrencyError``
        - ``amount`` not an ``int``/``Decimal`` (float, str, bool, ...) -> ``TypeError``
        - NaN/Infinity, or a value with more significant decimal places than the
          currency allows -> ``InvalidAmountError``
        - otherwise store ``amount`` quantized to the currency's places (the
          dataclass is frozen, so use ``object.__setattr__``)
        """
        raise NotImplementedError

    def __str__(self) -> str:
        """Return e.g. ``"12.50 CNY"``."""
        raise NotImplementedError

    # ----------------------------------------------------------- static helpers

    # TODO: decorator
    def is_valid_currency(code: object) -> bool:
        """Return True if ``code`` is a known currency code (exact, upper case).

        Never raises: anything that is not a known code gives False.
        """
        raise NotImplementedError

    # TODO: decorator
    def decimal_places(code: str) -> int:
        """Return the number of decimal places of ``code``'s minor unit.

        Raises ``UnknownCurrencyError`` for an unknown code.
        """
        raise NotImplementedError

    # TODO: decorator
    def parse_amount(text: str) -> Decimal:
        """Parse a plain decimal number such as ``"12.50"`` or ``"-3"``.

        Grammar: optional ``-``, one or more digits 0-9, optionally ``.``
        followed by one or more digits. Anything else (including non-strings)
        raises ``MoneyFormatError``. No currency check happens here.
        """
        raise NotImplementedError

    # ------------------------------------------------------ alternate constructors

    # TODO: decorator
    def from_string(cls: type[M], text: str) -> M:
        """Build from ``"<amount> <CODE>"``, e.g. ``"12.50 CNY"``.

        Surrounding whitespace is ignored. Wrong shape -> ``MoneyFormatError``.
        """
        raise NotImplementedError

    # TODO: decorator
    def from_cents(cls: type[M], cents: int, currency: str) -> M:
        """Build from an integer count of minor units (cents, fen; yen for JPY).

        ``cents`` must be an ``int`` (not bool/float/str) -> else ``TypeError``.
        """
        raise NotImplementedError

    # TODO: decorator
    def from_dict(cls: type[M], data: Mapping[str, Any]) -> M:
        """Build from ``{"amount": "12.50", "currency": "CNY"}`` (see ``to_dict``).

        ``amount`` may be a str (parsed with ``parse_amount``) or an int. A
        non-mapping, a missing key, or any other amount type (float, bool,
        None, ...) raises ``MoneyFormatError``. Extra keys are ignored.
        """
        raise NotImplementedError

    # TODO: decorator
    def from_decimal(cls: type[M], value: Decimal | int, currency: str) -> M:
        """Build from any Decimal, rounding half-even to the currency's scale.

        ``value`` must be a ``Decimal`` or an ``int`` -> else ``TypeError``.
        """
        raise NotImplementedError

    # ------------------------------------------------------------- conversions

    @property
    def cents(self) -> int:
        """The amount as an integer count of minor units."""
        raise NotImplementedError

    def to_dict(self) -> dict[str, str]:
        """Return ``{"amount": "12.50", "currency": "CNY"}`` (JSON friendly)."""
        raise NotImplementedError

    # -------------------------------------------------------------- arithmetic

    def __add__(self: M, other: object) -> M:
        """Same-currency sum; other currency -> ``CurrencyMismatchError``.

        Return ``NotImplemented`` when ``other`` is not a ``Money``.
        """
        raise NotImplementedError

    def __sub__(self: M, other: object) -> M:
        """Same-currency difference; rules as for ``__add__``."""
        raise NotImplementedError

    def __mul__(self: M, factor: object) -> M:
        """Multiply by an int or Decimal, rounding half-even.

        Return ``NotImplemented`` for any other factor (float, bool, Money...).
        """
        raise NotImplementedError

    def __rmul__(self: M, factor: object) -> M:
        """``3 * money`` works like ``money * 3``."""
        raise NotImplementedError

    def allocate(self: M, n: int) -> list[M]:
        """Split into ``n`` parts that differ by at most one minor unit.

        The parts add up to exactly ``self``; the larger parts come first.
        ``n`` not an int -> ``TypeError``; ``n < 1`` -> ``ValueError``.
        """
        raise NotImplementedError
