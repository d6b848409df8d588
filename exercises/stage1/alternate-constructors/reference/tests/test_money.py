from decimal import Decimal

import pytest

from money import (
    CurrencyMismatchError,
    InvalidAmountError,
    Money,
    MoneyFormatError,
    UnknownCurrencyError,
)


class Price(Money):
    """A subclass: alternate constructors must hand back Price objects."""


# ------------------------------------------------------------ the value type


def test_amount_is_stored_at_currency_scale():
    assert Money(Decimal("12.5"), "CNY").amount.as_tuple().exponent == -2
    assert Money(Decimal("100.0"), "JPY").amount == Decimal("100")
    assert Money(Decimal("12.500"), "CNY") == Money(Decimal("12.50"), "CNY")


@pytest.mark.parametrize("amount", [1.5, "1.50", True, None])
def test_constructor_rejects_non_decimal_amounts(amount):
    with pytest.raises(TypeError):
        Money(amount, "CNY")


def test_constructor_rejects_bad_currency_and_amounts():
    with pytest.raises(UnknownCurrencyError):
        Money(Decimal("1.00"), "cny")
    with pytest.raises(InvalidAmountError):
        Money(Decimal("1.005"), "CNY")
    with pytest.raises(InvalidAmountError):
        Money(Decimal("NaN"), "CNY")


def test_negative_zero_is_printed_as_zero():
    assert str(Money(Decimal("-0.00"), "CNY")) == "0.00 CNY"


def test_str_repr_and_frozen():
    m = Money(Decimal("12.5"), "CNY")
    assert str(m) == "12.50 CNY"
    assert repr(m) == "Money(amount=Decimal('12.50'), currency='CNY')"
    with pytest.raises(AttributeError):
        m.amount = Decimal("1.00")


def test_equal_values_hash_alike():
    a = Money(Decimal("1.5"), "CNY")
    b = Money(Decimal("1.50"), "CNY")
    assert a == b and hash(a) == hash(b)
    assert a != Money(Decimal("1.50"), "USD")


# ------------------------------------------------------------ static helpers


def test_is_valid_currency():
    assert Money.is_valid_currency("JPY") is True
    assert Money.is_valid_currency("jpy") is False
    assert Money.is_valid_currency(None) is False


def test_decimal_places():
    assert Money.decimal_places("CNY") == 2
    assert Money.decimal_places("JPY") == 0
    with pytest.raises(UnknownCurrencyError):
        Money.decimal_places("RMB")


def test_parse_amount_accepts_plain_decimals():
    assert Money.parse_amount("-3.125") == Decimal("-3.125")


@pytest.mark.parametrize("text", ["1e3", "NaN", " 1", "+1", ".5", "5.", "1,0", 12])
def test_parse_amount_rejects_malformed(text):
    with pytest.raises(MoneyFormatError):
        Money.parse_amount(text)


# ----------------------------------------------------- alternate constructors


def test_from_string():
    assert Money.from_string(" 12.50  CNY ") == Money(Decimal("12.50"), "CNY")


@pytest.mark.parametrize(
    "text, error",
    [
        ("12.50", MoneyFormatError),
        ("CNY 12.50", MoneyFormatError),
        (None, MoneyFormatError),
        ("12.50 XYZ", UnknownCurrencyError),
        ("12.505 CNY", InvalidAmountError),
    ],
)
def test_from_string_errors(text, error):
    with pytest.raises(error):
        Money.from_string(text)


def test_from_cents():
    assert Money.from_cents(1250, "CNY").amount == Decimal("12.50")
    assert Money.from_cents(1250, "JPY").amount == Decimal("1250")
    with pytest.raises(TypeError):
        Money.from_cents(12.5, "CNY")


def test_from_dict_and_to_dict_round_trip():
    m = Money(Decimal("-3.2"), "EUR")
    assert m.to_dict() == {"amount": "-3.20", "currency": "EUR"}
    assert Money.from_dict(m.to_dict()) == m
    assert Money.from_dict({"amount": 7, "currency": "JPY"}).cents == 7


@pytest.mark.parametrize(
    "data",
    [{"amount": "1.00"}, {"amount": 1.0, "currency": "CNY"}, "1.00 CNY"],
)
def test_from_dict_rejects_bad_data(data):
    with pytest.raises(MoneyFormatError):
        Money.from_dict(data)


def test_constructors_return_subclass():
    assert type(Price.from_string("1.00 CNY")) is Price
    assert type(Price.from_cents(100, "CNY")) is Price
    assert type(Price.from_dict({"amount": "1", "currency": "CNY"})) is Price
    assert type(Price.from_decimal(Decimal("0.999"), "CNY")) is Price


# ------------------------------------------------- arithmetic and allocation


def test_from_decimal_rounds_half_even():
    assert Money.from_decimal(Decimal("2.345"), "CNY").amount == Decimal("2.34")
    assert Money.from_decimal(Decimal("2.355"), "CNY").amount == Decimal("2.36")
    assert Money.from_decimal(Decimal("2.5"), "JPY").amount == Decimal("2")
    with pytest.raises(TypeError):
        Money.from_decimal(2.5, "JPY")


def test_add_and_subtract():
    a = Price(Decimal("1.00"), "CNY")
    b = Price(Decimal("0.25"), "CNY")
    assert a + b == Price(Decimal("1.25"), "CNY")
    assert type(a - b) is Price
    with pytest.raises(CurrencyMismatchError):
        a + Money(Decimal("1.00"), "USD")
    with pytest.raises(CurrencyMismatchError):
        a - Money(Decimal("1.00"), "USD")
    with pytest.raises(TypeError):
        a + 1
    with pytest.raises(TypeError):
        a - 1


def test_multiply():
    m = Money(Decimal("0.25"), "USD")
    assert m * Decimal("0.5") == Money(Decimal("0.12"), "USD")
    assert 2 * m == Money(Decimal("0.50"), "USD")
    with pytest.raises(TypeError):
        m * 0.5


def test_allocate():
    parts = Money(Decimal("10.00"), "CNY").allocate(3)
    assert [p.cents for p in parts] == [334, 333, 333]
    negative = Money(Decimal("-10.00"), "CNY").allocate(3)
    assert [p.cents for p in negative] == [-334, -333, -333]


def test_allocate_rejects_bad_n():
    m = Money(Decimal("1.00"), "CNY")
    with pytest.raises(ValueError):
        m.allocate(0)
    with pytest.raises(TypeError):
        m.allocate(2.0)
