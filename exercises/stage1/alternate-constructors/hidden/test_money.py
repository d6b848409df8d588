import contextlib
from decimal import Decimal

import pytest

from grader.testing import getattr_static, type_name

from money import (
    CurrencyMismatchError,
    InvalidAmountError,
    Money,
    MoneyError,
    MoneyFormatError,
    UnknownCurrencyError,
)


@contextlib.contextmanager
def raises_for(case, expected, **kwargs):
    """pytest.raises that names the failing input when nothing is raised"""
    try:
        with pytest.raises(expected, **kwargs) as info:
            yield info
    except pytest.fail.Exception as failed:
        pytest.fail(f"for {case!r}: {failed}")


class Price(Money):
    """A subclass defined by the tests: alternate constructors must return it."""

    def with_tax(self, rate):
        return self * (1 + rate)


class NonNegative(Money):
    """A subclass with its own extra validation in __init__."""

    def __init__(self, amount, currency):
        super().__init__(amount, currency)
        if self.amount < 0:
            raise ValueError("negative")


# --------------------------------------------------------------------- task 1


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.core
def test_constructor_normalises_scale():
    """Money(Decimal('12.5'), 'CNY') stores Decimal('12.50'); JPY keeps 0 places"""
    m = Money(Decimal("12.5"), "CNY")
    assert m.amount == Decimal("12.50")
    assert m.amount.as_tuple().exponent == -2
    assert m.currency == "CNY"
    y = Money(Decimal("100.0"), "JPY")
    assert y.amount.as_tuple().exponent == 0
    k = Money(3, "KWD")
    assert isinstance(k.amount, Decimal)
    assert k.amount.as_tuple().exponent == -3


@pytest.mark.task(1)
@pytest.mark.points(2)
def test_constructor_rejects_unknown_currency_and_bad_types():
    """Unknown codes raise UnknownCurrencyError; float/str/bool amounts TypeError"""
    for code in ("XYZ", "cny", "", None):
        with raises_for(code, UnknownCurrencyError):
            Money(Decimal("1.00"), code)
    for amount in (1.5, "1.50", True):
        with raises_for(amount, TypeError):
            Money(amount, "CNY")


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.core
def test_constructor_rejects_inexact_and_non_finite_amounts():
    """Too many significant decimal places or NaN/Infinity raise InvalidAmountError"""
    with pytest.raises(InvalidAmountError):
        Money(Decimal("12.505"), "CNY")
    with pytest.raises(InvalidAmountError):
        Money(Decimal("100.5"), "JPY")
    with pytest.raises(InvalidAmountError):
        Money(Decimal("1.0001"), "KWD")
    for bad in ("NaN", "Infinity", "-Infinity"):
        with raises_for(bad, InvalidAmountError):
            Money(Decimal(bad), "USD")
    # trailing zeros are not "too many places": the value is exact
    assert Money(Decimal("12.500"), "CNY").amount == Decimal("12.50")


@pytest.mark.task(1)
@pytest.mark.points(1)
def test_errors_share_a_valueerror_base():
    """Every custom exception derives from MoneyError, which derives from ValueError"""
    assert issubclass(MoneyError, ValueError)
    for exc in (
        MoneyFormatError,
        UnknownCurrencyError,
        InvalidAmountError,
        CurrencyMismatchError,
    ):
        assert issubclass(exc, MoneyError)
    assert len({MoneyFormatError, UnknownCurrencyError, InvalidAmountError}) == 3
    with pytest.raises(ValueError):
        Money(Decimal("1.00"), "XYZ")
    with pytest.raises(MoneyError):
        Money(Decimal("1.001"), "CNY")


@pytest.mark.task(1)
@pytest.mark.points(2)
def test_equality_and_hash_are_by_value():
    """Same amount and currency are equal and hash alike; others are not equal"""
    a = Money(Decimal("1.5"), "CNY")
    b = Money(Decimal("1.50"), "CNY")
    assert a == b
    assert hash(a) == hash(b)
    assert len({a, b, Money(Decimal("1.50"), "USD")}) == 2
    assert a != Money(Decimal("1.50"), "USD")
    assert a != Money(Decimal("1.51"), "CNY")
    assert a != Decimal("1.50")
    assert a != "1.50 CNY"


