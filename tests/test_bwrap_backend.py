"""The bubblewrap backend: full marks for the reference, and what the sandbox keeps out.

The probe exercise's hidden tests each assert that a breach *succeeded* (a TCP connection to
the host, a hidden test of another exercise read, a write into the submission); under bwrap
each must fail, and a control run on the local backend shows they pass without a sandbox.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from grader.catalog import load_exercise
from grader.catalog.loader import bundled_pack_root
from grader.catalog.model import Exercise
from grader.errors import BackendUnavailable
from grader.pipeline import grade_workspace
from grader.runner import LocalBackend
from grader.runner import bwrap_backend, cgroup
from grader.runner.backend import RunOutcome
from grader.runner.bwrap_backend import BwrapBackend, bwrap_available
from grader.runner.job import Job
from grader.scorecard.model import Scorecard

from .conftest import FIXTURE_PACK, WORD_COUNT

needs_bwrap = pytest.mark.skipif(
    not bwrap_available(),
    reason="bwrap cannot create namespaces here: install bubblewrap and allow "
    "unprivileged user namespaces (the probe `bwrap --unshare-all ... true` failed)",
)

PROBE_TOML = """\
slug = "probe"
stage = 1
version = "1.0.0"
title = { en = "Sandbox probe", zh = "沙箱探测" }
tasks = [{ id = 1, title = { en = "Probe", zh = "探测" } }]
files = { solution = ["probe.py"] }
limits = { run_seconds = 60, test_seconds = 10 }
checks = { tests = { weight = 100 } }
"""

PROBE_SOURCE = """\
import socket
import subprocess
import sys
from pathlib import Path

SAFE = {safe}


def ok():
    return 42


def connect(port):
    with socket.create_connection(("127.0.0.1", port), timeout=5):
        return "connected"


def resolve(host):
    return socket.getaddrinfo(host, 80)[0][4][0]


def read(path):
    return Path(path).read_text(encoding="utf-8")


def write_into(folder):
    (Path(folder) / "planted.txt").write_text("x")
    return "written"


def bomb():
    return 10**10 if SAFE else len(bytearray(10**10))


def spawn_many(n):
    if SAFE:
        return n
    children = []
    try:
        for _ in range(n):
            children.append(subprocess.Popen(["sleep", "60"]))
    finally:
        for child in children:
            child.kill()
            child.wait()
    return len(children)


def big_file(folder, megabytes):
    with open(Path(folder) / "big.bin", "wb") as stream:
        for _ in range(megabytes):
            stream.write(bytes(1024 * 1024))
    return megabytes


def many_files(n):
    handles = []
    try:
        for _ in range(n):
            handles.append(open("/dev/null"))
    finally:
        for handle in handles:
            handle.close()
    return len(handles)


def spawn_daemon(marker):
    if SAFE:
        return 1
    code = "import time; time.sleep(600)"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, marker],
        start_new_session=True,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return proc.pid
"""

PROBE_TESTS = """\
from pathlib import Path

import probe

# The trusted pytest reads its own copy of the suite: JOB/work/trusted/hidden/test_probe.py
JOB = Path(__file__).resolve().parents[3]


def test_runs():
    assert probe.ok() == 42


def test_connect_to_host():
    assert probe.connect({port}) == "connected"


def test_resolve_localhost():
    assert probe.resolve("localhost")


def test_write_submission():
    assert probe.write_into(str(JOB / "submission")) == "written"


def test_write_hidden():
    assert probe.write_into(str(JOB / "hidden")) == "written"


def test_memory_bomb():
    assert probe.bomb() == 10**10


def test_runs_after_bomb():
    assert probe.ok() == 42


def test_spawn_many():
    assert probe.spawn_many(300) == 300


def test_big_file():
    assert probe.big_file(str(JOB / "work" / "student"), 80) == 80


def test_many_files():
    assert probe.many_files(600) == 600


def test_spawn_daemon():
    assert probe.spawn_daemon({marker!r}) > 0
