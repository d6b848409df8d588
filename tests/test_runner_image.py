"""The runner image: staleness hash, mirror discovery, build errors; and, marked
`docker`, the offline base, the image itself and doctor against the real engine.

Per session, the docker tests build one runner image (on the default base, which the
build bootstraps when it is missing) under a throw-away tag; the two bootstrap tests,
also marked `slow` (`-m "docker and not slow"` skips them), bootstrap one base. They
skip when no engine is reachable.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from grader.runner import image as img
from grader.runner import image_base, image_doctor

REPO = Path(__file__).resolve().parents[1]

SUFFIX = uuid.uuid4().hex[:8]
DEB822 = """\
Types: deb
URIs: http://security.example/debian-security
Suites: bookworm-security
Components: main

Types: deb
URIs: http://disabled.example/debian
Suites: bookworm
Enabled: no

# the one apt would use for bookworm
Types: deb deb-src
# a comment inside a stanza, as Debian's own debian.sources has
URIs: http://mirror.example/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /nonexistent/keyring.gpg
"""


# --- unit tests: no engine ---------------------------------------------------------


def test_staleness_hash_follows_dockerfile_and_requirements() -> None:
    reqs = ["pytest>=8", "black>=24"]
    first = img.staleness_hash(b"FROM a\n", reqs)
    assert re.fullmatch(r"[0-9a-f]{64}", first)
    assert first == img.staleness_hash(b"FROM a\n", list(reversed(reqs)))
    assert first != img.staleness_hash(b"FROM b\n", reqs)
    assert first != img.staleness_hash(b"FROM a\n", ["pytest>=9", "black>=24"])
    assert first != img.staleness_hash(b"FROM a\n", [*reqs, "coverage>=7"])


def test_current_hash_covers_the_checkout(tmp_path: Path) -> None:
    with pytest.raises(img.ImageError, match="checkout"):
        img.current_hash(tmp_path)
    (tmp_path / "Dockerfile").write_text("FROM a\n")
    with pytest.raises(img.ImageError, match="pyproject.toml"):
        img.current_hash(tmp_path)
    pyproject = tmp_path / "pyproject.toml"
    extra = '[project]\nversion = "1.2"\n[project.optional-dependencies]\nexercises = [{}]\n'
    pyproject.write_text(extra.format('"numpy>=1.26"'))
    assert img.requirements(tmp_path)[-1] == "grader-harness"
    assert "numpy>=1.26" in img.requirements(tmp_path)
    first = img.current_hash(tmp_path)
    pyproject.write_text(extra.format('"numpy>=1.26", "pandas>=2.1"'))
    with_pandas = img.current_hash(tmp_path)
    assert with_pandas != first
    (tmp_path / "Dockerfile").write_text("FROM b\n")
    assert img.current_hash(tmp_path) != with_pandas
    assert img.grader_version(tmp_path) == "1.2"


def test_repo_hash_is_stable() -> None:
    assert img.current_hash() == img.current_hash()
    assert set(img.RUNNER_REQUIREMENTS) <= set(img.requirements())
    # The exercises' libraries are the ones the host installs with grader-harness[exercises].
    assert "pandas>=2.1" in img.exercise_libraries()


def test_the_image_installs_the_tools_each_sandbox_check_declares() -> None:
    from grader.registry.checks import declarations

    for declared in declarations("sandbox"):
        assert set(declared.tools) <= set(img.requirements()), declared.id
    assert "mypy==2.4.1" in img.RUNNER_REQUIREMENTS


def test_a_pure_python_tool_replaces_its_compiled_wheel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "mypy-2.4.1-cp311-cp311-manylinux_2_28_x86_64.whl").write_bytes(b"")
    (tmp_path / "mypy_extensions-1.2.0-py3-none-any.whl").write_bytes(b"")
    commands: list[list[str]] = []

    def download(what: str, cmd: list[str], progress: Any, fix: str) -> None:
        commands.append(cmd)
        (tmp_path / "mypy-2.4.1-py3-none-any.whl").write_bytes(b"")

    monkeypatch.setattr(img, "_run", download)
    img._pure_python_wheels(tmp_path, ["pip"], lambda line: None)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "mypy-2.4.1-py3-none-any.whl",
        "mypy_extensions-1.2.0-py3-none-any.whl",
    ]
    assert commands[0][-1] == "mypy==2.4.1"
    assert "--no-deps" in commands[0] and "--platform" in commands[0]
    img._pure_python_wheels(tmp_path, ["pip"], lambda line: None)
    assert len(commands) == 1  # a pure wheel stays


def test_mirror_comes_from_the_apt_sources(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GRADER_DEBIAN_MIRROR", raising=False)
    apt = tmp_path / "apt"
    (apt / "sources.list.d").mkdir(parents=True)
    (apt / "sources.list.d" / "debian.sources").write_text(DEB822)
    # apt ignores other extensions, and so must we.
    (apt / "sources.list.d" / "x.list.disabled").write_text(
        "deb http://wrong.example/debian bookworm main\n"
    )
    assert image_base.find_debian_mirror("bookworm", roots=[apt]) == (
        "http://mirror.example/debian",
        None,  # a Signed-By file that does not exist is not passed on
    )
    (apt / "sources.list").write_text(
        "# deb http://commented.example/debian bookworm main\n"
        "deb [arch=amd64 signed-by=/x.gpg] http://one.example/debian bookworm main\n"
    )
    assert image_base.find_debian_mirror("bookworm", roots=[apt])[0] == (
        "http://one.example/debian"
    )
    with pytest.raises(img.ImageError, match="GRADER_DEBIAN_MIRROR"):
        image_base.find_debian_mirror("trixie", roots=[apt])
    monkeypatch.setenv("GRADER_DEBIAN_MIRROR", "http://override.example/debian")
    assert image_base.find_debian_mirror("trixie", roots=[apt])[0].startswith(
        "http://over"
    )


def test_failed_build_keeps_the_last_40_lines() -> None:
    seen: list[str] = []
    stream: list[dict[str, Any]] = [{"stream": f"step {i}\n"} for i in range(100)]
    stream.append({"error": "RUN failed", "errorDetail": {"message": "RUN failed"}})
    with pytest.raises(img.ImageError) as caught:
        img.consume_build(stream, seen.append)
    message = str(caught.value)
    first, *rest = message.splitlines()
    assert "RUN failed" in first and "build" in first
    assert len(rest) == 40 and rest[-1] == "RUN failed" and rest[0] == "step 61"
    assert isinstance(caught.value, RuntimeError)
    assert len(seen) == 100


def test_build_stream_gives_the_image_and_the_builder_stage() -> None:
    lines = ["Step 1/3 : FROM base AS builder", " ---> 1111", "Step 2/3 : RUN x",
             " ---> Running in 99", " ---> 2222", "Step 3/3 : FROM base", " ---> 1111",
             "Successfully built 3333"]  # fmt: skip
    stream: list[dict[str, Any]] = [{"stream": line + "\n"} for line in lines]
    stream.append({"aux": {"ID": "sha256:3333"}})
    assert img.consume_build(stream, lambda line: None) == ("sha256:3333", ["2222"])


def test_doctor_reports_an_unreachable_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    findings = {f.name: f for f in image_doctor.doctor()}
    assert not findings["engine"].ok
    assert "dockerd" in findings["engine"].fix
    assert "bwrap" in findings


# --- against the real engine ---------------------------------------------------------


@pytest.fixture(scope="session")
def engine() -> Any:
    try:
        return img._client(timeout=120)
    except img.ImageError as exc:
        pytest.skip(str(exc).splitlines()[0])


def has_image(engine: Any, tag: str) -> bool:
    return bool(engine.images.list(name=tag))


@pytest.fixture(scope="session")
def base_image(engine: Any) -> Iterator[str]:
    """A base this session bootstraps: the default tag when it is missing (so the
    runner build reuses it instead of bootstrapping again), else a throw-away tag."""
    if os.geteuid() != 0 or shutil.which("debootstrap") is None:
        pytest.skip("bootstrapping the base needs root and debootstrap")
    keep = not has_image(engine, img.DEFAULT_BASE)
    tag = img.DEFAULT_BASE if keep else f"grader-test-base:{SUFFIX}"
    start = time.monotonic()
    image_base.bootstrap_base(tag)
    print(f"\nbootstrap_base: {time.monotonic() - start:.0f}s")
    yield tag
    if not keep:
        engine.images.remove(tag, force=True)


@pytest.fixture(scope="session")
def runner_image(engine: Any) -> Iterator[str]:
    tag = f"grader-test-runner:{SUFFIX}"
    start = time.monotonic()
    img.build_image(tag, base=img.DEFAULT_BASE)
    size = engine.images.get(tag).attrs["Size"]
    print(f"\nbuild_image: {time.monotonic() - start:.0f}s, {size / 1e6:.1f} MB")
    yield tag
    engine.images.remove(tag, force=True)


def run(engine: Any, tag: str, cmd: list[str]) -> tuple[int, str]:
    """Run `cmd` in a fresh container locked down the way grading runs are."""
    container = engine.containers.run(
        tag, cmd, detach=True, network_mode="none", read_only=True,
        cap_drop=["ALL"], security_opt=["no-new-privileges"],
        tmpfs={"/tmp": "size=64m"}, mem_limit="512m", pids_limit=128,
    )  # fmt: skip
    try:
        status = container.wait(timeout=120)["StatusCode"]
        return status, container.logs().decode(errors="replace")
    finally:
        container.remove(force=True)


@pytest.mark.docker
@pytest.mark.slow
def test_bootstrap_base_has_python_311(engine: Any, base_image: str) -> None:
    for python in ("python", "python3"):
        status, out = run(engine, base_image, [python, "-c", "import sys, ssl; "
                          "print(sys.version.split()[0])"])  # fmt: skip
        assert status == 0 and out.startswith("3.11."), out
    labels = engine.images.get(base_image).labels
    assert labels["io.grader.base"].startswith("debootstrap-")


@pytest.mark.docker
@pytest.mark.slow
def test_bootstrap_base_is_lean_and_has_no_network_tools(
    engine: Any, base_image: str
) -> None:
    script = (
        "for t in curl wget nc ncat netcat ssh scp telnet ping ip ftp socat gcc make; "
        'do command -v "$t" && exit 1; done; '
        "find /usr/share/man /usr/share/locale -mindepth 1 ! -name locale.alias "
        "| grep . && exit 2; "
        'test -z "$(ls /var/lib/apt/lists | grep -v -x -e lock -e partial)" || exit 3'
    )
    status, out = run(engine, base_image, ["sh", "-c", script])
    assert status == 0, out
    assert engine.images.get(base_image).attrs["Size"] <= 200 * 1000 * 1000


@pytest.mark.docker
def test_runner_image_fits_the_size_limit(engine: Any, runner_image: str) -> None:
    assert engine.images.get(runner_image).attrs["Size"] <= img.SIZE_LIMIT_BYTES


@pytest.mark.docker
@pytest.mark.parametrize(
    "cmd, expected",
    [
        (["python", "-m", "pytest", "--version"], "pytest 8|pytest 9"),
        (["flake8", "--version"], r"^\d+\.\d+"),
        (["black", "--version"], "^black"),
        (["coverage", "--version"], "Coverage.py"),
        (["python", "-m", "mypy", "--version"], r"^mypy \d+\.\d+"),
        (["id", "-u"], "^10001$"),
    ],
)
def test_runner_tools_run_as_the_grader_user(
    engine: Any, runner_image: str, cmd: list[str], expected: str
) -> None:
    status, out = run(engine, runner_image, cmd)
    assert status == 0, out
    assert re.search(expected, out.strip(), re.M), out


@pytest.mark.docker
def test_runner_holds_only_what_grading_needs(engine: Any, runner_image: str) -> None:
    script = (
        "id -u student | grep -qx 10002 || exit 1; "
        'for t in gcc cc make pip pip3; do command -v "$t" && exit 2; done; '
        "test ! -e /wheelhouse && test ! -e /root/.cache/pip || exit 3; "
        "python -c 'import pip' 2>/dev/null && exit 4; "
        # the wheel bundles hidden tests and reference solutions: they must be gone
        "find / -xdev -name _bundled_exercises | grep . && exit 5; "
        'test "$(cat /proc/1/comm)" = dumb-init || exit 6; '
        "python -c 'import grader.sandbox.entrypoint' || exit 7"
    )
    status, out = run(engine, runner_image, ["sh", "-c", script])
    assert status == 0, out
    labels = engine.images.get(runner_image).labels
    assert labels[img.LABEL_HASH] == img.current_hash()
    assert "pytest==" in labels[img.LABEL_WHEELS]


@pytest.mark.docker
def test_doctor_is_happy_when_everything_is_there(runner_image: str) -> None:
    findings = image_doctor.doctor(runner_image, base=img.DEFAULT_BASE)
    assert [f for f in findings if not f.ok] == []
    names = {f.name for f in findings}
    assert {
        "engine",
        "base-image",
        "runner-image",
        "image-stale",
        "image-size",
    } <= names
    size = next(f for f in findings if f.name == "image-size")
    assert re.match(r"\d+\.\d MB", size.detail)


@pytest.mark.docker
def test_doctor_reports_a_missing_image_with_the_fix(engine: Any) -> None:
    missing = f"grader-runner:does-not-exist-{SUFFIX}"
    findings = {f.name: f for f in image_doctor.doctor(missing)}
    assert findings["engine"].ok
    runner = findings["runner-image"]
    assert not runner.ok and "not found" in runner.detail
    assert "build" in runner.fix and missing in runner.fix
    assert "image-stale" not in findings


@pytest.mark.slow
def test_a_wheel_install_builds_from_a_context_like_a_checkout(tmp_path: Path) -> None:
    """`grader runner build` works from `pip install git+URL` too, with no checkout."""
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", tmp_path, REPO],
        check=True,
    )
    (wheel,) = tmp_path.glob("grader_harness-*.whl")
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    probe = (
        "import subprocess, sys\n"
        "from grader.runner import image\n"
        "with image.build_context() as context:\n"
        "    names = sorted(p.name for p in context.iterdir())\n"
        "    print(names)\n"
        "    print(image.exercise_libraries(context))\n"
        "    print(image.current_hash(context))\n"
        "    print((context / 'exercises' / 'stage1' / 'grade-book').is_dir())\n"
        "    subprocess.run([sys.executable, '-m', 'pip', 'wheel', '-q', '--no-deps',\n"
        "                    '-w', sys.argv[1] + '/rebuilt', str(context)], check=True)\n"
        "print(context.exists())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, str(tmp_path)],
        env={**os.environ, "PYTHONPATH": str(site)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    names, libraries, digest, has_pack, kept = done.stdout.splitlines()
    for name in ("Dockerfile", "pyproject.toml", "grader", "exercises"):
        assert f"'{name}'" in names
    assert "pandas>=2.1" in libraries
    assert len(digest) == 64
    assert has_pack == "True"
    assert kept == "False", "the temporary context is removed after the build"
    assert list((tmp_path / "rebuilt").glob("grader_harness-*.whl"))