@pytest.mark.task(1)
@pytest.mark.points(2)
def test_str_repr_and_immutability():
    """str() is '12.50 CNY', repr() is the dataclass form, fields are read-only"""
    m = Money(Decimal("12.5"), "CNY")
    assert str(m) == "12.50 CNY"
    assert str(Money(Decimal("-3.5"), "USD")) == "-3.50 USD"
    assert str(Money(1250, "JPY")) == "1250 JPY"
    assert str(Money(Decimal("0.005"), "KWD")) == "0.005 KWD"
    assert repr(m) == "Money(amount=Decimal('12.50'), currency='CNY')"
    with pytest.raises(AttributeError):
        m.amount = Decimal("99.00")
    with pytest.raises(AttributeError):
        m.currency = "USD"
    assert m.amount == Decimal("12.50")


# --------------------------------------------------------------------- task 2


@pytest.mark.task(2)
@pytest.mark.points(2)
@pytest.mark.core
def test_helpers_are_staticmethods():
    """The three helpers are @staticmethod, callable on the class and instances"""
    for name in ("is_valid_currency", "decimal_places", "parse_amount"):
        assert isinstance(getattr_static(Money, name), staticmethod), name
    m = Money(Decimal("1.00"), "CNY")
    assert m.is_valid_currency("USD") is True
    assert m.parse_amount("2.5") == Decimal("2.5")
    assert Price.decimal_places("JPY") == 0


@pytest.mark.task(2)
@pytest.mark.points(2)
def test_is_valid_currency_is_exact_and_never_raises():
    """is_valid_currency is True only for known upper-case codes, else False"""
    for code in ("CNY", "USD", "EUR", "GBP", "JPY", "KWD"):
        assert Money.is_valid_currency(code) is True, f"for {code!r}"
    for code in ("cny", " CNY", "CNY ", "XYZ", "", "CN", None, 156, ["CNY"]):
        assert Money.is_valid_currency(code) is False, f"for {code!r}"


@pytest.mark.task(2)
@pytest.mark.points(1)
def test_decimal_places_per_currency():
    """decimal_places: CNY/USD 2, JPY 0, KWD 3; unknown -> UnknownCurrencyError"""
    assert Money.decimal_places("CNY") == 2
    assert Money.decimal_places("USD") == 2
    assert Money.decimal_places("JPY") == 0
    assert Money.decimal_places("KWD") == 3
    with pytest.raises(UnknownCurrencyError):
        Money.decimal_places("jpy")
    with pytest.raises(UnknownCurrencyError):
        Money.decimal_places("XXX")


@pytest.mark.task(2)
@pytest.mark.points(2)
def test_parse_amount_accepts_plain_decimals():
    """parse_amount turns '12.50', '-3', '0.125', '007' into exact Decimals"""
    assert Money.parse_amount("12.50") == Decimal("12.50")
    assert Money.parse_amount("-3") == Decimal("-3")
    assert Money.parse_amount("0.125") == Decimal("0.125")
    assert Money.parse_amount("1.23456") == Decimal("1.23456")
    assert Money.parse_amount("007") == Decimal("7")
    assert isinstance(Money.parse_amount("1"), Decimal)


@pytest.mark.task(2)
@pytest.mark.points(2)
@pytest.mark.core
def test_parse_amount_rejects_other_notations():
    """parse_amount rejects '1e3', 'NaN', 'Infinity', '1,000.00' (MoneyFormatError)"""
    for text in (
        "",
        "abc",
        "1e3",
        "1E-2",
        "NaN",
        "Infinity",
        "1,000.00",
        "1.2.3",
        "--1",
    ):
        with pytest.raises(MoneyFormatError):
            Money.parse_amount(text)


@pytest.mark.task(2)
@pytest.mark.points(2)
def test_parse_amount_rejects_sloppy_text():
    """parse_amount rejects '+5', '.5', '5.', outer spaces and trailing currency"""
    for text in (
        "+5",
        ".5",
        "5.",
        "-.5",
        " 12.50",
        "12.50 ",
        "12.50\n",
        "12.50 CNY",
        "1 000",
    ):
        with pytest.raises(MoneyFormatError):
            Money.parse_amount(text)


@pytest.mark.task(2)
@pytest.mark.points(1)
def test_parse_amount_rejects_non_strings():
    """parse_amount raises MoneyFormatError for non-string input such as 12.5 or None"""
    for value in (12.5, 12, None, Decimal("1.00")):
        with raises_for(value, MoneyFormatError):
            Money.parse_amount(value)


# --------------------------------------------------------------------- task 3