"""

LOOP = """
import subprocess
import sys
from pathlib import Path

daemon = subprocess.Popen(
    [sys.executable, "-c", "import time; time.sleep(600)", {marker!r}],
    start_new_session=True,
)
while True:
    pass
"""

READ_TEST = """

def test_read_{index}():
    assert probe.read({path!r})
"""


class Recording:
    """Wraps a backend to learn the job folders it ran, for the leftover-process check."""

    def __init__(self, inner: BwrapBackend | LocalBackend) -> None:
        self.inner = inner
        self.name = inner.name
        self.sandboxed = inner.sandboxed
        self.roots: list[Path] = []
        self.outcomes: list[RunOutcome] = []
        self.out_files: list[list[str]] = []

    def run(self, job: Job, on_progress: object = None) -> RunOutcome:
        self.roots.append(job.root)
        self.outcomes.append(self.inner.run(job))
        self.out_files.append(sorted(p.name for p in (job.root / "out").iterdir()))
        return self.outcomes[-1]


def secret_files() -> list[Path]:
    """A hidden test of other exercises in every pack a sandbox could stumble on."""
    packs = [bundled_pack_root(), FIXTURE_PACK]
    packs += [
        Path(s) / "grader" / "_bundled_exercises" for s in bwrap_backend._site_dirs()
    ]
    found = [next(iter(sorted(p.glob("stage*/*/hidden/*.py"))), None) for p in packs]
    return [f for f in found if f is not None]


def leftovers(*needles: str) -> list[str]:
    """Running processes whose command line mentions a needle (psutil is not required)."""
    deadline = time.monotonic() + 2.0  # the kernel reaps a torn-down namespace quickly
    while True:
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except (OSError, UnicodeDecodeError):
                continue
            if any(n in cmd for n in needles):
                found.append(f"{entry.name}: {cmd[:200]}")
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def word_count_copy(tmp_path: Path, limits: str) -> Exercise:
    """A copy of the fixture exercise with its [limits] table replaced."""
    root = tmp_path / "pack" / "stage1" / "word-count"
    shutil.copytree(WORD_COUNT, root)
    toml = (root / "exercise.toml").read_text(encoding="utf-8")
    head, _, rest = toml.partition("[limits]")
    rest = rest[rest.index("\n[") :]
    (root / "exercise.toml").write_text(f"{head}[limits]\n{limits}\n{rest}")
    return load_exercise(root)


def looping_submission(tmp_path: Path, marker: str) -> Path:
    """The reference, plus a detached daemon started and an endless loop at import time."""
    workspace = tmp_path / "submission"
    shutil.copytree(WORD_COUNT / "reference", workspace)
    source = (workspace / "word_count.py").read_text(encoding="utf-8")
    (workspace / "word_count.py").write_text(source + LOOP.format(marker=marker))
    return workspace


@pytest.fixture(scope="module")
def listener() -> Iterator[int]:
    """A host TCP port that accepts connections (the kernel completes the handshake)."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(16)
        yield server.getsockname()[1]


@pytest.fixture(scope="module")
def probe(
    tmp_path_factory: pytest.TempPathFactory, listener: int
) -> tuple[Exercise, Path, str, list[Path]]:
    """The probe exercise, a workspace root, a daemon marker and the secret files read."""
    base = tmp_path_factory.mktemp("probe")
    root = base / "pack" / "stage1" / "probe"
    (root / "hidden").mkdir(parents=True)
    (root / "exercise.toml").write_text(PROBE_TOML, encoding="utf-8")
    marker = f"bwrap-daemon-{uuid.uuid4().hex}"
    secrets = secret_files()
    tests = PROBE_TESTS.format(port=listener, marker=marker)
    tests += "".join(
        READ_TEST.format(index=i, path=str(p)) for i, p in enumerate(secrets)
    )
    (root / "hidden" / "test_probe.py").write_text(tests, encoding="utf-8")
    return load_exercise(root), base, marker, secrets


