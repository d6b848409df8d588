from __future__ import annotations

import os
from pathlib import Path

from grader.runner.submission import collect_submission


def test_only_allow_listed_files_are_collected(
    reference_copy: Path, word_count
) -> None:
    (reference_copy / "conftest.py").write_text("raise SystemExit")
    (reference_copy / "big.bin").write_bytes(b"\0" * (50 * 1024 * 1024))
    submission = collect_submission(reference_copy, word_count)
    assert submission.problems == []
    assert sorted(submission.contents) == ["tests/test_word_count.py", "word_count.py"]


def test_symlink_out_of_workspace_is_refused(
    reference_copy: Path, word_count, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.py"
    secret.write_text("x = 1\n")
    target = reference_copy / "word_count.py"
    target.unlink()
    os.symlink(secret, target)
    submission = collect_submission(reference_copy, word_count)
    assert [p.text for p in submission.problems] == [
        "word_count.py is a link (or lies outside the workspace); replace it with a regular file"
    ]
    assert "word_count.py" not in submission.contents


def test_missing_file_says_how_to_get_it_back(reference_copy: Path, word_count) -> None:
    (reference_copy / "word_count.py").unlink()
    (found,) = collect_submission(reference_copy, word_count).problems
    problem = found.text
    assert problem.startswith("word_count.py is missing")
    assert "grader start word-count" in problem


def test_non_utf8_file_names_line(reference_copy: Path, word_count) -> None:
    with open(reference_copy / "word_count.py", "ab") as handle:
        handle.write(b"# caf\xe9\n")
    (found,) = collect_submission(reference_copy, word_count).problems
    problem = found.text
    assert "not valid UTF-8" in problem and "line 23" in problem


def test_sha256_depends_on_content_only(reference_copy: Path, word_count) -> None:
    first = collect_submission(reference_copy, word_count).sha256
    os.utime(reference_copy / "word_count.py", (0, 0))
    assert collect_submission(reference_copy, word_count).sha256 == first
    with open(reference_copy / "word_count.py", "a") as handle:
        handle.write("\n")
    assert collect_submission(reference_copy, word_count).sha256 != first


def test_files_shadowing_the_standard_library_or_tools_are_refused() -> None:
    from grader.runner.submission import shadowed_module

    assert shadowed_module("json.py") == "json"
    assert shadowed_module("pytest.py") == "pytest"
    assert shadowed_module("sitecustomize.py") == "sitecustomize"
    # Each sandbox check's tools, as its declaration names them.
    assert shadowed_module("mypy.py") == "mypy"
    assert shadowed_module("flake8/__init__.py") == "flake8"
    assert shadowed_module("word_count.py") is None
    assert shadowed_module("tests/test_json.py") is None


def test_ten_thousand_stray_files_and_odd_names_are_ignored(
    reference_copy: Path, word_count
) -> None:
    junk = reference_copy / "junk"
    junk.mkdir()
    for number in range(10_000):
        (junk / f"f{number}.py").write_text("x = 1\n")
    (reference_copy / "new\nline.py").write_text("x = 1\n")
    os.mkdir(bytes(reference_copy / "odd") + b"\xff\xfe")
    submission = collect_submission(reference_copy, word_count)
    assert submission.problems == []
    assert sorted(submission.contents) == ["tests/test_word_count.py", "word_count.py"]


def test_influential_files_are_named_as_ignored(
    reference_copy: Path, word_count
) -> None:
    (reference_copy / "conftest.py").write_text("import pytest\n")
    (reference_copy / "tests" / "pytest.ini").write_text("[pytest]\n")
    (reference_copy / "evil.pth").write_text("import os\n")
    submission = collect_submission(reference_copy, word_count)
    assert submission.ignored == ["conftest.py", "evil.pth", "tests/pytest.ini"]
    assert "conftest.py" not in submission.contents


def test_a_submission_problem_reads_in_chinese(
    reference_copy: Path, word_count
) -> None:
    from grader.i18n.catalog import say

    (reference_copy / "word_count.py").unlink()
    (found,) = collect_submission(reference_copy, word_count).problems
    assert say(found, "zh") == (
        "缺少 word_count.py；请创建它（初始版本见 `grader start word-count NEW_DIR`）"
    )