@pytest.mark.task(3)
@pytest.mark.points(2)
def test_constructors_are_classmethods():
    """from_string, from_cents, from_dict and from_decimal are @classmethod"""
    for name in ("from_string", "from_cents", "from_dict", "from_decimal"):
        assert isinstance(getattr_static(Money, name), classmethod), name


@pytest.mark.task(3)
@pytest.mark.points(2)
def test_from_string_parses_amount_and_code():
    """from_string('12.50 CNY') == Money(Decimal('12.50'), 'CNY'); spaces allowed"""
    assert Money.from_string("12.50 CNY") == Money(Decimal("12.50"), "CNY")
    assert Money.from_string("  -7.5   USD\n") == Money(Decimal("-7.50"), "USD")
    assert Money.from_string("1250 JPY") == Money(1250, "JPY")
    assert Money.from_string("0.125 KWD").amount == Decimal("0.125")


@pytest.mark.task(3)
@pytest.mark.points(3)
def test_from_string_errors():
    """from_string raises the right error for bad format, currency or precision"""
    for text in ("12.50", "12.50CNY", "12.50 CNY extra", "", "CNY 12.50", "1e3 USD"):
        with raises_for(text, MoneyFormatError):
            Money.from_string(text)
    with pytest.raises(MoneyFormatError):
        Money.from_string(None)
    with pytest.raises(UnknownCurrencyError):
        Money.from_string("12.50 XYZ")
    with pytest.raises(UnknownCurrencyError):
        Money.from_string("12.50 cny")
    with pytest.raises(InvalidAmountError):
        Money.from_string("12.505 CNY")
    with pytest.raises(InvalidAmountError):
        Money.from_string("100.5 JPY")


@pytest.mark.task(3)
@pytest.mark.points(2)
def test_from_cents_uses_minor_units():
    """from_cents(1250, 'CNY') is 12.50 CNY; JPY units are yen; negatives allowed"""
    assert Money.from_cents(1250, "CNY") == Money(Decimal("12.50"), "CNY")
    assert Money.from_cents(5, "USD").amount == Decimal("0.05")
    assert Money.from_cents(0, "EUR").amount == Decimal("0.00")
    assert Money.from_cents(-199, "CNY").amount == Decimal("-1.99")
    assert Money.from_cents(1250, "JPY") == Money(1250, "JPY")
    assert Money.from_cents(1250, "KWD").amount == Decimal("1.250")


@pytest.mark.task(3)
@pytest.mark.points(2)
def test_from_cents_errors():
    """from_cents: non-int cents raise TypeError, unknown code UnknownCurrencyError"""
    for cents in (12.5, 1250.0, True, "1250", Decimal("1250")):
        with raises_for(cents, TypeError):
            Money.from_cents(cents, "CNY")
    with pytest.raises(UnknownCurrencyError):
        Money.from_cents(1250, "ABC")


@pytest.mark.task(3)
@pytest.mark.points(2)
def test_cents_and_dict_round_trip():
    """.cents and .to_dict() invert from_cents and from_dict"""
    m = Money(Decimal("12.5"), "CNY")
    assert m.cents == 1250
    assert isinstance(m.cents, int)
    assert Money(Decimal("-0.07"), "USD").cents == -7
    assert Money(1250, "JPY").cents == 1250
    assert m.to_dict() == {"amount": "12.50", "currency": "CNY"}
    assert Money(1250, "JPY").to_dict() == {"amount": "1250", "currency": "JPY"}
    for money in (m, Money(Decimal("-3.2"), "EUR"), Money(7, "JPY")):
        assert Money.from_dict(money.to_dict()) == money, f"for {money!r}"
        assert Money.from_cents(money.cents, money.currency) == money, f"for {money!r}"


@pytest.mark.task(3)
@pytest.mark.points(3)
def test_from_dict_validates_input():
    """from_dict takes str/int amounts; bad shapes raise MoneyFormatError"""
    assert Money.from_dict({"amount": "9.90", "currency": "CNY"}).cents == 990
    assert Money.from_dict({"amount": 12, "currency": "USD"}).amount == Decimal("12.00")
    assert Money.from_dict({"currency": "CNY", "amount": "1", "note": "x"}).cents == 100
    bad_inputs = [
        {"amount": "9.90"},
        {"currency": "CNY"},
        {},
        {"amount": 9.9, "currency": "CNY"},
        {"amount": True, "currency": "CNY"},
        {"amount": None, "currency": "CNY"},
        {"amount": "9,90", "currency": "CNY"},
        "9.90 CNY",
        ["9.90", "CNY"],
        None,
    ]
    for data in bad_inputs:
        with raises_for(data, MoneyFormatError):
            Money.from_dict(data)
    with pytest.raises(UnknownCurrencyError):
        Money.from_dict({"amount": "1.00", "currency": "RMB"})
    with pytest.raises(InvalidAmountError):
        Money.from_dict({"amount": "1.001", "currency": "CNY"})