def grade_probe(
    probe: tuple[Exercise, Path, str, list[Path]], backend: Recording, safe: bool
) -> dict[str, dict[str, str]]:
    exercise, base, _, _ = probe
    workspace = base / f"submission-{uuid.uuid4().hex[:8]}"
    workspace.mkdir()
    (workspace / "probe.py").write_text(PROBE_SOURCE.format(safe=safe))
    card = grade_workspace(workspace, exercise=exercise, backend=backend)
    assert "tests" in card.checks[0].details, card.message
    tests = card.checks[0].details["tests"]
    return {t["id"].split("::")[-1]: t for t in tests}


@pytest.fixture(scope="module")
def sandboxed_probe(
    probe: tuple[Exercise, Path, str, list[Path]],
) -> tuple[dict[str, dict[str, str]], Recording]:
    backend = Recording(BwrapBackend())
    return grade_probe(probe, backend, safe=False), backend


@needs_bwrap
def test_reference_gets_full_marks(word_count: Exercise, reference_copy: Path) -> None:
    card = grade_workspace(reference_copy, exercise=word_count, backend=BwrapBackend())
    assert card.status == "pass", card.message
    assert card.score == card.max_score == 100
    assert card.runner.backend == "bwrap" and card.runner.sandboxed
    assert card.integrity["isolation"] == "bwrap"
    assert "net" in card.integrity["unshared"] and "user" in card.integrity["unshared"]
    assert card.integrity["rlimits"]["nofile"] == 512
    assert "cgroup" in card.integrity


@needs_bwrap
def test_control_run_without_sandbox_lets_the_breaches_through(
    probe: tuple[Exercise, Path, str, list[Path]],
) -> None:
    """Proves the probe has teeth: the same hidden tests pass on the local backend."""
    tests = grade_probe(probe, Recording(LocalBackend()), safe=True)
    expected = [
        "connect_to_host",
        "resolve_localhost",
        "write_submission",
        "write_hidden",
    ]
    expected += [f"read_{i}" for i in range(len(probe[3]))]
    for name in expected:
        assert tests[f"test_{name}"]["status"] == "passed", tests[f"test_{name}"]


@needs_bwrap
def test_ordinary_code_runs(sandboxed_probe: tuple[dict, Recording]) -> None:
    tests, backend = sandboxed_probe
    assert tests["test_runs"]["status"] == "passed"
    assert backend.outcomes[0].exit_code == 0


@needs_bwrap
@pytest.mark.parametrize(
    "name, error",
    [
        ("connect_to_host", "ConnectionRefusedError"),
        ("resolve_localhost", "gaierror"),
        ("write_submission", "Read-only file system"),
        ("write_hidden", "No such file or directory"),  # not in the jail at all
        ("big_file", "File too large"),  # RLIMIT_FSIZE, below the 128 MB work tmpfs
        ("many_files", "Too many open files"),
    ],
)
def test_breach_fails(
    sandboxed_probe: tuple[dict, Recording], name: str, error: str
) -> None:
    test = sandboxed_probe[0][f"test_{name}"]
    assert test["status"] == "failed"
    assert error in test["message"] + test["output"]


@needs_bwrap
def test_process_count_is_limited(sandboxed_probe: tuple[dict, Recording]) -> None:
    tests, backend = sandboxed_probe
    integrity = backend.outcomes[0].integrity
    if os.getuid() == 0 and not integrity["cgroup"]["in_force"]:
        # The kernel exempts root from RLIMIT_NPROC: only a cgroup's pids.max binds.
        assert "not enforced" in integrity["rlimits"]["nproc"]
        pytest.skip("no cgroup, and RLIMIT_NPROC does not bind a root caller")
    assert tests["test_spawn_many"]["status"] == "failed"
    assert "Resource temporarily unavailable" in tests["test_spawn_many"]["message"]


