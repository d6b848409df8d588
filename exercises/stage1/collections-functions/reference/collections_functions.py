"""Collections and functions: count, group, de-duplicate, format and rank.

Small, everyday jobs done with Python's built-in containers: a ``dict`` that
counts, a ``set`` that remembers what was seen, comprehensions that filter, a
function with keyword-only options, and ``sorted`` with a ``key``.
"""

from __future__ import annotations

from typing import Any, Hashable, Iterable, TypeVar

T = TypeVar("T", bound=Hashable)

# Characters stripped from both ends of a word by word_counts.
PUNCTUATION = ".,;:!?\"'()"


def word_counts(text: str) -> dict[str, int]:
    """Count the words of ``text``, lower-cased, in order of first appearance.

    Words are separated by whitespace; punctuation (``PUNCTUATION``) is stripped
    from both ends of each word, and what is left empty is not a word.
    """
    counts: dict[str, int] = {}
    for raw in text.split():
        word = raw.strip(PUNCTUATION).lower()
        if word:
            counts[word] = counts.get(word, 0) + 1
    return counts


def group_by_initial(words: Iterable[str]) -> dict[str, list[str]]:
    """Group ``words`` by their lower-cased first letter, keeping input order.

    Empty strings are skipped. Keys appear in order of first appearance.
    """
    groups: dict[str, list[str]] = {}
    for word in words:
        if word:
            groups.setdefault(word[0].lower(), []).append(word)
    return groups


def unique_in_order(items: Iterable[T]) -> list[T]:
    """Return the items without repeats, each where it first appeared."""
    seen: set[T] = set()
    result: list[T] = []
    for item in items:
        if item not in seen:
            seen.add(item)
            result.append(item)
    return result


def common_to_all(groups: Iterable[Iterable[str]]) -> set[str]:
    """Return the names present in every group (an empty set for no groups)."""
    sets = [set(group) for group in groups]
    if not sets:
        return set()
    return set.intersection(*sets)


def passing(scores: dict[str, float], mark: float = 60) -> dict[str, float]:
    """Return the entries of ``scores`` whose score is at least ``mark``."""
    return {name: score for name, score in scores.items() if score >= mark}


def greet(name: str, *, greeting: str = "Hello", excited: bool = False) -> str:
    """Return ``"Hello, Ada."``, or ``"Hello, Ada!"`` when ``excited``.

    ``greeting`` and ``excited`` are keyword-only. A blank ``name`` raises
    ValueError.
    """
    if not name.strip():
        raise ValueError(f"name must not be blank, got {name!r}")
    end = "!" if excited else "."
    return f"{greeting}, {name.strip()}{end}"


def add_tag(tag: str, tags: list[str] | None = None) -> list[str]:
    """Return a new list: ``tags`` (or nothing) followed by ``tag`` if missing.

    Never changes the list it is given, and never shares a list between calls.
    """
    result = [] if tags is None else list(tags)
    if tag not in result:
        result.append(tag)
    return result


def format_price(amount: float, currency: str = "CNY", *, decimals: int = 2) -> str:
    """Return ``"12.50 CNY"``: the amount with ``decimals`` digits, then currency.

    A negative ``decimals`` raises ValueError.
    """
    if decimals < 0:
        raise ValueError(f"decimals must be >= 0, got {decimals}")
    return f"{amount:.{decimals}f} {currency}"


def rank_by_score(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return the records sorted by ``"score"`` high to low, then by ``"name"``.

    Names compare without regard to case. The input list is not changed.
    """
    return sorted(records, key=lambda r: (-r["score"], r["name"].casefold()))


def top_words(counts: dict[str, int], n: int = 3) -> list[tuple[str, int]]:
    """Return the ``n`` most frequent ``(word, count)`` pairs.

    Highest count first; equal counts in alphabetical order. A negative ``n``
    raises ValueError; an ``n`` past the end returns every pair.
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:n]