@pytest.mark.task(3)
@pytest.mark.points(4)
@pytest.mark.core
def test_alternate_constructors_return_the_subclass():
    """On a subclass, every alternate constructor returns that subclass"""
    built = [
        Price.from_string("12.50 CNY"),
        Price.from_cents(1250, "CNY"),
        Price.from_dict({"amount": "12.50", "currency": "CNY"}),
        Price.from_decimal(Decimal("12.499"), "CNY"),
    ]
    for p in built:
        assert isinstance(p, Price) and type_name(p) == "Price", f"for {p!r}"
        assert p.amount == Decimal("12.50"), f"for {p!r}"
        assert p.currency == "CNY", f"for {p!r}"
    assert type_name(built[0].with_tax(Decimal("0.13"))) == "Price"


@pytest.mark.task(3)
@pytest.mark.points(2)
@pytest.mark.core
def test_alternate_constructors_run_subclass_init():
    """Alternate constructors call cls(...), so a subclass's __init__ checks run"""
    assert type_name(NonNegative.from_string("1.00 CNY")) == "NonNegative"
    with pytest.raises(ValueError):
        NonNegative.from_string("-1.00 CNY")
    with pytest.raises(ValueError):
        NonNegative.from_cents(-1, "CNY")
    with pytest.raises(ValueError):
        NonNegative.from_dict({"amount": "-5", "currency": "JPY"})
    assert NonNegative.from_cents(0, "CNY").amount == Decimal("0.00")


# --------------------------------------------------------------------- task 4


@pytest.mark.task(4)
@pytest.mark.points(3)
@pytest.mark.core
def test_from_decimal_rounds_half_even():
    """from_decimal rounds half to even: 2.345 -> 2.34, 2.355 -> 2.36"""
    cases = [
        ("2.345", "2.34"),
        ("2.355", "2.36"),
        ("0.125", "0.12"),
        ("0.135", "0.14"),
        ("2.3451", "2.35"),
        ("2.3449", "2.34"),
        ("-2.345", "-2.34"),
        ("-2.355", "-2.36"),
    ]
    for value, expected in cases:
        m = Money.from_decimal(Decimal(value), "CNY")
        assert m.amount == Decimal(expected), value
        assert m.amount.as_tuple().exponent == -2, f"for {(value, expected)!r}"


@pytest.mark.task(4)
@pytest.mark.points(2)
def test_from_decimal_uses_each_currency_scale():
    """from_decimal rounds JPY to whole yen (2.5 -> 2, 3.5 -> 4) and KWD to 3 places"""
    assert Money.from_decimal(Decimal("2.5"), "JPY").amount == Decimal("2")
    assert Money.from_decimal(Decimal("3.5"), "JPY").amount == Decimal("4")
    assert Money.from_decimal(Decimal("1249.99"), "JPY").amount == Decimal("1250")
    assert Money.from_decimal(Decimal("1.0005"), "KWD").amount == Decimal("1.000")
    assert Money.from_decimal(Decimal("1.0015"), "KWD").amount == Decimal("1.002")
    assert Money.from_decimal(Decimal("1.0015"), "KWD").amount.as_tuple().exponent == -3


@pytest.mark.task(4)
@pytest.mark.points(1)
def test_from_decimal_rejects_floats():
    """from_decimal: float -> TypeError, unknown code -> UnknownCurrencyError"""
    with pytest.raises(TypeError):
        Money.from_decimal(2.345, "CNY")
    with pytest.raises(UnknownCurrencyError):
        Money.from_decimal(Decimal("1"), "XYZ")
    assert Money.from_decimal(7, "USD").amount == Decimal("7.00")


@pytest.mark.task(4)
@pytest.mark.points(2)
def test_add_and_subtract_same_currency():
    """+ and - work within one currency, return new values and keep the subclass"""
    a = Money(Decimal("10.00"), "CNY")
    b = Money(Decimal("0.01"), "CNY")
    assert a + b == Money(Decimal("10.01"), "CNY")
    assert b - a == Money(Decimal("-9.99"), "CNY")
    assert a == Money(Decimal("10.00"), "CNY")
    total = Price(Decimal("1.00"), "USD") + Price(Decimal("2.00"), "USD")
    assert type_name(total) == "Price"
    assert total.amount == Decimal("3.00")


