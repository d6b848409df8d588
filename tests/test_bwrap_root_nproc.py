"""bwrap started by root caps the sandbox's processes even without a cgroup: the run is
handed to an unprivileged host uid first, so RLIMIT_NPROC binds (the kernel exempts root).

That uid must be able to run the grader's Python. When this one lives in a private home
folder (`/root/.pyenv`, mode 0700), the gradings here run under a stand-in: the system's
Python of the same version in a fresh environment that sees this checkout and its
packages, as a root-run grader installed from the system's Python would be.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from grader.runner import bwrap_backend
from grader.runner.bwrap_backend import bwrap_available

from .conftest import WORD_COUNT
from .test_bwrap_backend import word_count_copy
from .test_bwrap_isolation import HOLD

CHECKOUT = Path(__file__).resolve().parents[1]
SYSTEM_PYTHON = Path(f"/usr/bin/python{sys.version_info[0]}.{sys.version_info[1]}")

# Grades SUBMISSION against EXERCISE with the bwrap backend, no cgroup, and prints what the
# hidden tests said and the run's integrity facts.
DRIVER = """
import json, sys
from pathlib import Path
from grader.catalog.loader import load_exercise
from grader.pipeline import grade_workspace
from grader.runner import bwrap_backend, cgroup

cgroup.create = lambda limits, parent: (None, "no cgroup in this test")
card = grade_workspace(Path(sys.argv[2]), exercise=load_exercise(Path(sys.argv[1])),
                       backend=bwrap_backend.BwrapBackend())
tests = next(c for c in card.checks if c.id == "tests").details.get("tests", [])
print(json.dumps({"status": card.status, "message": card.message,
                  "tests": {t["id"].split("::")[-1]: t["status"] for t in tests},
                  "integrity": card.integrity}))
"""

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or not bwrap_available(),
    reason="the root-only gap: needs root and bwrap",
)


@pytest.fixture(scope="module")
def python() -> Iterator[str]:
    """A Python the unprivileged uid can run, with the grader importable."""
    if bwrap_backend.host_uid() is not None:
        yield sys.executable
        return
    if not SYSTEM_PYTHON.is_file():
        pytest.skip(f"this Python is private to root and there is no {SYSTEM_PYTHON}")
    with tempfile.TemporaryDirectory(prefix="grader-py-") as folder:
        os.chmod(folder, 0o755)  # readable by the sandbox's uid, unlike pytest's tmp
        env = Path(folder) / "env"
        subprocess.run([SYSTEM_PYTHON, "-m", "venv", "--without-pip", env], check=True)
        site = next(env.glob("lib/python*/site-packages"))
        found = [p for p in sys.path if p.endswith("site-packages")]
        (site / "grader_checkout.pth").write_text("\n".join([str(CHECKOUT), *found]))
        stand_in = str(env / "bin" / "python")
        _require_the_uid_drop(stand_in)
        yield stand_in


def _require_the_uid_drop(python: str) -> None:
    """Skip when even the stand-in cannot run as the uid: the checkout or its packages
    lie in a folder private to root (a `mktemp -d` clone, mode 0700), which no
    unprivileged uid may enter, so the grader rightly keeps the drop off."""
    probe = "from grader.runner.bwrap_backend import host_uid; print(host_uid())"
    done = subprocess.run(
        [python, "-I", "-c", probe], capture_output=True, text=True, timeout=120
    )
    if done.returncode == 0 and done.stdout.strip() == "None":
        pytest.skip(
            f"uid {bwrap_backend.HOST_UID} cannot read {CHECKOUT} or its packages "
            "(a folder private to root): run from a checkout others may read"
        )


def grade(python: str, tmp_path: Path, tests: str, source: str) -> dict:
    shared = Path(tempfile.mkdtemp(prefix="grader-case-", dir=tmp_path))
    exercise = word_count_copy(shared, "run_seconds = 60\ntest_seconds = 30")
    (exercise.hidden_dir / "test_hostile.py").write_text(
        "import word_count\n\n" + tests, encoding="utf-8"
    )
    submission = shared / "s"
    submission.mkdir()
    for path in (WORD_COUNT / "reference").rglob("*"):
        if path.is_file() and "__pycache__" not in path.parts:
            target = submission / path.relative_to(WORD_COUNT / "reference")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
    (submission / "word_count.py").write_text(source)
    done = subprocess.run(
        [python, "-I", "-c", DRIVER, str(exercise.root), str(submission)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.splitlines()[-1])


def test_a_fork_bomb_is_capped_without_a_cgroup(python: str, tmp_path: Path) -> None:
    source = (WORD_COUNT / "reference" / "word_count.py").read_text() + HOLD
    report = grade(
        python,
        tmp_path,
        "def test_bomb():\n    assert word_count.bomb(400) == 400\n",
        source,
    )
    assert report["tests"]["test_bomb"] == "failed", report
    assert report["tests"]["test_counts_each_word"] == "passed"
    integrity = report["integrity"]
    assert integrity["cgroup"]["in_force"] is False
    assert integrity["rlimits"]["nproc"] == bwrap_backend.PROCESSES
    assert integrity["host_user"] == bwrap_backend.HOST_UID


def test_the_reference_grades_as_the_unprivileged_uid(
    python: str, tmp_path: Path
) -> None:
    source = (WORD_COUNT / "reference" / "word_count.py").read_text()
    report = grade(python, tmp_path, "def test_nothing():\n    pass\n", source)
    assert report["status"] == "pass", report["message"]
    assert report["integrity"]["host_user"] == bwrap_backend.HOST_UID
