"""The same scorecard in other graders' result formats.

`export(card, fmt)` renders a scorecard as one of `FORMATS`: Exercism's test-runner
`results.json` (v3), Gradescope's autograder `results.json`, PrairieLearn's external-grader
`results.json`, or JUnit XML. Each module documents the published rules it follows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from grader.errors import GraderError
from grader.scorecard import serialize
from grader.scorecard.exports import exercism, gradescope, junit, prairielearn
from grader.scorecard.model import Scorecard

_RENDERERS: dict[str, Callable[[Scorecard], str]] = {
    "exercism": exercism.render,
    "gradescope": gradescope.render,
    "prairielearn": prairielearn.render,
    "junit": junit.render,
}
FORMATS = tuple(_RENDERERS)


class ScorecardFileError(GraderError):
    """A file given as a scorecard is missing, unreadable or not a valid scorecard."""


def export(card: Scorecard, fmt: str) -> str:
    """`card` rendered in format `fmt` (one of FORMATS); raise ValueError for another."""
    try:
        renderer = _RENDERERS[fmt]
    except KeyError:
        raise ValueError(
            f"unknown export format {fmt!r}; use one of: {', '.join(FORMATS)}"
        ) from None
    return renderer(card)


def load_scorecard(path: Path) -> Scorecard:
    """A saved scorecard, validated; ScorecardFileError says what is wrong with the file.

    A practice scorecard (graded on a students' edition, without the hidden suite) is
    refused: an export is read as a grade."""
    try:
        card = serialize.load(path)
    except FileNotFoundError:
        problem = "no such file"
    except IsADirectoryError:
        problem = "is a folder, not a scorecard file"
    except OSError as exc:
        problem = f"cannot be read ({exc.strerror or exc})"
    except UnicodeDecodeError:
        problem = "is not UTF-8 text"
    except ValueError as exc:  # invalid JSON, or JSON that breaks the scorecard schema
        problem = str(exc).splitlines()[0]
        if not problem.startswith("not a valid scorecard"):
            problem = f"not JSON ({problem})"
    else:
        if not card.practice:
            return card
        raise ScorecardFileError(
            f"{path}: a practice scorecard (graded without the hidden suite) is not a "
            "grade; export the scorecard the class server graded (`grader submit "
            "--server URL --token TOKEN` saves it)"
        )
    raise ScorecardFileError(
        f"{path}: {problem}; pass a scorecard saved by `grader submit` "
        "(workspace/.grader/scorecards/*.json) or printed by `grader submit --json`"
    )


def export_file(*, scorecard: Path, fmt: str) -> str:
    """The scorecard saved at `scorecard`, rendered in format `fmt`."""
    return export(load_scorecard(scorecard), fmt)


__all__ = [
    "FORMATS",
    "ScorecardFileError",
    "export",
    "export_file",
    "load_scorecard",
]
