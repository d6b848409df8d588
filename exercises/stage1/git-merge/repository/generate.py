"""Create git-merge's starter repository in DEST, stopped mid-merge with a conflict.

Usage: python generate.py DEST   (DEST an empty folder)

Every commit has a fixed author, committer and date, so the hashes are the same on every
machine: the hidden suite knows them. Run by `grader start` with a clean git environment
(no global or system configuration).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

WANG = ("Wang Fang", "wang.fang@example.com")
LI = ("Li Lei", "li.lei@example.com")

GITIGNORE = "__pycache__/\n.pytest_cache/\n.coverage\n*.pyc\n"
README = """# Campus shop pricing

`pricing.total(prices)` adds up a basket's prices for the checkout, rounded to cents.

Run the tests with `python -m pytest`.
"""
README_DISCOUNT = README.replace(
    "rounded to cents.\n",
    "rounded to cents.\n`total(prices, discount_percent=10)` takes 10% off the sum.\n",
)
README_MAIN = README.replace(
    "rounded to cents.\n",
    "rounded to cents.\nA negative price is refused with a ValueError.\n",
)
NOW = "2026-09-04T09:00:00+08:00"  # when the merge is attempted
CHANGELOG = """# Changelog

## 1.0.0

- `total()` adds prices, rounded to cents.
"""

PRICING_BASE = '''"""Prices for the campus shop's checkout."""


def total(prices: list[float]) -> float:
    """The sum of `prices`, rounded to cents."""
    return round(sum(prices), 2)
'''

PRICING_FEATURE = '''"""Prices for the campus shop's checkout."""


def total(prices: list[float], discount_percent: float = 0) -> float:
    """The sum of `prices` less `discount_percent` percent, rounded to cents."""
    if not 0 <= discount_percent <= 100:
        raise ValueError(f"discount must be 0 to 100, got {discount_percent}")
    subtotal = sum(prices)
    return round(subtotal * (100 - discount_percent) / 100, 2)
'''

PRICING_MAIN = '''"""Prices for the campus shop's checkout."""


def total(prices: list[float]) -> float:
    """The sum of `prices`, rounded to cents; a negative price is an error."""
    for price in prices:
        if price < 0:
            raise ValueError(f"price cannot be negative: {price}")
    subtotal = sum(prices)
    return round(subtotal, 2)
'''

TESTS_BASE = """from pricing import total


def test_total_adds_prices():
    assert total([1.5, 2.25]) == 3.75


def test_total_of_nothing_is_zero():
    assert total([]) == 0
"""

TESTS_FEATURE = "import pytest\n" + TESTS_BASE + """

def test_discount_takes_a_percentage_off():
    assert total([10, 10], discount_percent=25) == 15


def test_discount_over_100_is_refused():
    with pytest.raises(ValueError):
        total([10], discount_percent=150)
"""

TESTS_MAIN = "import pytest\n" + TESTS_BASE + """

def test_negative_price_is_refused():
    with pytest.raises(ValueError):
        total([5, -1])
"""


def main(dest: Path) -> None:
    git(dest, "init", "--quiet", "--initial-branch=main")
    write(
        dest, {".gitignore": GITIGNORE, "README.md": README, "CHANGELOG.md": CHANGELOG}
    )
    write(dest, {"pricing.py": PRICING_BASE, "tests/test_pricing.py": TESTS_BASE})
    commit(dest, WANG, "2026-09-01T09:00:00+08:00", "chore: start the pricing module")
    git(dest, "branch", "feature/discount")
    git(dest, "checkout", "--quiet", "feature/discount")
    write(dest, {"pricing.py": PRICING_FEATURE, "tests/test_pricing.py": TESTS_FEATURE})
    commit(
        dest, LI, "2026-09-02T10:30:00+08:00", "feat: take a percentage off the total"
    )
    write(dest, {"README.md": README_DISCOUNT})
    commit(
        dest, LI, "2026-09-02T11:15:00+08:00", "docs: show the discount in the README"
    )
    git(dest, "checkout", "--quiet", "main")
    write(
        dest,
        {
            "pricing.py": PRICING_MAIN,
            "tests/test_pricing.py": TESTS_MAIN,
            "README.md": README_MAIN,
        },
    )
    commit(dest, WANG, "2026-09-03T14:00:00+08:00", "fix: refuse negative prices")
    # The student takes over here: both branches changed total() and its tests.
    merge = git(
        dest, "merge", "--no-ff", "feature/discount", env=stamp(WANG, NOW), check=False
    )
    if merge.returncode == 0 or not (dest / ".git" / "MERGE_HEAD").is_file():
        sys.exit("the merge was expected to stop with a conflict")


def write(dest: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = dest / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
    git(dest, "add", *files)


def commit(dest: Path, who: tuple[str, str], date: str, message: str) -> None:
    env = stamp(who, date)
    git(dest, "commit", "--quiet", "--no-verify", "-m", message, env=env)


def stamp(who: tuple[str, str], date: str) -> dict[str, str]:
    """A fixed author and committer, and their dates: the same hashes everywhere."""
    return {
        "GIT_AUTHOR_NAME": who[0],
        "GIT_AUTHOR_EMAIL": who[1],
        "GIT_AUTHOR_DATE": date,
        "GIT_COMMITTER_NAME": who[0],
        "GIT_COMMITTER_EMAIL": who[1],
        "GIT_COMMITTER_DATE": date,
    }


def git(
    dest: Path, *args: str, env: dict[str, str] | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        ["git", "-c", "core.hooksPath=/dev/null", "-C", str(dest), *args],
        env={**os.environ, "GIT_CONFIG_NOSYSTEM": "1", **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )
    if check and done.returncode != 0:
        sys.exit(f"git {' '.join(args)} failed: {done.stderr.strip()}")
    return done


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python generate.py DEST")
    main(Path(sys.argv[1]))
