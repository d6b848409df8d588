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


STAGE_EXTRAS = "".join(
    f"exercises-stage{n} = [{{}}]\n" if n == 2 else f"exercises-stage{n} = []\n"
    for n in img.STAGES
)


def test_current_hash_covers_the_checkout(tmp_path: Path) -> None:
    with pytest.raises(img.ImageError, match="checkout"):
        img.current_hash(tmp_path)
    (tmp_path / "Dockerfile").write_text("FROM a\n")
    with pytest.raises(img.ImageError, match="pyproject.toml"):
        img.current_hash(tmp_path)
    pyproject = tmp_path / "pyproject.toml"
    extra = '[project]\nversion = "1.2"\n[project.optional-dependencies]\n'
    extra += "exercises = [{}]\n" + STAGE_EXTRAS
    pyproject.write_text(extra.format('"numpy>=1.26"', '"numpy>=1.26"'))
    assert img.requirements(tmp_path)[len(img.core_requirements()) - 1] == (
        img.DISTRIBUTION
    )
    assert "numpy>=1.26" in img.requirements(tmp_path)
    first, stage2, stage3 = (
        img.current_hash(tmp_path),
        img.stage_hash(2, tmp_path),
        img.stage_hash(3, tmp_path),
    )
    pyproject.write_text(extra.format('"numpy>=1.26"', '"numpy>=1.26", "pandas>=2.1"'))
    # A stage's libraries make that stage's image stale, and only that one.
    assert img.current_hash(tmp_path) == first
    assert img.stage_hash(2, tmp_path) != stage2
    assert img.stage_hash(3, tmp_path) == stage3
    (tmp_path / "Dockerfile").write_text("FROM b\n")
    # The core's recipe makes every image stale: each stage is built on it.
    assert img.current_hash(tmp_path) != first
    assert img.stage_hash(3, tmp_path) != stage3
    assert img.grader_version(tmp_path) == "1.2"


def test_a_missing_stage_extra_says_what_to_add(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nversion = "1"\n[project.optional-dependencies]\nexercises = []\n'
    )
    with pytest.raises(img.ImageError, match="exercises-stage2.*empty list"):
        img.exercise_libraries(tmp_path, 2)


def test_exercises_is_every_stage_s_libraries() -> None:
    """Hosts install `exercises` to grade every stage locally: it must hold what each
    stage's image holds, and nothing else."""
    union = {lib for n in img.STAGES for lib in img.exercise_libraries(stage=n)}
    assert set(img.exercise_libraries()) == union
    # git is for stage 1's Git exercise; each image must be able to grade its stage.
    assert img.STAGE_DEBIAN_PACKAGES[1] == ("git",)
    assert "matplotlib>=3.8" in img.exercise_libraries(stage=2)
    assert "scikit-learn>=1.4" in img.exercise_libraries(stage=3)


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


class FakeImages:
    """The engine's images: `present` are there, anything else is not found."""

    def __init__(self, present: set[str]) -> None:
        self.present = present

    def get(self, name: str) -> Any:
        import docker.errors

        if name not in self.present:
            raise docker.errors.ImageNotFound(name)
        return name


def backend_with(present: set[str], forced: str | None = None) -> Any:
    from types import SimpleNamespace

    from grader.runner.docker_backend import DockerBackend

    backend = DockerBackend.__new__(DockerBackend)
    backend.client = SimpleNamespace(images=FakeImages(present))
    backend.forced_image = forced
    return backend


def test_an_exercise_is_graded_in_its_stage_s_image() -> None:
    from grader.errors import BackendUnavailable
    from grader.runner.docker_backend import stage_image

    every = {stage_image(n) for n in img.STAGES}
    for stage in img.STAGES:
        exercise = SimpleExercise(stage)
        assert backend_with(every).image_for(exercise) == f"grader-runner:stage{stage}"
    # One forced image grades everything (a test's throw-away tag, say).
    assert backend_with(every, "mine:1").image_for(SimpleExercise(3)) == "mine:1"
    with pytest.raises(BackendUnavailable, match="build --stage 3"):
        backend_with(every - {stage_image(3)}).image_for(SimpleExercise(3))
    with pytest.raises(BackendUnavailable, match="stage 7.*one of"):
        backend_with(every).image_for(SimpleExercise(7))


