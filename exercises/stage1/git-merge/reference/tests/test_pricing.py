import pytest
from pricing import total


def test_total_adds_prices():
    assert total([1.5, 2.25]) == 3.75


def test_total_of_nothing_is_zero():
    assert total([]) == 0


def test_discount_takes_a_percentage_off():
    assert total([10, 10], discount_percent=25) == 15


def test_discount_over_100_is_refused():
    with pytest.raises(ValueError):
        total([10], discount_percent=150)


def test_negative_price_is_refused():
    with pytest.raises(ValueError):
        total([5, -1])


def test_negative_price_is_refused_with_a_discount():
    with pytest.raises(ValueError):
        total([5, -1], discount_percent=10)
