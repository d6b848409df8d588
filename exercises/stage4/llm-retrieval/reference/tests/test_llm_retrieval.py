"""Own tests of llm_retrieval: tokenizer, BM25, prompt budget, a fake model."""

import json
from pathlib import Path

import pytest

from llm_retrieval import (
    REFUSAL,
    SYSTEM_PROMPT,
    BM25Index,
    PromptTooLongError,
    answer,
    build_prompt,
    count_tokens,
    evaluate,
    load_corpus,
    tokenize,
    truncate_tokens,
)

CORPUS = Path("data") / "corpus.jsonl"


class EchoModel:
    """Replies with a fixed text and remembers the prompts it saw."""

    def __init__(self, reply):
        self.reply = reply
        self.prompts = []

    def complete(self, prompt):
        self.prompts.append(prompt)
        return self.reply


@pytest.fixture(scope="module")
def index():
    return BM25Index(load_corpus(CORPUS))


def test_tokenize_mixed_text():
    assert tokenize("用 pip 安装, Python3!") == ["用", "pip", "安", "装", "python3"]
    assert count_tokens("合并冲突？ yes") == 5
    with pytest.raises(TypeError):
        tokenize(None)


def test_truncate_tokens():
    assert truncate_tokens("Keep the question whole.", 2) == "Keep the"
    assert truncate_tokens("a b", 0) == ""
    assert truncate_tokens("a b", 5) == "a b"
    with pytest.raises(ValueError):
        truncate_tokens("a", -1)


def test_load_corpus_errors(tmp_path):
    path = tmp_path / "c.jsonl"
    good = json.dumps({"id": "a", "title": "t", "text": "x"})
    for lines, message in [
        ([good, "{"], "line 2"),
        ([good, good], "line 2"),
        (['{"id": "a"}'], "line 1"),
        ([""], "no documents"),
    ]:
        path.write_text("\n".join(lines), encoding="utf-8")
        with pytest.raises(ValueError, match=message):
            load_corpus(path)


def test_search_finds_the_answering_document(index):
    assert index.search("怎样解决合并冲突？")[0][0] == "d04"
    assert index.search("How do I create a virtual environment?")[0][0] == "d01"
    assert index.search("What is the weather like in Paris today?") == []
    assert index.get("d01")["title"] == "Python virtual environments"


def test_index_arguments():
    doc = {"id": "a", "title": "t", "text": "x"}
    for bad in [[], [doc, doc]]:
        with pytest.raises(ValueError):
            BM25Index(bad)
    with pytest.raises(ValueError):
        BM25Index([doc], b=2.0)
    with pytest.raises(ValueError):
        BM25Index([doc]).search("x", 0)


def test_build_prompt_truncates_context_not_question():
    chunks = [("d1", "one two three"), ("d2", "four five six")]
    fixed = count_tokens(SYSTEM_PROMPT) + 1 + 1
    prompt, ids = build_prompt(SYSTEM_PROMPT, "why?", chunks, fixed + 4 + 2)
    assert ids == ["d1", "d2"]
    assert prompt.endswith("[d1] one two three\n[d2] four\n\nQuestion: why?")
    assert count_tokens(prompt) == fixed + 6
    prompt, ids = build_prompt(SYSTEM_PROMPT, "why?", chunks, fixed)
    assert ids == [] and prompt == f"{SYSTEM_PROMPT}\n\nQuestion: why?"
    with pytest.raises(PromptTooLongError):
        build_prompt(SYSTEM_PROMPT, "why?", chunks, fixed - 1)
    with pytest.raises(ValueError):
        build_prompt(SYSTEM_PROMPT, "  ", chunks, 100)


def test_answer_cites_and_refuses(index):
    model = EchoModel("See [d04] and [d99].")
    got = answer("怎样解决合并冲突？", index, model)
    assert got == {
        "answer": "See [d04] and [d99].",
        "citations": ["d04"],
        "refused": False,
    }
    assert "[d04] " in model.prompts[0]
    silent = EchoModel("no idea")
    assert answer("怎样解决合并冲突？", index, silent)["refused"] is True
    unused = EchoModel("[d01]")
    got = answer("tell me a joke", index, unused)
    assert got["answer"] == REFUSAL and unused.prompts == []


def test_evaluate(index):
    cases = [
        {"question": "怎样解决合并冲突？", "expected": "d04"},
        {"question": "tell me a joke", "expected": None},
    ]
    assert evaluate(cases, index, EchoModel("[d04]")) == {"cited": 1.0, "refused": 1.0}
    assert evaluate(cases[1:], index, EchoModel("x")) == {"cited": None, "refused": 1.0}
    with pytest.raises(ValueError):
        evaluate([], index, EchoModel("x"))