@pytest.mark.task(4)
@pytest.mark.points(2)
def test_mixing_currencies_or_types_fails():
    """Mixing currencies raises CurrencyMismatchError; adding a number TypeError"""
    cny = Money(Decimal("1.00"), "CNY")
    usd = Money(Decimal("1.00"), "USD")
    with pytest.raises(CurrencyMismatchError):
        cny + usd
    with pytest.raises(CurrencyMismatchError):
        cny - usd
    for other in (1, Decimal("1.00"), 1.0, "1.00"):
        with raises_for(other, TypeError):
            cny + other
        with raises_for(other, TypeError):
            other + cny


@pytest.mark.task(4)
@pytest.mark.points(2)
def test_multiply_rounds_half_even():
    """Money * Decimal/int (either side) rounds half-even; float factor TypeError"""
    m = Money(Decimal("10.00"), "CNY")
    assert m * Decimal("0.1234") == Money(Decimal("1.23"), "CNY")
    assert Decimal("0.1234") * m == Money(Decimal("1.23"), "CNY")
    assert m * 3 == Money(Decimal("30.00"), "CNY")
    assert 3 * m == Money(Decimal("30.00"), "CNY")
    assert Money(Decimal("0.25"), "USD") * Decimal("0.5") == Money(
        Decimal("0.12"), "USD"
    )
    assert Money(Decimal("0.35"), "USD") * Decimal("0.5") == Money(
        Decimal("0.18"), "USD"
    )
    assert Money(5, "JPY") * Decimal("0.5") == Money(2, "JPY")
    with pytest.raises(TypeError):
        m * 1.5
    with pytest.raises(TypeError):
        m * m


def _check_allocation(total, n, expected):
    parts = total.allocate(n)
    assert [p.amount for p in parts] == [Decimal(e) for e in expected], str(total)
    assert all(p.currency == total.currency for p in parts)
    assert sum((p.amount for p in parts), Decimal(0)) == total.amount


@pytest.mark.task(4)
@pytest.mark.points(3)
@pytest.mark.core
def test_allocate_splits_exactly_largest_first():
    """allocate(3) on 10.00 CNY gives [3.34, 3.33, 3.33], larger parts first"""
    _check_allocation(Money(Decimal("10.00"), "CNY"), 3, ["3.34", "3.33", "3.33"])
    _check_allocation(Money(Decimal("0.05"), "USD"), 3, ["0.02", "0.02", "0.01"])
    _check_allocation(Money(Decimal("0.02"), "CNY"), 5, ["0.01", "0.01", "0", "0", "0"])
    _check_allocation(Money(Decimal("6.00"), "CNY"), 4, ["1.50"] * 4)
    _check_allocation(Money(Decimal("9.99"), "EUR"), 1, ["9.99"])
    _check_allocation(Money(Decimal("0.00"), "EUR"), 2, ["0", "0"])


@pytest.mark.task(4)
@pytest.mark.points(2)
def test_allocate_other_scales_and_negative_amounts():
    """allocate works in JPY/KWD units, and -10.00 splits into [-3.34, -3.33, -3.33]"""
    _check_allocation(Money(100, "JPY"), 3, ["34", "33", "33"])
    _check_allocation(Money(Decimal("1.000"), "KWD"), 3, ["0.334", "0.333", "0.333"])
    _check_allocation(Money(Decimal("-10.00"), "CNY"), 3, ["-3.34", "-3.33", "-3.33"])
    _check_allocation(Money(Decimal("-0.01"), "CNY"), 2, ["-0.01", "0"])


@pytest.mark.task(4)
@pytest.mark.points(2)
def test_allocate_validates_n_and_keeps_subclass():
    """allocate: n < 1 ValueError, non-int n TypeError, keeps the subclass"""
    m = Money(Decimal("1.00"), "CNY")
    for n in (0, -2):
        with raises_for(n, ValueError):
            m.allocate(n)
    for n in (2.0, "2", True):
        with raises_for(n, TypeError):
            m.allocate(n)
    parts = Price(Decimal("1.00"), "CNY").allocate(3)
    assert [type_name(p) for p in parts] == ["Price", "Price", "Price"]
    assert len(parts) == 3
    assert m.allocate(1) == [m]
