"""Your own tests. Extend this file until it covers at least 70% of llm_retrieval.py.

Run them with:  grader test   (or: python -m pytest -q tests)
"""

from llm_retrieval import build_prompt, count_tokens, tokenize


def test_cjk_characters_are_one_token_each():
    assert tokenize("用 pip 安装") == ["用", "pip", "安", "装"]


def test_the_question_is_never_cut():
    prompt, ids = build_prompt("Be brief.", "why?", [("d1", "one two three")], 6)
    assert prompt == "Be brief.\n\n[d1] one\n\nQuestion: why?"
    assert ids == ["d1"]
    assert count_tokens(prompt) == 6
