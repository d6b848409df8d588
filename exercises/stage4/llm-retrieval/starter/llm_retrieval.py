"""A retrieval-augmented answer: tokenizer, BM25, a prompt within a budget.

The model is whatever object has ``complete(prompt) -> str``: tests inject a
fake one, so nothing is downloaded and every prompt can be inspected.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol, Sequence

SYSTEM_PROMPT = (
    "You answer questions about the course notes. Use only the documents below "
    "and cite every document you use as [id]. If they do not hold the answer, "
    "say that you do not know."
)
# Words too common to say what a question is about; BM25 skips them.
STOPWORDS = frozenset(
    "a an and are as at be by can do does for from how i in is it its like of on "
    "or the this that to what when where which who why with you your "
    "的 了 是 在 和 与 也 就 都 而 及 吗 呢 吧 么 什 怎 样 如 何 我 你 他 她 它 们 这 那 个 有".split()
)
REFUSAL = "I don't know: the documents do not cover this. 资料中没有相关内容。"


class PromptTooLongError(ValueError):
    """The system prompt and the question alone exceed the budget."""


class ChatModel(Protocol):
    """What ``answer`` calls: one prompt in, one reply out."""

    def complete(self, prompt: str) -> str: ...


def tokenize(text: str) -> list[str]:
    """Lower-case tokens: each CJK character, each run of [a-z0-9]."""
    raise NotImplementedError


def count_tokens(text: str) -> int:
    """How many tokens ``tokenize`` finds in ``text``."""
    raise NotImplementedError


def truncate_tokens(text: str, n: int) -> str:
    """The shortest prefix of ``text`` that holds its first ``n`` tokens."""
    raise NotImplementedError


def load_corpus(path: str | Path) -> list[dict[str, str]]:
    """Read a JSON-lines corpus of {"id", "title", "text"} documents."""
    raise NotImplementedError


class BM25Index:
    """Okapi BM25 over each document's title and text."""

    def __init__(
        self, docs: Sequence[dict[str, str]], k1: float = 1.5, b: float = 0.75
    ) -> None:
        raise NotImplementedError

    def get(self, doc_id: str) -> dict[str, str]:
        """The document with this id (``KeyError`` if there is none)."""
        raise NotImplementedError

    def score(self, query: str, doc_id: str) -> float:
        """BM25 of the distinct query tokens in one document."""
        raise NotImplementedError

    def search(self, query: str, top_k: int = 3) -> list[tuple[str, float]]:
        """The ``top_k`` best (id, score), score descending then id; no zeros."""
        raise NotImplementedError


def build_prompt(
    system: str,
    question: str,
    chunks: Sequence[tuple[str, str]],
    budget: int,
) -> tuple[str, list[str]]:
    """The prompt and the ids of the chunks it holds, within ``budget`` tokens.

    Layout: the system prompt, a blank line, one ``[id] text`` line per chunk,
    a blank line, ``Question: <question>``. Chunks go in order; the first one
    that does not fit whole is cut to the tokens left (if at least one text
    token fits) and ends the list. The question is never cut.
    """
    raise NotImplementedError


def answer(
    question: str,
    index: BM25Index,
    model: ChatModel,
    *,
    top_k: int = 3,
    budget: int = 200,
    min_score: float = 3.0,
    system: str = SYSTEM_PROMPT,
) -> dict[str, Any]:
    """Retrieve, ask the model once, and keep the citations it may make.

    Refuses without calling the model when no hit scores ``min_score`` or
    more, and refuses when the reply cites none of the documents it was given.
    """
    raise NotImplementedError


def evaluate(
    cases: Sequence[dict[str, Any]],
    index: BM25Index,
    model: ChatModel,
    **options: Any,
) -> dict[str, float | None]:
    """Share of answerable cases that cite their document, of others refused."""
    raise NotImplementedError
