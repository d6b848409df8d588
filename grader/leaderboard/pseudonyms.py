"""Random pseudonyms: an adjective, an animal and two digits, drawn once per student.

They follow nothing about the student (not the order they were added, not their name), so
the public board cannot be lined up with the roster; they stay the same for the term.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

ADJECTIVES = (
    "amber", "brave", "calm", "clever", "coral", "crisp", "daring", "eager", "fair",
    "gentle", "golden", "happy", "hazel", "indigo", "jolly", "keen", "lively", "lucky",
    "mellow", "misty", "nimble", "noble", "olive", "patient", "plucky", "quick", "quiet",
    "rapid", "royal", "rustic", "sandy", "scarlet", "silver", "sly", "steady", "sunny",
    "swift", "teal", "tidy", "velvet", "vivid", "wise", "witty", "zesty",
)  # fmt: skip
ANIMALS = (
    "badger", "bison", "crane", "dolphin", "eagle", "falcon", "ferret", "finch", "fox",
    "gecko", "heron", "ibis", "jackal", "koala", "lemur", "lynx", "marten", "moose",
    "newt", "ocelot", "otter", "owl", "panda", "puffin", "quail", "raven", "robin",
    "seal", "shrike", "sparrow", "stoat", "swan", "tapir", "tiger", "toucan", "vole",
    "walrus", "weasel", "wren", "yak", "zebra",
)  # fmt: skip


def random_pseudonym(taken: Callable[[str], bool]) -> str:
    """A pseudonym for which `taken` is False (44 × 41 × 100 to choose from)."""
    while True:
        name = (
            f"{secrets.choice(ADJECTIVES)}-{secrets.choice(ANIMALS)}-"
            f"{secrets.randbelow(100):02d}"
        )
        if not taken(name):
            return name


__all__ = ["random_pseudonym"]