@needs_bwrap
def test_hidden_tests_of_other_exercises_are_unreadable(
    sandboxed_probe: tuple[dict, Recording],
    probe: tuple[Exercise, Path, str, list[Path]],
) -> None:
    assert probe[3], "no pack with hidden tests found to probe"
    for index, path in enumerate(probe[3]):
        test = sandboxed_probe[0][f"test_read_{index}"]
        assert test["status"] == "failed", path
        assert "FileNotFoundError" in test["message"] + test["output"], test


@needs_bwrap
def test_memory_bomb_fails_its_test_not_the_run(
    sandboxed_probe: tuple[dict, Recording],
) -> None:
    tests, backend = sandboxed_probe
    assert tests["test_memory_bomb"]["status"] == "failed"
    assert "MemoryError" in tests["test_memory_bomb"]["message"]
    assert tests["test_runs_after_bomb"]["status"] == "passed"
    assert not backend.outcomes[0].out_of_memory


@needs_bwrap
def test_daemons_die_with_the_sandbox(
    sandboxed_probe: tuple[dict, Recording],
    probe: tuple[Exercise, Path, str, list[Path]],
) -> None:
    tests, backend = sandboxed_probe
    assert tests["test_spawn_daemon"]["status"] == "passed"  # it did start one
    assert leftovers(probe[2], str(backend.roots[0])) == []


def grade_looping(
    tmp_path: Path, limits: str
) -> tuple[Scorecard, Recording, str, float, bool]:
    """Grade the looping submission; also whether its daemon was seen running."""
    exercise = word_count_copy(tmp_path, limits)
    marker = f"bwrap-loop-{uuid.uuid4().hex}"
    workspace = looping_submission(tmp_path, marker)
    backend = Recording(BwrapBackend())
    seen: list[bool] = []
    done = threading.Event()

    def watch() -> None:  # the sandbox shows nothing outside: look from the host
        while not done.is_set() and not seen:
            if running(marker):
                seen.append(True)
            time.sleep(0.1)

    watcher = threading.Thread(target=watch)
    watcher.start()
    started = time.monotonic()
    try:
        card = grade_workspace(workspace, exercise=exercise, backend=backend)
    finally:
        done.set()
        watcher.join()
    return card, backend, marker, time.monotonic() - started, bool(seen)


def running(needle: str) -> bool:
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and needle.encode() in (
                (entry / "cmdline").read_bytes()
            ):
                return True
        except OSError:
            continue
    return False


@needs_bwrap
def test_import_time_loop_ends_in_an_error_scorecard(tmp_path: Path) -> None:
    card, backend, marker, seconds, seen = grade_looping(
        tmp_path, "run_seconds = 12\ntest_seconds = 2"
    )
    assert card.status == "error", card.message
    assert seconds < 12 + bwrap_backend.HOST_MARGIN_SECONDS
    assert seen  # the import did run, and spawned it
    assert leftovers(marker, str(backend.roots[0])) == []


