"""A retrieval-augmented answer: tokenizer, BM25, a prompt within a budget.

The model is whatever object has ``complete(prompt) -> str``: tests inject a
fake one, so nothing is downloaded and every prompt can be inspected.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
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

# One CJK ideograph, or a run of ASCII letters and digits (after lower()).
TOKEN = re.compile(r"[\u4e00-\u9fff]|[a-z0-9]+")
CITATION = re.compile(r"\[([^\[\]\s]+)\]")


class PromptTooLongError(ValueError):
    """The system prompt and the question alone exceed the budget."""


class ChatModel(Protocol):
    """What ``answer`` calls: one prompt in, one reply out."""

    def complete(self, prompt: str) -> str: ...


def tokenize(text: str) -> list[str]:
    """Lower-case tokens: each CJK character, each run of [a-z0-9]."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    return TOKEN.findall(text.lower())


def count_tokens(text: str) -> int:
    """How many tokens ``tokenize`` finds in ``text``."""
    return len(tokenize(text))


def truncate_tokens(text: str, n: int) -> str:
    """The shortest prefix of ``text`` that holds its first ``n`` tokens."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"n must be an int >= 0, got {n!r}")
    if n == 0:
        return ""
    end = len(text)
    for i, match in enumerate(TOKEN.finditer(text.lower()), start=1):
        if i == n:
            end = match.end()
            break
    return text[:end]


def load_corpus(path: str | Path) -> list[dict[str, str]]:
    """Read a JSON-lines corpus of {"id", "title", "text"} documents."""
    docs: list[dict[str, str]] = []
    seen: set[str] = set()
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            doc = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"line {number}: not JSON ({exc.msg})") from None
        if not isinstance(doc, dict) or not all(
            isinstance(doc.get(key), str) and doc[key].strip()
            for key in ("id", "title", "text")
        ):
            raise ValueError(f"line {number}: needs non-empty id, title and text")
        if doc["id"] in seen:
            raise ValueError(f"line {number}: duplicate id {doc['id']!r}")
        seen.add(doc["id"])
        docs.append({key: doc[key] for key in ("id", "title", "text")})
    if not docs:
        raise ValueError(f"{path}: no documents")
    return docs


def _terms(text: str) -> list[str]:
    """The tokens BM25 counts: every token but the stopwords."""
    return [token for token in tokenize(text) if token not in STOPWORDS]


class BM25Index:
    """Okapi BM25 over each document's title and text."""

    def __init__(
        self, docs: Sequence[dict[str, str]], k1: float = 1.5, b: float = 0.75
    ) -> None:
        if not docs:
            raise ValueError("docs is empty")
        if k1 < 0 or not 0 <= b <= 1:
            raise ValueError(f"need k1 >= 0 and 0 <= b <= 1, got k1={k1}, b={b}")
        self.k1, self.b = k1, b
        self._docs: dict[str, dict[str, str]] = {}
        self._tf: dict[str, Counter[str]] = {}
        self._len: dict[str, int] = {}
        df: Counter[str] = Counter()
        for doc in docs:
            if doc["id"] in self._docs:
                raise ValueError(f"duplicate id {doc['id']!r}")
            tokens = _terms(doc["title"] + " " + doc["text"])
            self._docs[doc["id"]] = doc
            self._tf[doc["id"]] = Counter(tokens)
            self._len[doc["id"]] = len(tokens)
            df.update(set(tokens))
        n = len(self._docs)
        self._avgdl = sum(self._len.values()) / n
        self._idf = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}

    def get(self, doc_id: str) -> dict[str, str]:
        """The document with this id (``KeyError`` if there is none)."""
        return self._docs[doc_id]

    def score(self, query: str, doc_id: str) -> float:
        """BM25 of the distinct query tokens in one document."""
        tf, dl = self._tf[doc_id], self._len[doc_id]
        norm = self.k1 * (1 - self.b + self.b * dl / self._avgdl)
        total = 0.0
        for term in set(_terms(query)):
            f = tf.get(term, 0)
            if f:
                total += self._idf[term] * f * (self.k1 + 1) / (f + norm)
        return total

    def search(self, query: str, top_k: int = 3) -> list[tuple[str, float]]:
        """The ``top_k`` best (id, score), score descending then id; no zeros."""
        if isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1:
            raise ValueError(f"top_k must be an int >= 1, got {top_k!r}")
        scored = [(doc_id, self.score(query, doc_id)) for doc_id in self._docs]
        hits = [hit for hit in scored if hit[1] > 0]
        hits.sort(key=lambda hit: (-hit[1], hit[0]))
        return hits[:top_k]


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
    if not question.strip():
        raise ValueError("the question is empty")
    left = budget - count_tokens(system) - 1 - count_tokens(question)
    if left < 0:
        raise PromptTooLongError(
            f"system prompt and question need {budget - left} tokens; "
            f"the budget is {budget}"
        )
    lines: list[str] = []
    ids: list[str] = []
    for doc_id, text in chunks:
        need = count_tokens(doc_id) + count_tokens(text)
        if need <= left:
            lines.append(f"[{doc_id}] {text}")
            ids.append(doc_id)
            left -= need
            continue
        room = left - count_tokens(doc_id)
        if room >= 1:
            lines.append(f"[{doc_id}] {truncate_tokens(text, room)}")
            ids.append(doc_id)
        break
    parts = [system] + (["\n".join(lines)] if lines else [])
    return "\n\n".join(parts + [f"Question: {question}"]), ids


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
    hits = [hit for hit in index.search(question, top_k) if hit[1] >= min_score]
    refusal: dict[str, Any] = {"answer": REFUSAL, "citations": [], "refused": True}
    if not hits:
        return refusal
    chunks = [(doc_id, index.get(doc_id)["text"]) for doc_id, _ in hits]
    prompt, given = build_prompt(system, question, chunks, budget)
    reply = model.complete(prompt)
    citations: list[str] = []
    for cited in CITATION.findall(reply):
        if cited in given and cited not in citations:
            citations.append(cited)
    if not citations:
        return refusal
    return {"answer": reply, "citations": citations, "refused": False}


def evaluate(
    cases: Sequence[dict[str, Any]],
    index: BM25Index,
    model: ChatModel,
    **options: Any,
) -> dict[str, float | None]:
    """Share of answerable cases that cite their document, of others refused."""
    if not cases:
        raise ValueError("no cases to evaluate")
    cited, answerable, refused, unanswerable = 0, 0, 0, 0
    for case in cases:
        result = answer(case["question"], index, model, **options)
        if case.get("expected") is None:
            unanswerable += 1
            refused += bool(result["refused"])
        else:
            answerable += 1
            cited += case["expected"] in result["citations"]
    return {
        "cited": cited / answerable if answerable else None,
        "refused": refused / unanswerable if unanswerable else None,
    }
