"""bwrap as a trust boundary: hostile submissions graded with the word-count exercise.

Each attack runs in the submission's own process; each assertion is the safe outcome a
teacher relies on. Without the jail, the results pipe and the cgroup every one of them
fails: the submission ran in the trusted side's namespaces under its uid, with out/ bound
writable, per-process memory limits only and no shared CPU or process cap.
"""

from __future__ import annotations

import json
import shutil
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from grader.catalog.model import Exercise
from grader.pipeline import grade_workspace
from grader.runner import FULL, REDUCED, bwrap_backend, cgroup
from grader.runner.backend import RunOutcome
from grader.runner.bwrap_backend import BwrapBackend, bwrap_available
from grader.runner.job import Job
from grader.scorecard.model import Scorecard
from grader.scorecard.serialize import dumps

from .conftest import WORD_COUNT
from .test_bwrap_backend import running, word_count_copy

pytestmark = pytest.mark.skipif(
    not bwrap_available(), reason="bwrap cannot create namespaces here"
)

# Broken on purpose: a pass could only come from forgery. count_words hands back what the
# attack found, so a failure message would show it; top_words(…, 2) never returns.
ATTACK = """
import os
from pathlib import Path

FOUND = []
for name, path in [("nonce", "/job/job.json"), ("suite", "/job/hidden/test_word_count.py"),
                   ("copy", "/job/work/trusted/hidden/test_word_count.py")]:
    try:
        FOUND.append(name + "=" + Path(path).read_text().replace(" ", "_")[:400])
    except OSError as exc:
        FOUND.append(name + ":" + type(exc).__name__)
try:
    Path("/job/out/results.json").write_text('{"nonce": "forged", "checks": []}')
    FOUND.append("rewrote-results")
except OSError as exc:
    FOUND.append("results:" + type(exc).__name__)
planted = 0
try:
    for index in range(2000):
        Path(f"/job/out/junk{index}").write_bytes(bytes(4096))
        planted += 1
except OSError:
    pass
FOUND.append(f"planted={planted}")
flooded = 0
own = set()  # its own output streams: writing there is only printing
for fd in ("1", "2"):
    try:
        own.add(os.readlink(f"/proc/self/fd/{fd}"))
    except OSError:
        pass
for entry in Path("/proc").glob("[0-9]*"):
    for fd in ("1", "2"):
        try:
            if os.readlink(entry / "fd" / fd) in own:
                continue
            with open(entry / "fd" / fd, "ab") as stream:
                stream.write(bytes(8 * 1024 * 1024))
                flooded += 1
        except OSError:
            pass
FOUND.append(f"flooded={flooded}")
FOUND.append("ATTACK" + "-RAN")


def count_words(text):
    return {"found": " ".join(FOUND)}


def top_words(text, n):
    if n == 2:
        while True:
            n = n + 0
    return []
"""

HOLD = '''

def hold(children, megabytes):
    """How many children held `megabytes` each at the same time."""
    import os, select, signal, time
    read, write = os.pipe()
    pids = []
    for _ in range(children):
        pid = os.fork()
        if pid == 0:
            data = b"x" * (megabytes * 1024 * 1024)  # written: resident, not reserved
            os.write(write, b"+")
            time.sleep(60 + len(data) * 0)
            os._exit(0)
        pids.append(pid)
    held, deadline = 0, time.monotonic() + 20
    while held < children and time.monotonic() < deadline:
        if select.select([read], [], [], 0.5)[0]:
            held += len(os.read(read, children))
        if held < children and all(os.waitpid(p, os.WNOHANG)[0] for p in pids):
            break
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except OSError:
            pass
    return held


def bomb(limit):
    """How many processes could be started, up to `limit`."""
    import os, signal, time
    pids = []
    try:
        for _ in range(limit):
            pid = os.fork()
            if pid == 0:
                time.sleep(60)
                os._exit(0)
            pids.append(pid)
    except OSError:
        pass
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    for pid in pids:
        os.waitpid(pid, 0)
    return len(pids)


def spin(processes, seconds, marker):
    """Busy loops on every CPU, in processes the host can find by `marker`."""
    import subprocess, sys
    code = ("import time, sys\\nend = time.time() + float(sys.argv[1])\\n"
            "while time.time() < end: pass")
    spinners = [subprocess.Popen([sys.executable, "-c", code, str(seconds), marker])
                for _ in range(processes)]
    for spinner in spinners:
        spinner.wait()
    return processes
'''


