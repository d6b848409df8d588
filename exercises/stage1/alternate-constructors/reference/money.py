"""A small, exact money value type with alternate constructors.

``Money`` stores an amount as a ``Decimal`` together with an ISO 4217 currency
code. Amounts are always held at exactly the currency's number of decimal
places (two for CNY, zero for JPY, ...), so arithmetic never drifts the way
``float`` does.

Alternate constructors (``from_string``, ``from_cents``, ``from_dict``,
``from_decimal``) are ``@classmethod``s: they receive the class they were
called on as ``cls`` and build the result with ``cls(...)``, so a subclass such
as ``class Price(Money)`` gets ``Price`` instances back. Helpers that need no
class at all (``is_valid_currency``, ``decimal_places``, ``parse_amount``) are
``@staticmethod``s.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
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

_AMOUNT_RE = re.compile(r"-?[0-9]+(\.[0-9]+)?")

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
        """Validate the fields and store the amount at the currency's scale."""
        places = Money.decimal_places(self.currency)
        amount = self.amount
        if isinstance(amount, bool) or not isinstance(amount, (int, Decimal)):
            raise TypeError(
                f"amount must be a Decimal or an int, not {type(amount).__name__}"
            )
        amount = Decimal(amount)
        if not amount.is_finite():
            raise InvalidAmountError(f"amount must be finite, got {amount}")
        quantized = amount.quantize(Decimal(1).scaleb(-places))
        if quantized != amount:
            raise InvalidAmountError(
                f"{amount} has more than {places} decimal places for {self.currency}"
            )
        if quantized == 0:
            quantized = abs(quantized)  # no "-0.00"
        object.__setattr__(self, "amount", quantized)

    def __str__(self) -> str:
        """Return e.g. ``"12.50 CNY"``."""
        return f"{self.amount:f} {self.currency}"

    # ----------------------------------------------------------- static helpers

    @staticmethod
    def is_valid_currency(code: object) -> bool:
        """Return True if ``code`` is a known currency code (exact, upper case)."""
        return isinstance(code, str) and code in CURRENCIES

    @staticmethod
    def decimal_places(code: str) -> int:
        """Return the number of decimal places of ``code``'s minor unit."""
        if not Money.is_valid_currency(code):
            raise UnknownCurrencyError(f"unknown currency: {code!r}")
        return CURRENCIES[code]

    @staticmethod
    def parse_amount(text: str) -> Decimal:
        """Parse a plain decimal number such as ``"12.50"`` or ``"-3"``."""
        if not isinstance(text, str) or not _AMOUNT_RE.fullmatch(text):
            raise MoneyFormatError(f"not a plain decimal amount: {text!r}")
        return Decimal(text)

    # ------------------------------------------------------ alternate constructors

    @classmethod
    def from_string(cls: type[M], text: str) -> M:
        """Build from ``"<amount> <CODE>"``, e.g. ``"12.50 CNY"``."""
        if not isinstance(text, str):
            raise MoneyFormatError(f"expected a string, got {type(text).__name__}")
        parts = text.split()
        if len(parts) != 2:
            raise MoneyFormatError(f"expected '<amount> <CODE>', got {text!r}")
        amount_text, code = parts
        amount = cls.parse_amount(amount_text)
        return cls(amount, code)

    @classmethod
    def from_cents(cls: type[M], cents: int, currency: str) -> M:
        """Build from an integer count of minor units (cents, fen; yen for JPY)."""
        if isinstance(cents, bool) or not isinstance(cents, int):
            raise TypeError(f"cents must be an int, not {type(cents).__name__}")
        places = cls.decimal_places(currency)
        return cls(Decimal(cents).scaleb(-places), currency)

    @classmethod
    def from_dict(cls: type[M], data: Mapping[str, Any]) -> M:
        """Build from ``{"amount": "12.50", "currency": "CNY"}`` (see ``to_dict``)."""
        if not isinstance(data, Mapping):
            raise MoneyFormatError(f"expected a mapping, got {type(data).__name__}")
        missing = [key for key in ("amount", "currency") if key not in data]
        if missing:
            raise MoneyFormatError(f"missing key(s): {', '.join(missing)}")
        raw = data["amount"]
        if isinstance(raw, str):
            amount = cls.parse_amount(raw)
        elif isinstance(raw, int) and not isinstance(raw, bool):
            amount = Decimal(raw)
        else:
            raise MoneyFormatError(
                f"amount must be a string or an int, not {type(raw).__name__}"
            )
        return cls(amount, data["currency"])

    @classmethod
    def from_decimal(cls: type[M], value: Decimal | int, currency: str) -> M:
        """Build from any Decimal, rounding half-even to the currency's scale."""
        if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
            raise TypeError(
                f"value must be a Decimal or an int, not {type(value).__name__}"
            )
        places = cls.decimal_places(currency)
        exponent = Decimal(1).scaleb(-places)
        return cls(
            Decimal(value).quantize(exponent, rounding=ROUND_HALF_EVEN), currency
        )

    # ------------------------------------------------------------- conversions

    @property
    def cents(self) -> int:
        """The amount as an integer count of minor units."""
        return int(self.amount.scaleb(Money.decimal_places(self.currency)))

    def to_dict(self) -> dict[str, str]:
        """Return ``{"amount": "12.50", "currency": "CNY"}`` (JSON friendly)."""
        return {"amount": f"{self.amount:f}", "currency": self.currency}

    # -------------------------------------------------------------- arithmetic

    def _check_same_currency(self, other: Money) -> None:
        if self.currency != other.currency:
            raise CurrencyMismatchError(
                f"cannot combine {self.currency} with {other.currency}"
            )

    def __add__(self: M, other: object) -> M:
        if not isinstance(other, Money):
            return NotImplemented
        self._check_same_currency(other)
        return type(self)(self.amount + other.amount, self.currency)

    def __sub__(self: M, other: object) -> M:
        if not isinstance(other, Money):
            return NotImplemented
        self._check_same_currency(other)
        return type(self)(self.amount - other.amount, self.currency)

    def __mul__(self: M, factor: object) -> M:
        if isinstance(factor, bool) or not isinstance(factor, (int, Decimal)):
            return NotImplemented
        return type(self).from_decimal(self.amount * factor, self.currency)

    __rmul__ = __mul__

    def allocate(self: M, n: int) -> list[M]:
        """Split into ``n`` parts that differ by at most one minor unit.

        The parts add up to exactly ``self``; the larger parts come first.
        """
        if isinstance(n, bool) or not isinstance(n, int):
            raise TypeError(f"n must be an int, not {type(n).__name__}")
        if n < 1:
            raise ValueError(f"n must be at least 1, got {n}")
        cents = self.cents
        sign = -1 if cents < 0 else 1
        base, remainder = divmod(abs(cents), n)
        sizes = [base + 1] * remainder + [base] * (n - remainder)
        return [type(self).from_cents(sign * size, self.currency) for size in sizes]
