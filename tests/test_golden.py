"""Golden scorecards: one folder per scenario (a submission and the expected scorecard).

Volatile fields (times, durations, hashes, versions) are normalized away. To re-record after an
intended change: GRADER_UPDATE_GOLDEN=1 pytest tests/test_golden.py, then review the diff.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from grader.pipeline import grade_workspace
from grader.scorecard import serialize

GOLDEN = Path(__file__).parent / "golden"
SCENARIOS = sorted(p.name for p in GOLDEN.iterdir() if (p / "submission").is_dir())
VOLATILE = {"started_at", "finished_at", "duration", "sha256", "grader_version"}


def normalize(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: normalize(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [normalize(v) for v in value]
    return value


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_golden_scorecard(
    scenario: str, word_count, local_backend, tmp_path: Path
) -> None:
    submission = tmp_path / "submission"
    shutil.copytree(GOLDEN / scenario / "submission", submission)
    card = grade_workspace(submission, exercise=word_count, backend=local_backend)
    document = serialize.to_dict(card)
    assert serialize.schema_errors(document) == []
    actual = normalize(document)
    expected_path = GOLDEN / scenario / "expected.json"
    if os.environ.get("GRADER_UPDATE_GOLDEN"):
        expected_path.write_text(
            json.dumps(actual, indent=2, ensure_ascii=False) + "\n"
        )
    expected = json.loads(expected_path.read_text(encoding="utf-8"))
    assert actual == expected