class Recording:
    """The bwrap backend, remembering each job and what its folder held afterwards."""

    def __init__(self, inner: BwrapBackend) -> None:
        self.inner = inner
        self.name, self.sandboxed = inner.name, inner.sandboxed
        self.jobs: list[Job] = []
        self.outcomes: list[RunOutcome] = []
        self.out_files: list[list[str]] = []
        self.job_bytes: list[int] = []

    @property
    def cgroup_missing(self) -> str:
        return self.inner.cgroup_missing

    def run(self, job: Job, on_progress: object = None) -> RunOutcome:
        self.jobs.append(job)
        self.outcomes.append(self.inner.run(job))
        self.out_files.append(sorted(p.name for p in (job.root / "out").iterdir()))
        files = [p for p in job.root.rglob("*") if p.is_file() and not p.is_symlink()]
        self.job_bytes.append(sum(p.stat().st_size for p in files))
        return self.outcomes[-1]


def hostile_exercise(tmp_path: Path, name: str, tests: str, limits: str) -> Exercise:
    exercise = word_count_copy(tmp_path / name, limits)
    (exercise.hidden_dir / "test_hostile.py").write_text(
        "import word_count\n\n" + tests, encoding="utf-8"
    )
    return exercise


def submission(tmp_path: Path, name: str, source: str) -> Path:
    workspace = tmp_path / name
    shutil.copytree(WORD_COUNT / "reference", workspace)
    (workspace / "word_count.py").write_text(source, encoding="utf-8")
    return workspace


def hidden_results(card: Scorecard) -> dict[str, dict[str, Any]]:
    tests = next(c for c in card.checks if c.id == "tests").details.get("tests", [])
    return {t["id"].split("::")[-1]: t for t in tests}


@pytest.fixture(scope="module")
def attacked(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Scorecard, Recording, str]:
    tmp_path = tmp_path_factory.mktemp("attack")
    workspace = submission(tmp_path, "attack", ATTACK)
    backend = Recording(BwrapBackend())
    exercise = word_count_copy(tmp_path, "run_seconds = 60\ntest_seconds = 3")
    card = grade_workspace(workspace, exercise=exercise, backend=backend)
    return card, backend, dumps(card)


def test_the_attack_ran_and_earned_nothing(attacked: tuple) -> None:
    card, backend, text = attacked
    assert "ATTACK-RAN" in text  # evidence: the submission's code did run
    assert card.status == "fail", card.message  # an honest failure, not a broken run
    assert hidden_results(card)["test_counts_each_word"]["status"] == "failed"
    assert next(c for c in card.checks if c.id == "tests").score < 20


def test_the_nonce_is_out_of_reach(attacked: tuple) -> None:
    card, backend, text = attacked
    assert backend.jobs[0].nonce not in text
    assert "nonce:FileNotFoundError" in text


def test_the_hidden_suite_is_out_of_reach(attacked: tuple) -> None:
    card, backend, text = attacked
    source = (WORD_COUNT / "hidden" / "test_word_count.py").read_text()
    assert source.replace(" ", "_")[:60] not in text
    assert "suite:FileNotFoundError" in text and "copy:FileNotFoundError" in text


def test_the_results_cannot_be_rewritten_and_out_stays_bounded(attacked: tuple) -> None:
    card, backend, text = attacked
    assert "rewrote-results" not in text and "results:FileNotFoundError" in text
    assert "planted=0" in text
    assert backend.out_files[0] == ["results.json"]


def test_the_log_cannot_be_flooded(attacked: tuple) -> None:
    card, backend, text = attacked
    assert "flooded=0" in text  # no process outside the jail to write through
    assert len(backend.outcomes[0].log_tail) <= bwrap_backend.LOG_CHARS
    # Nothing the sandbox wrote grew on the host: the submission, the suite, the results.
    assert backend.job_bytes[0] < 1024 * 1024


def test_a_stuck_call_still_names_its_line(attacked: tuple) -> None:
    """SIGUSR1 reaches the server inside the jail and its dump comes back through it."""
    stuck = hidden_results(attacked[0])["test_top_words_order"]
    assert stuck["status"] == "timeout"
    assert "it was at word_count.py:" in stuck["message"], stuck


needs_cgroup = pytest.mark.skipif(
    bool(BwrapBackend().cgroup_missing) if bwrap_available() else True,
    reason="no cgroup here: run as root with cgroup v1/v2, or with a delegated v2 subtree",
)


