"""Prices for the campus shop's checkout."""


def total(prices: list[float], discount_percent: float = 0) -> float:
    """The sum of `prices` less `discount_percent` percent, rounded to cents.

    A negative price, or a discount outside 0 to 100, is a ValueError.
    """
    if not 0 <= discount_percent <= 100:
        raise ValueError(f"discount must be 0 to 100, got {discount_percent}")
    for price in prices:
        if price < 0:
            raise ValueError(f"price cannot be negative: {price}")
    subtotal = sum(prices)
    return round(subtotal * (100 - discount_percent) / 100, 2)