class SimpleExercise:
    def __init__(self, stage: int) -> None:
        self.stage = stage
        self.qualified_slug = f"stage{stage}/x"


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


# The test session builds the core and these stages under throw-away tags.
TEST_STAGES = (1, 2)


def throwaway_tag(stage: int | None) -> str:
    return f"grader-test-runner:{'core' if stage is None else f'stage{stage}'}-{SUFFIX}"


@pytest.fixture(scope="session")
def runner_images(engine: Any) -> Iterator[dict[int | None, str]]:
    """{None: the core's tag, stage: its image's tag} for the TEST_STAGES."""
    start = time.monotonic()
    img.build_images(
        TEST_STAGES,
        base=img.DEFAULT_BASE,
        core_tag=throwaway_tag(None),
        tag_for=throwaway_tag,
    )
    tags: dict[int | None, str] = {n: throwaway_tag(n) for n in (None, *TEST_STAGES)}
    sizes = ", ".join(
        f"{tag} {engine.images.get(tag).attrs['Size'] / 1e6:.1f} MB"
        for tag in tags.values()
    )
    print(f"\nbuild_images: {time.monotonic() - start:.0f}s, {sizes}")
    yield tags
    for tag in reversed(list(tags.values())):
        engine.images.remove(tag, force=True)


@pytest.fixture(scope="session")
def runner_image(runner_images: dict[int | None, str]) -> str:
    """Stage 1's image: the core's tools plus git."""
    return runner_images[1]


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
    assert not image_base.outdated_bootstrap(labels)


@pytest.mark.docker
@pytest.mark.slow
def test_bootstrap_base_has_pip_usable_as_root_like_python_slim(
    engine: Any, base_image: str
) -> None:
    """A student's `RUN pip install -r requirements.txt` as root works as on the official
    python:3.11-slim: pip on PATH, no "externally managed" refusal, venv with pip."""
    script = (
        "command -v pip | grep -qx /usr/local/bin/pip || exit 1; "
        "pip --version | grep -q 'python 3.11' || exit 2; "
        "pip install --no-index no-such-package > /tmp/out 2>&1; "
        "grep -q externally-managed /tmp/out && exit 3; "
        "grep -q 'No matching distribution' /tmp/out || exit 4; "
        "python -m venv /tmp/venv && /tmp/venv/bin/python -m pip --version || exit 5; "
        'test -n "$PYTHON_VERSION" || exit 6'
    )
    status, out = run(engine, base_image, ["sh", "-c", script])
    assert status == 0, out


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
def test_each_runner_image_fits_the_size_limit(
    engine: Any, runner_images: dict[int | None, str]
) -> None:
    for tag in runner_images.values():
        assert engine.images.get(tag).attrs["Size"] <= img.SIZE_LIMIT_BYTES, tag


@pytest.mark.docker
def test_stage_images_are_the_core_plus_one_layer(
    engine: Any, runner_images: dict[int | None, str]
) -> None:
    """The stages share the core's layers (stored once), and run as the core does."""
    core = engine.images.get(runner_images[None])
    for stage in TEST_STAGES:
        image = engine.images.get(runner_images[stage])
        layers = image.attrs["RootFS"]["Layers"]
        assert layers[:-1] == core.attrs["RootFS"]["Layers"], stage
        for key in ("User", "Entrypoint", "Cmd", "WorkingDir", "Env"):
            assert image.attrs["Config"][key] == core.attrs["Config"][key], key
        labels = image.labels
        assert labels[img.LABEL_STAGE] == str(stage)
        assert labels[img.LABEL_HASH] == img.stage_hash(stage)