@needs_cgroup
def test_processes_together_stay_within_the_memory_limit(tmp_path: Path) -> None:
    exercise = hostile_exercise(
        tmp_path,
        "memory",
        "def test_hold():\n    assert word_count.hold(4, 300) == 4\n",
        "run_seconds = 60\ntest_seconds = 30\nmemory_mb = 512",
    )
    source = (WORD_COUNT / "reference" / "word_count.py").read_text() + HOLD
    backend = Recording(BwrapBackend())
    card = grade_workspace(
        submission(tmp_path, "s", source), exercise=exercise, backend=backend
    )
    tests = hidden_results(card)
    assert tests["test_hold"]["status"] == "failed", tests["test_hold"]
    assert tests["test_counts_each_word"]["status"] == "passed"  # the run went on
    assert not backend.outcomes[0].out_of_memory
    assert backend.outcomes[0].integrity["cgroup"]["in_force"]


@needs_cgroup
def test_a_fork_bomb_is_capped(tmp_path: Path) -> None:
    exercise = hostile_exercise(
        tmp_path,
        "bomb",
        "def test_bomb():\n    assert word_count.bomb(400) == 400\n",
        "run_seconds = 60\ntest_seconds = 30",
    )
    source = (WORD_COUNT / "reference" / "word_count.py").read_text() + HOLD
    card = grade_workspace(
        submission(tmp_path, "s", source),
        exercise=exercise,
        backend=BwrapBackend(),
    )
    tests = hidden_results(card)
    assert tests["test_bomb"]["status"] == "failed", tests["test_bomb"]
    assert tests["test_counts_each_word"]["status"] == "passed"


@needs_cgroup
def test_a_busy_loop_does_not_starve_another_grading(tmp_path: Path) -> None:
    victim = submission(
        tmp_path, "victim", (WORD_COUNT / "reference" / "word_count.py").read_text()
    )
    plain = word_count_copy(tmp_path / "plain", "run_seconds = 60\ntest_seconds = 5")

    def grade_victim() -> float:
        started = time.monotonic()
        card = grade_workspace(victim, exercise=plain, backend=BwrapBackend())
        assert card.status == "pass", card.message
        return time.monotonic() - started

    grade_victim()  # warm caches
    solo = min(grade_victim(), grade_victim())
    marker = f"spin-{uuid.uuid4().hex}"
    hog = hostile_exercise(
        tmp_path,
        "hog",
        f"def test_spin():\n    assert word_count.spin(8, 40, {marker!r}) == 8\n",
        "run_seconds = 90\ntest_seconds = 60",
    )
    source = (WORD_COUNT / "reference" / "word_count.py").read_text() + HOLD
    hog_card: list[Scorecard] = []
    thread = threading.Thread(
        target=lambda: hog_card.append(
            grade_workspace(
                submission(tmp_path, "hog-s", source),
                exercise=hog,
                backend=BwrapBackend(),
            )
        )
    )
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not running(marker) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert running(marker), "the busy loops never started"
        time.sleep(1.0)  # every spinner is up
        contended = grade_victim()
    finally:
        thread.join()
    ratio = contended / solo
    print(f"solo {solo:.2f} s, beside a busy loop {contended:.2f} s, ratio {ratio:.2f}")
    # Measured here: 2.7 s alone, 7.6 s beside the busy loops (2 CPUs: the victim gets
    # one); without a cgroup the same pair took over 40 times the solo time.
    assert ratio < 4, f"solo {solo:.2f} s, beside a busy loop {contended:.2f} s"


def test_without_a_cgroup_the_level_is_reduced_and_says_why(
    word_count: Exercise, reference_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        cgroup, "create", lambda limits, parent: (None, "no cgroup v1 hierarchy at /x")
    )
    backend = BwrapBackend()
    card = grade_workspace(reference_copy, exercise=word_count, backend=backend)
    assert card.status == "pass", card.message  # the jail still grades
    assert card.integrity["level"] == REDUCED
    reason = card.integrity["level_reason"]
    assert "no cgroup v1 hierarchy at /x" in reason
    assert "root" in reason and "delegated cgroup v2" in reason
    assert card.integrity["cgroup"]["in_force"] is False
    assert backend.cgroup_missing  # said before a run too, for `grader batch`


@needs_cgroup
def test_with_jail_and_cgroup_the_level_is_full(
    word_count: Exercise, reference_copy: Path
) -> None:
    card = grade_workspace(reference_copy, exercise=word_count, backend=BwrapBackend())
    assert card.status == "pass", card.message
    assert card.integrity["level"] == FULL, card.integrity["level_reason"]
    assert card.integrity["cgroup"]["in_force"] is True
    assert json.loads(dumps(card))["integrity"]["student_jail"]
