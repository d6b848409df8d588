import json
import math
import re
from collections import Counter
from pathlib import Path

import pytest

from llm_retrieval import (
    REFUSAL,
    STOPWORDS,
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

CORPUS_PATH = Path("data") / "corpus.jsonl"
DOCS = [json.loads(line) for line in CORPUS_PATH.read_text("utf-8").splitlines()]
RULE = re.compile(r"[\u4e00-\u9fff]|[a-z0-9]+")


def oracle_tokens(text):
    return RULE.findall(text.lower())


def oracle_bm25(query, k1=1.5, b=0.75):
    """Okapi BM25 as the instructions define it, over the shipped corpus."""
    terms = {
        d["id"]: [
            t for t in oracle_tokens(d["title"] + " " + d["text"]) if t not in STOPWORDS
        ]
        for d in DOCS
    }
    n = len(terms)
    avgdl = sum(len(t) for t in terms.values()) / n
    df = Counter(t for ts in terms.values() for t in set(ts))
    scores = {}
    for doc_id, ts in terms.items():
        tf = Counter(ts)
        total = 0.0
        for q in set(oracle_tokens(query)) - STOPWORDS:
            if tf[q]:
                idf = math.log(1 + (n - df[q] + 0.5) / (df[q] + 0.5))
                norm = k1 * (1 - b + b * len(ts) / avgdl)
                total += idf * tf[q] * (k1 + 1) / (tf[q] + norm)
        scores[doc_id] = total
    return scores


class FakeModel:
    """Records every prompt; replies citing the first document it was given."""

    def __init__(self, reply=None):
        self.prompts = []
        self.reply = reply

    def complete(self, prompt):
        self.prompts.append(prompt)
        if self.reply is not None:
            return self.reply
        ids = re.findall(r"^\[([^\]\s]+)\] ", prompt, flags=re.M)
        return f"See [{ids[0]}]." if ids else "I cannot tell."


@pytest.fixture(scope="module")
def index():
    return BM25Index(load_corpus(CORPUS_PATH))


# --------------------------------------------------------------------- task 1


@pytest.mark.task(1)
@pytest.mark.points(3)
@pytest.mark.core
@pytest.mark.parametrize(
    "text,want",
    [
        ("Hello, World!", ["hello", "world"]),
        ("python3.11 -m venv", ["python3", "11", "m", "venv"]),
        ("用 pip 安装", ["用", "pip", "安", "装"]),
        ("合并冲突，怎么办？", ["合", "并", "冲", "突", "怎", "么", "办"]),
        ("CPU-bound 任务x2", ["cpu", "bound", "任", "务", "x2"]),
        ("  \n\t…", []),
        ("café naïve", ["caf", "na", "ve"]),
    ],
    ids=[
        "ascii",
        "digits-dots",
        "mixed",
        "cjk-punct",
        "hyphen-mix",
        "blank",
        "accents",
    ],
)
def test_tokenize_follows_the_rule(text, want):
    """Each CJK character is a token; ASCII words split on everything else"""
    assert list(tokenize(text)) == want


@pytest.mark.task(1)
@pytest.mark.points(1)
def test_count_tokens_counts_the_corpus():
    """count_tokens agrees with tokenize on every shipped document"""
    for doc in DOCS:
        assert count_tokens(doc["text"]) == len(oracle_tokens(doc["text"])), doc["id"]


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.core
@pytest.mark.parametrize(
    "text,n,want",
    [
        ("Keep the question whole.", 2, "Keep the"),
        ("资料中没有，相关内容", 4, "资料中没"),
        ("a, b, c", 0, ""),
        ("a, b, c", 9, "a, b, c"),
        ("pip 安装依赖!", 2, "pip 安"),
    ],
    ids=["english", "chinese", "zero", "more-than-all", "mixed"],
)
def test_truncate_tokens_keeps_the_first_n(text, n, want):
    """truncate_tokens returns the shortest prefix holding the first n tokens"""
    assert truncate_tokens(text, n) == want


@pytest.mark.task(1)
@pytest.mark.points(1)
def test_truncate_tokens_rejects_negative_n():
    """truncate_tokens raises ValueError for n < 0"""
    with pytest.raises(ValueError):
        truncate_tokens("abc", -1)


@pytest.mark.task(1)
@pytest.mark.points(2)
def test_load_corpus_reads_the_shipped_file():
    """load_corpus returns the 30 documents in file order with id, title and text"""
    docs = load_corpus(CORPUS_PATH)
    assert [d["id"] for d in docs] == [d["id"] for d in DOCS]
    assert docs[3]["title"] == "合并冲突" and docs[3]["text"] == DOCS[3]["text"]


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.parametrize(
    "lines,bad_line",
    [
        (["", "{not json"], 2),
        (
            [
                '{"id": "a", "title": "t", "text": "x"}',
                '{"id": "a", "title": "u", "text": "y"}',
            ],
            2,
        ),
        (['{"id": "a", "title": "t"}'], 1),
        (["", '{"id": "", "title": "t", "text": "x"}'], 2),
    ],
    ids=["not-json", "duplicate-id", "missing-text", "blank-id"],
)
def test_load_corpus_names_the_bad_line(tmp_path, lines, bad_line):
    """A bad line raises ValueError whose message names its line number"""
    path = tmp_path / "corpus.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=f"line {bad_line}"):
        load_corpus(path)


# --------------------------------------------------------------------- task 2


@pytest.mark.task(2)
@pytest.mark.points(3)
@pytest.mark.core
@pytest.mark.parametrize(
    "query",
    ["How do I create a virtual environment?", "怎样解决合并冲突？", "What is BM25?"],
    ids=["english", "chinese", "rare-term"],
)
def test_scores_match_bm25(index, query):
    """score is Okapi BM25 (k1=1.5, b=0.75, stopwords skipped) for every document"""
    want = oracle_bm25(query)
    for doc_id, value in want.items():
        assert index.score(query, doc_id) == pytest.approx(value, abs=1e-9), doc_id


@pytest.mark.task(2)
@pytest.mark.points(2)
@pytest.mark.core
@pytest.mark.parametrize(
    "query,first",
    [
        ("How do I create a virtual environment?", "d01"),
        ("怎样解决合并冲突？", "d04"),
        ("Why does the GIL slow down CPU-bound threads?", "d16"),
        ("如何处理缺失值", "d08"),
        ("How do I cache a slow query?", "d20"),
    ],
    ids=["venv", "merge-conflict", "gil", "missing-values", "cache"],
)
def test_search_ranks_the_relevant_document_first(index, query, first):
    """search puts the document that answers the question first"""
    assert index.search(query, 3)[0][0] == first


@pytest.mark.task(2)
@pytest.mark.points(2)
def test_search_orders_and_cuts(index):
    """search returns top_k (id, score) by score descending, zero scores left out"""
    query = "pandas missing values NaN groupby"
    want = sorted(
        ((d, s) for d, s in oracle_bm25(query).items() if s > 0),
        key=lambda hit: (-hit[1], hit[0]),
    )
    got = index.search(query, 10)
    assert [d for d, _ in got] == [d for d, _ in want][:10]
    assert [s for _, s in got] == pytest.approx([s for _, s in want][:10])


@pytest.mark.task(2)
@pytest.mark.points(2)
def test_search_breaks_ties_by_id():
    """Documents with equal scores come in id order"""
    docs = [
        {"id": "b", "title": "x", "text": "redis cache"},
        {"id": "a", "title": "x", "text": "redis cache"},
        {"id": "c", "title": "x", "text": "docker image"},
    ]
    assert [d for d, _ in BM25Index(docs).search("redis", 5)] == ["a", "b"]


@pytest.mark.task(2)
@pytest.mark.points(1)
@pytest.mark.parametrize(
    "query",
    ["What is the weather like in Paris today?", "今天天气怎么样？"],
    ids=["english", "chinese"],
)
def test_search_finds_nothing_for_off_topic_questions(index, query):
    """A question sharing only stopwords with the corpus gets no hit"""
    assert list(index.search(query, 3)) == []


@pytest.mark.task(2)
@pytest.mark.points(1)
@pytest.mark.parametrize(
    "k1,b,ok",
    [
        (-0.1, 0.5, False),
        (1.2, -0.1, False),
        (1.2, 1.1, False),
        (0.0, 0.0, True),
        (2.0, 1.0, True),
    ],
    ids=["negative-k1", "negative-b", "b-above-1", "zero-k1-b", "b-one"],
)
def test_index_checks_k1_and_b(k1, b, ok):
    """BM25Index accepts k1 >= 0 and 0 <= b <= 1, else raises ValueError"""
    docs = [{"id": "a", "title": "t", "text": "redis"}]
    if ok:
        assert [d for d, _ in BM25Index(docs, k1=k1, b=b).search("redis")] == ["a"]
    else:
        with pytest.raises(ValueError):
            BM25Index(docs, k1=k1, b=b)


@pytest.mark.task(2)
@pytest.mark.points(1)
@pytest.mark.parametrize("top_k", [0, -1, True, 2.5], ids=repr)
def test_search_rejects_bad_top_k(index, top_k):
    """search raises ValueError unless top_k is an int >= 1"""
    with pytest.raises(ValueError):
        index.search("redis", top_k)


@pytest.mark.task(2)
@pytest.mark.points(1)
def test_index_rejects_duplicate_ids():
    """BM25Index raises ValueError for two documents with the same id"""
    doc = {"id": "a", "title": "t", "text": "x"}
    with pytest.raises(ValueError):
        BM25Index([doc, dict(doc)])


# --------------------------------------------------------------------- task 3

CHUNKS = [("d01", DOCS[0]["text"]), ("d02", DOCS[1]["text"]), ("d03", DOCS[2]["text"])]
QUESTION = "How do I create a virtual environment?"


def fixed_cost():
    return len(oracle_tokens(SYSTEM_PROMPT)) + 1 + len(oracle_tokens(QUESTION))


@pytest.mark.task(3)
@pytest.mark.points(3)
@pytest.mark.core
def test_prompt_layout_with_room_for_everything():
    """The prompt is system, [id] text lines, then the question, blank-line apart"""
    prompt, ids = build_prompt(SYSTEM_PROMPT, QUESTION, CHUNKS, 1000)
    lines = "\n".join(f"[{d}] {t}" for d, t in CHUNKS)
    assert prompt == f"{SYSTEM_PROMPT}\n\n{lines}\n\nQuestion: {QUESTION}"
    assert list(ids) == ["d01", "d02", "d03"]


@pytest.mark.task(3)
@pytest.mark.points(3)
@pytest.mark.core
@pytest.mark.parametrize("extra", [0, 1, 5, 30, 40, 75], ids=lambda e: f"extra-{e}")
def test_prompt_stays_within_the_budget_and_keeps_the_question(extra):
    """The prompt never exceeds the budget and always ends with the whole question"""
    budget = fixed_cost() + extra
    prompt, ids = build_prompt(SYSTEM_PROMPT, QUESTION, CHUNKS, budget)
    assert len(oracle_tokens(prompt)) <= budget
    assert prompt.startswith(SYSTEM_PROMPT + "\n\n")
    assert prompt.endswith(f"\n\nQuestion: {QUESTION}")
    assert len(oracle_tokens(prompt)) >= budget - 1 or len(ids) == 3


@pytest.mark.task(3)
@pytest.mark.points(3)
@pytest.mark.core
def test_prompt_cuts_the_chunk_that_does_not_fit():
    """The first chunk that does not fit is cut to the tokens left and ends the list"""
    first = 1 + len(oracle_tokens(CHUNKS[0][1]))
    budget = fixed_cost() + first + 1 + 5
    prompt, ids = build_prompt(SYSTEM_PROMPT, QUESTION, CHUNKS, budget)
    assert list(ids) == ["d01", "d02"]
    assert f"\n[d02] {truncate_tokens(CHUNKS[1][1], 5)}\n\n" in prompt
    assert "[d03]" not in prompt
    assert len(oracle_tokens(prompt)) == budget


@pytest.mark.task(3)
@pytest.mark.points(2)
def test_prompt_without_room_for_context_has_no_chunk():
    """With only the question's room left, the prompt is system and question alone"""
    prompt, ids = build_prompt(SYSTEM_PROMPT, QUESTION, CHUNKS, fixed_cost() + 1)
    assert prompt == f"{SYSTEM_PROMPT}\n\nQuestion: {QUESTION}"
    assert list(ids) == []


@pytest.mark.task(3)
@pytest.mark.points(1)
@pytest.mark.parametrize("question", ["", "   \n"], ids=["empty", "blank"])
def test_prompt_refuses_an_empty_question(question):
    """build_prompt raises ValueError for an empty or blank question"""
    with pytest.raises(ValueError):
        build_prompt(SYSTEM_PROMPT, question, CHUNKS, 1000)


@pytest.mark.task(3)
@pytest.mark.points(2)
@pytest.mark.core
def test_prompt_too_long_for_the_question_raises():
    """When system prompt and question alone exceed the budget: PromptTooLongError"""
    with pytest.raises(PromptTooLongError):
        build_prompt(SYSTEM_PROMPT, QUESTION, CHUNKS, fixed_cost() - 1)
    assert issubclass(PromptTooLongError, ValueError)


# --------------------------------------------------------------------- task 4


@pytest.mark.task(4)
@pytest.mark.points(3)
@pytest.mark.core
def test_answer_sends_one_prompt_with_the_retrieved_documents(index):
    """answer calls the model once with the top hits, within the budget"""
    model = FakeModel()
    result = answer("怎样解决合并冲突？", index, model, budget=120)
    assert len(model.prompts) == 1
    prompt = model.prompts[0]
    assert len(oracle_tokens(prompt)) <= 120
    assert prompt.startswith(SYSTEM_PROMPT) and prompt.endswith(
        "Question: 怎样解决合并冲突？"
    )
    assert f"[d04] {DOCS[3]['text']}" in prompt
    assert result["citations"] == ["d04"] and result["refused"] is False
    assert result["answer"] == "See [d04]."


@pytest.mark.task(4)
@pytest.mark.points(3)
@pytest.mark.core
@pytest.mark.parametrize(
    "question",
    ["What is the weather like in Paris today?", "北京有几个机场", "tell me a joke"],
    ids=["weather", "airports", "joke"],
)
def test_answer_refuses_without_calling_the_model(index, question):
    """With no hit scoring min_score or more, answer refuses without the model"""
    model = FakeModel()
    result = answer(question, index, model)
    assert model.prompts == []
    assert result == {"answer": REFUSAL, "citations": [], "refused": True}


@pytest.mark.task(4)
@pytest.mark.points(2)
def test_answer_min_score_is_inclusive_and_filters_hits(index):
    """Only hits scoring at least min_score enter the prompt"""
    query = "如何处理缺失值"
    hits = index.search(query, 3)
    model = FakeModel()
    answer(query, index, model, min_score=hits[1][1])
    assert f"[{hits[1][0]}]" in model.prompts[0]
    assert f"[{hits[2][0]}]" not in model.prompts[0]


@pytest.mark.task(4)
@pytest.mark.points(3)
@pytest.mark.core
def test_answer_drops_citations_it_was_not_given(index):
    """Citations keep only ids that were in the prompt, once each, in reply order"""
    model = FakeModel(reply="Use [d99] and [d13], also [d13] and [d15].")
    result = answer("什么是交叉验证", index, model)
    assert result["citations"] == ["d13", "d15"]
    assert result["refused"] is False


@pytest.mark.task(4)
@pytest.mark.points(2)
@pytest.mark.core
def test_answer_without_a_valid_citation_is_a_refusal(index):
    """A reply citing none of its documents is replaced by the refusal"""
    model = FakeModel(reply="Probably [d30], I think.")
    result = answer("What is a readiness probe?", index, model)
    assert len(model.prompts) == 1
    assert result == {"answer": REFUSAL, "citations": [], "refused": True}


@pytest.mark.task(4)
@pytest.mark.points(1)
def test_answer_passes_top_k_to_retrieval(index):
    """top_k=1 sends a single document to the model"""
    model = FakeModel()
    answer("推荐系统分几个阶段", index, model, top_k=1, min_score=0.1)
    assert re.findall(r"^\[(\w+)\] ", model.prompts[0], flags=re.M) == ["d21"]


# --------------------------------------------------------------------- task 5

CASES = [
    {"question": "How do I create a virtual environment?", "expected": "d01"},
    {"question": "怎样解决合并冲突？", "expected": "d04"},
    {"question": "What is a readiness probe?", "expected": "d27"},
    {"question": "什么是交叉验证", "expected": "d13"},
    {"question": "tell me a joke", "expected": None},
    {"question": "今天天气怎么样？", "expected": None},
]


@pytest.mark.task(5)
@pytest.mark.points(3)
@pytest.mark.core
def test_evaluate_scores_citations_and_refusals(index):
    """evaluate gives the shares of cases citing their document and of refusals"""
    assert evaluate(CASES, index, FakeModel()) == {"cited": 1.0, "refused": 1.0}


@pytest.mark.task(5)
@pytest.mark.points(2)
@pytest.mark.core
def test_evaluate_catches_a_model_citing_the_wrong_document(index):
    """A model citing a retrieved but wrong document lowers the cited share"""

    class LastCitation(FakeModel):
        def complete(self, prompt):
            self.prompts.append(prompt)
            ids = re.findall(r"^\[([^\]\s]+)\] ", prompt, flags=re.M)
            return f"See [{ids[-1]}]."

    got = evaluate(CASES[:2] + CASES[4:5], index, LastCitation())
    assert got == {"cited": 0.0, "refused": 1.0}


@pytest.mark.task(5)
@pytest.mark.points(2)
def test_evaluate_passes_options_to_answer(index):
    """evaluate forwards options: a huge min_score refuses everything"""
    got = evaluate(CASES, index, FakeModel(), min_score=1e9)
    assert got == {"cited": 0.0, "refused": 1.0}


@pytest.mark.task(5)
@pytest.mark.points(1)
def test_evaluate_reports_none_for_a_missing_kind(index):
    """With no unanswerable case the refused share is None"""
    got = evaluate(CASES[:1], index, FakeModel())
    assert got == {"cited": 1.0, "refused": None}


@pytest.mark.task(5)
@pytest.mark.points(1)
def test_evaluate_rejects_no_cases(index):
    """evaluate raises ValueError for an empty list of cases"""
    with pytest.raises(ValueError):
        evaluate([], index, FakeModel())
