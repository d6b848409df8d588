"""Broken word count whose return values are built-in subclasses that lie.

The values are int subclasses equal to anything; the keys are str subclasses equal to
anything; the dict and list subclasses override __eq__, items(), keys(), __iter__ and
__len__ to present the right answer while actually holding a wrong one.
"""

RIGHT = {"to": 2, "be": 2, "or": 1, "not": 1}


class LyingInt(int):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = int.__hash__


class LyingStr(str):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = str.__hash__


class LyingDict(dict):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = None

    def items(self):
        return RIGHT.items()

    def keys(self):
        return RIGHT.keys()

    def values(self):
        return RIGHT.values()

    def __iter__(self):
        return iter(RIGHT)

    def __len__(self):
        return len(RIGHT)

    def __getitem__(self, key):
        return RIGHT.get(key, 0)


class LyingList(list):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = None

    def __iter__(self):
        return iter(["c", "b"])

    def __len__(self):
        return 2

    def __getitem__(self, index):
        return ["c", "b"][index]


def count_words(text):
    return LyingDict({LyingStr("zzz"): LyingInt(-1)})


def top_words(text, n):
    return LyingList([LyingStr("zzz")])
