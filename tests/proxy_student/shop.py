"""A small student module the proxy tests talk to, in its own process."""

import logging
import time

log = logging.getLogger("shop")


class ShopError(Exception):
    pass


class OutOfStock(ShopError, LookupError):
    def __init__(self, item, left=0):
        super().__init__(f"{item} is out of stock")
        self.item = item
        self.left = left


class Basket:
    def __init__(self):
        self.items = {}

    def add(self, item, count=1):
        if count <= 0:
            raise ValueError("count must be positive")
        self.items[item] = self.items.get(item, 0) + count
        log.info("added %s x%d", item, count)
        return self

    def __len__(self):
        return sum(self.items.values())

    def __iter__(self):
        return iter(sorted(self.items))

    def take(self, item):
        raise OutOfStock(item, left=0)


class AlwaysEqual:
    def __eq__(self, other):
        return True


class Sneaky(int):
    def __eq__(self, other):
        return True


def always_equal():
    return AlwaysEqual()


def sneaky_number():
    return Sneaky(3)


def apply(function, *args):
    return function(*args)


def identity(value):
    return value


def shout(text):
    print(text.upper())
    return len(text)


def slow(seconds):
    time.sleep(seconds)
    return "done"


def reach_globals(function):
    return function.__globals__


def count_up(n):
    yield from range(n)


class Money:
    def __init__(self, cents):
        self.cents = cents

    @classmethod
    def from_units(cls, units):
        return cls(units * 100)
