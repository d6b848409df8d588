from decimal import Decimal

import pytest

from money import Money, MoneyFormatError


class Price(Money):
    """A subclass: alternate constructors must hand back Price objects."""


def test_from_string_parses_amount_and_currency():
    assert Money.from_string("12.50 CNY") == Money(Decimal("12.50"), "CNY")


def test_from_cents_on_a_subclass_returns_the_subclass():
    price = Price.from_cents(1250, "CNY")
    assert type(price) is Price
    assert price.amount == Decimal("12.50")


def test_parse_amount_rejects_scientific_notation():
    with pytest.raises(MoneyFormatError):
        Money.parse_amount("1e3")


# Add your own tests below: aim to cover every rule in instructions.md.