@pytest.mark.docker
def test_stage_1_reads_a_git_bundle(engine: Any, runner_image: str) -> None:
    """The Git exercise's submission is a `git bundle`: the sandbox verifies and reads it."""
    script = (
        "set -e; cd /tmp; export HOME=/tmp; git init -q -b main r; cd r; "
        "git -c user.name=a -c user.email=a@b commit -q --allow-empty -m 'feat: one'; "
        "git bundle create -q /tmp/s.bundle main; git bundle verify -q /tmp/s.bundle; "
        "cd /tmp; git clone -q -b main /tmp/s.bundle c; "
        "git -C c log --format=%s"
    )
    status, out = run(engine, runner_image, ["sh", "-c", script])
    assert status == 0 and out.strip().endswith("feat: one"), out


@pytest.mark.docker
def test_stage_2_draws_with_its_libraries(
    engine: Any, runner_images: dict[int | None, str]
) -> None:
    """Stage 2's libraries import under the grading user, and Matplotlib finds its font
    cache in the image (no rebuild, no warning) on the read-only root."""
    probe = (
        "import time; t = time.monotonic(); import matplotlib; "
        "matplotlib.use('Agg'); import matplotlib.pyplot as plt; "
        "fig, ax = plt.subplots(); ax.plot([1, 2], [3, 4]); ax.set_title('t'); "
        "fig.savefig('/tmp/f.png'); "
        "import sqlalchemy, jinja2, fakeredis, pandas; "
        "r = fakeredis.FakeRedis(); r.set('k', 'v'); assert r.get('k') == b'v'; "
        "import os; print(sorted(os.listdir(matplotlib.get_cachedir())))"
    )
    status, out = run(engine, runner_images[2], ["python", "-c", probe])
    assert status == 0, out
    assert "fontlist" in out and "Matplotlib" not in out, out


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
def test_runner_holds_only_what_grading_needs(
    engine: Any, runner_images: dict[int | None, str]
) -> None:
    script = (
        "id -u student | grep -qx 10002 || exit 1; "
        'for t in gcc cc make pip pip3; do command -v "$t" && exit 2; done; '
        "test ! -e /wheelhouse && test ! -e /tmp/wheelhouse && "
        "test ! -e /root/.cache/pip || exit 3; "
        "python -c 'import pip' 2>/dev/null && exit 4; "
        # the wheel bundles hidden tests and reference solutions: they must be gone
        "find / -xdev -name _bundled_exercises | grep . && exit 5; "
        'test "$(cat /proc/1/comm)" = dumb-init || exit 6; '
        "python -c 'import grader.sandbox.entrypoint' || exit 7"
    )
    for stage, tag in runner_images.items():
        status, out = run(engine, tag, ["sh", "-c", script])
        assert status == 0, (stage, out)
    labels = engine.images.get(runner_images[None]).labels
    assert labels[img.LABEL_HASH] == img.current_hash()
    assert "pytest==" in labels[img.LABEL_WHEELS]


@pytest.mark.docker
def test_doctor_is_happy_when_everything_is_there(
    runner_images: dict[int | None, str],
) -> None:
    findings = image_doctor.doctor(
        TEST_STAGES,
        base=img.DEFAULT_BASE,
        core_tag=throwaway_tag(None),
        tag_for=throwaway_tag,
    )
    assert [f for f in findings if not f.ok] == []
    names = {f.name for f in findings}
    for image in ("core", *(f"stage{n}" for n in TEST_STAGES)):
        assert {f"runner-image:{image}", f"image-stale:{image}"} <= names
        assert f"image-size:{image}" in names
    assert {"engine", "base-image", "tool-versions"} <= names
    size = next(f for f in findings if f.name == "image-size:stage2")
    assert re.match(r"\d+\.\d MB", size.detail)


@pytest.mark.docker
def test_doctor_reports_a_missing_image_with_the_fix(engine: Any) -> None:
    def missing(stage: int) -> str:
        return f"grader-runner:does-not-exist-{stage}-{SUFFIX}"

    findings = {f.name: f for f in image_doctor.doctor([3], tag_for=missing)}
    assert findings["engine"].ok
    runner = findings["runner-image:stage3"]
    assert not runner.ok and "not found" in runner.detail
    assert runner.fix == "grader runner build --stage 3"
    assert "image-stale:stage3" not in findings


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