@needs_bwrap
def test_host_deadline_kills_the_whole_sandbox(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The host's own deadline, made to fire first: the run is marked timed out."""
    monkeypatch.setattr(bwrap_backend, "HOST_MARGIN_SECONDS", -32.0)  # 8 s of 40
    card, backend, marker, seconds, seen = grade_looping(
        tmp_path, "run_seconds = 40\ntest_seconds = 2"
    )
    assert backend.outcomes[0].timed_out and backend.outcomes[0].exit_code == -9
    assert card.status == "error" and "longer than 40 s" in card.message
    assert seconds < 20
    assert seen
    # Killing bwrap took the sandbox with it, the daemon in its own session included.
    assert leftovers(marker, str(backend.roots[0])) == []


@needs_bwrap
def test_cgroup_wiring_with_a_stand_in_folder(
    tmp_path: Path,
    probe: tuple[Exercise, Path, str, list[Path]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No delegated cgroup v2 here: a plain folder checks the join-then-exec plumbing."""
    parent = tmp_path / "cgroup"
    parent.mkdir()
    monkeypatch.setattr(cgroup.Cgroup, "remove", lambda self: None)  # to look inside
    backend = Recording(BwrapBackend(cgroup_parent=parent))
    tests = grade_probe(probe, backend, safe=True)
    assert tests["test_runs"]["status"] == "passed"
    (child,) = parent.iterdir()
    assert int((child / "cgroup.procs").read_text()) > 1  # the sandbox's first process
    assert (child / "memory.max").read_text() == str(512 * bwrap_backend.MB)
    assert (child / "pids.max").read_text() == str(bwrap_backend.PROCESSES)
    record = backend.outcomes[0].integrity["cgroup"]
    assert record["limits"].startswith("v2 ")
    # A folder with no cpu.max has no cpu controller: the run says what it lacked.
    assert not record["in_force"] and "cpu" in record["missing"]


@needs_bwrap
def test_older_bwrap_without_size_or_disable_userns(
    probe: tuple[Exercise, Path, str, list[Path]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """bwrap before 0.8 lacks --size and --disable-userns: it still grades, and says so."""
    monkeypatch.setattr(bwrap_backend, "_options", lambda: frozenset())
    backend = Recording(BwrapBackend())
    tests = grade_probe(probe, backend, safe=True)
    assert tests["test_runs"]["status"] == "passed"
    integrity = backend.outcomes[0].integrity
    assert integrity["tmpfs_mb"].startswith("unbounded")
    assert integrity["nested_user_namespaces"] is True


def fake_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bwrap: str | None
) -> None:
    """A PATH holding only prlimit and, when given, a `bwrap` shell script."""
    folder = tmp_path / "bin"
    folder.mkdir()
    (folder / "prlimit").symlink_to(shutil.which("prlimit") or "/usr/bin/prlimit")
    if bwrap is not None:
        (folder / "bwrap").write_text(f"#!/bin/sh\n{bwrap}\n")
        (folder / "bwrap").chmod(0o755)
    monkeypatch.setenv("PATH", str(folder))
    bwrap_backend._problem.cache_clear()


@pytest.fixture
def fresh_probe() -> Iterator[None]:
    bwrap_backend._problem.cache_clear()
    yield
    bwrap_backend._problem.cache_clear()  # the real answer again for later tests


def test_missing_bwrap_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_probe: None
) -> None:
    fake_path(tmp_path, monkeypatch, bwrap=None)
    assert not bwrap_available()
    with pytest.raises(BackendUnavailable, match="apt-get install bubblewrap"):
        BwrapBackend()


def test_namespace_failure_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_probe: None
) -> None:
    denied = "echo 'bwrap: setting up uid map: Permission denied' >&2; exit 1"
    fake_path(tmp_path, monkeypatch, bwrap=denied)
    with pytest.raises(BackendUnavailable) as info:
        BwrapBackend()
    message = info.value.message
    assert "cannot create namespaces here (bwrap: setting up uid map" in message
    assert "\n" not in message and "--backend docker or local" in message


def test_a_python_under_tmp_is_put_back_into_the_jail(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A virtualenv under /tmp (a CI clone) is bound on top of the sandbox's /tmp; the jail's
    fresh /tmp must not hide it again, or no student process can start."""
    import sys

    from grader.sandbox import jail

    venv = tmp_path / "venv"
    venv.mkdir()
    assert str(venv).startswith("/tmp/")
    monkeypatch.setattr(sys, "prefix", str(venv))
    jail.python_under_tmpfs.cache_clear()
    try:
        argv = jail.jail_argv(cwd=tmp_path, readable=[], writable=[])
    finally:
        jail.python_under_tmpfs.cache_clear()
    hidden_at = argv.index("/tmp", argv.index("--tmpfs"))
    binds = [argv[i + 1] for i, a in enumerate(argv) if a == "--ro-bind"]
    assert str(venv) in binds
    assert argv.index(str(venv)) > hidden_at
