"""The workflow `grader init ci` writes, executed as written: its `run:` steps in order, as
a GitHub runner runs them, in a throwaway container acting as the runner.

The runner container is built offline from the base image (python:3.11-slim) with git, the
docker CLI and pip, and gets the host's Docker socket: the grading containers it starts are
siblings on the host, so the folders they mount (the repository, the runner's temporary
folder, grader's job folders through TMPDIR) sit at the same path on both sides. It has no
network: grader is installed from a wheelhouse (`pip wheel . --no-deps` plus its
dependencies, downloaded once by the host) with PIP_NO_INDEX and PIP_FIND_LINKS, as the
runner's own environment.

The `uses:` steps are stood in for:
- actions/checkout: the test repository is already at GITHUB_WORKSPACE, with its history;
- actions/setup-python: the container's Python 3.11;
- actions/cache: a local folder, restored before the steps after it and saved after the
  job on a miss, keyed as written. The test fills it as a previous run would have (the
  host's runner image, `docker save`d under the key the workflow computes), so the run
  restores the image with `docker load` and does not build;
- actions/upload-artifact: the path is copied into a folder the test reads afterwards.

The repository holds one passing and one failing workspace of the fixture pack (the runner's
GRADER_EXERCISES names it); the event is a branch's first push.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from grader.cli import cli
from grader.scorecard import serialize
from tests.conftest import FIXTURE_PACK
from tests.test_ci import git, make_workspace

pytestmark = [pytest.mark.docker, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[1]
BASE = "python:3.11-slim"
# The images the fixture pack's stage-1 exercise needs: the core and its stage's.
RUNNER_IMAGES = ("grader-runner:core", "grader-runner:stage1")
ACTING_RUNNER = "grader-ci-acting-runner:latest"
SPEC = "grader-harness==0.1.0"
WHEEL_CACHE = Path.home() / ".cache" / "grader" / "ci-test-wheelhouse"
# A branch's first push: GitHub sends an all-zero "before".
PUSH_EVENT = {
    "event_name": "push",
    "repository": "ann/exercises",
    "ref": "refs/heads/main",
    "event": {"before": "0" * 40},
}


def unavailable(why: str) -> None:
    if os.environ.get("GRADER_REQUIRE_DOCKER") == "1":
        pytest.fail(f"Docker is required here: {why}")
    pytest.skip(why)


def docker(*args: str, check: bool = True, **kw: Any) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["docker", *args], capture_output=True, text=True, check=check, **kw
    )


# --- ${{ expressions }} --------------------------------------------------------------

TOKEN = re.compile(
    r"\s*(?:(?P<str>'[^']*')|(?P<op>==|!=|&&|\|\||!|\(|\))|(?P<call>\w+\(\))"
    r"|(?P<name>[A-Za-z_][\w.-]*))"
)
CALLS = {"always()": "True", "success()": "(not failed)", "failure()": "failed"}


def lookup(context: dict[str, Any], name: str) -> Any:
    value: Any = context
    for part in name.split("."):
        value = value.get(part, "") if isinstance(value, dict) else ""
    return value


def evaluate(expr: str, context: dict[str, Any], failed: bool = False) -> Any:
    """A GitHub expression of the forms the workflow uses (names, 'strings', ==, !=, &&,
    ||, !, always()), as Python: `a && b || c` gives the same value in both."""
    words, end = [], 0
    for m in TOKEN.finditer(expr):
        assert m.start() == end, f"cannot read {expr!r} at {end}"
        end = m.end()
        if m["str"] is not None:
            words.append(repr(m["str"][1:-1]))
        elif m["op"]:
            words.append({"&&": "and", "||": "or", "!": "not"}.get(m["op"], m["op"]))
        elif m["call"]:
            words.append(CALLS[m["call"]])
        else:
            words.append(repr(lookup(context, m["name"])))
    assert expr[end:].strip() == "", f"cannot read {expr!r}"
    return eval(" ".join(words), {"__builtins__": {}}, {"failed": failed})


def interpolate(text: Any, context: dict[str, Any]) -> str:
    def one(m: re.Match) -> str:
        value = evaluate(m[1], context)
        return str(value).lower() if isinstance(value, bool) else str(value)

    return re.sub(r"\$\{\{(.*?)\}\}", one, str(text))


def read_pairs(path: Path) -> dict[str, str]:
    """GITHUB_OUTPUT / GITHUB_ENV: `k=v` lines and `k<<EOF` blocks."""
    pairs, lines = {}, path.read_text().splitlines() if path.exists() else []
    while lines:
        line = lines.pop(0)
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            key, mark = line.split("<<", 1)
            body = []
            while lines and lines[0] != mark:
                body.append(lines.pop(0))
            lines.pop(0)
            pairs[key] = "\n".join(body)
        elif "=" in line:
            key, value = line.split("=", 1)
            pairs[key] = value
    return pairs


# --- the runner ----------------------------------------------------------------------


class ActingRunner:
    """Runs one job of a workflow in a container, step by step, as GitHub's runner does."""

    def __init__(self, container: str, tmp: Path, workspace: Path, env: dict[str, str]):
        self.container, self.tmp, self.workspace = container, tmp, workspace
        tmp.mkdir()
        self.temp = tmp / "runner-temp"
        self.cache = tmp / "actions-cache"
        self.artifacts = tmp / "artifacts"
        for folder in (self.temp, self.cache, self.artifacts):
            folder.mkdir(exist_ok=True)
        self.summary = tmp / "step-summary.md"
        self.base_env = env
        self.log: dict[str, subprocess.CompletedProcess | str] = {}
        self.saves: list[tuple[Path, Path]] = []
        self.seconds: dict[str, float] = {}
        self.outputs: dict[str, dict[str, str]] = {}

    def run(self, workflow: dict[str, Any], job_name: str, event: dict) -> bool:
        """Run the job; True when it succeeded."""
        context: dict[str, Any] = {
            "github": event,
            "runner": {"temp": str(self.temp), "os": "Linux"},
            "steps": {},
            "secrets": {},
        }
        env = {
            **self.base_env,
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "GITHUB_WORKSPACE": str(self.workspace),
            "GITHUB_EVENT_NAME": event["event_name"],
            "GITHUB_REPOSITORY": event["repository"],
            "GITHUB_SHA": event["sha"],
            "RUNNER_TEMP": str(self.temp),
            "RUNNER_OS": "Linux",
        }
        env.update(workflow.get("env", {}))
        job = workflow["jobs"][job_name]
        context["env"] = env
        if "if" in job and not evaluate(job["if"], context):
            return True
        failed = False
        for step in job["steps"]:
            name = step["name"]
            context["env"] = env
            if not evaluate(step.get("if", "success()"), context, failed):
                self.log[name] = "skipped"
                continue
            step_env = {
                k: interpolate(v, context) for k, v in step.get("env", {}).items()
            }
            with_ = {
                k: interpolate(v, context) for k, v in step.get("with", {}).items()
            }
            if "uses" in step:
                outputs, ok = self.uses(step["uses"].split("@")[0], with_), True
                self.log[name] = f"stood in for {step['uses']}"
            else:
                outputs, added_env, ok = self.run_step(name, step, {**env, **step_env})
                env.update(added_env)
            context["steps"][step.get("id", "")] = {"outputs": outputs}
            self.outputs[step.get("id", "")] = outputs
            failed = failed or not ok
        for source, dest in self.saves:  # actions/cache's post step, after the job
            if source.exists() and not dest.exists():
                shutil.copytree(source, dest)
        return not failed

    def run_step(self, name: str, step: dict, env: dict[str, str]) -> tuple:
        output, genv, summary = (self.tmp / f"step-{n}" for n in ("out", "env", "sum"))
        for f in (output, genv, summary):
            f.write_text("")
        env = {**env, "GITHUB_OUTPUT": str(output), "GITHUB_ENV": str(genv)}
        env["GITHUB_STEP_SUMMARY"] = str(summary)
        assert step.get("shell", "bash") == "bash"
        cmd = ["exec", "-w", str(self.workspace)]
        cmd += [arg for k, v in env.items() for arg in ("-e", f"{k}={v}")]
        cmd += [self.container, "bash", "--noprofile", "--norc", "-eo", "pipefail"]
        started = time.monotonic()
        done = docker(*cmd, "-c", step["run"], check=False)
        self.log[name] = done
        self.seconds[name] = time.monotonic() - started
        with self.summary.open("a") as job_summary:
            job_summary.write(summary.read_text())
        return read_pairs(output), read_pairs(genv), done.returncode == 0

    def uses(self, action: str, with_: dict[str, str]) -> dict[str, str]:
        if action in ("actions/checkout", "actions/setup-python"):
            return {}
        if action == "actions/cache":
            path, saved = Path(with_["path"]), self.cache / with_["key"]
            if saved.is_dir():
                shutil.copytree(saved, path, dirs_exist_ok=True, copy_function=os.link)
                return {"cache-hit": "true"}
            self.saves.append((path, saved))
            return {"cache-hit": "false"}
        if action == "actions/upload-artifact":
            source = self.workspace / with_["path"]
            if source.exists():
                shutil.copytree(source, self.artifacts / with_["name"])
            return {}
        raise AssertionError(f"no stand-in for {action}")


# --- the runner's machine -------------------------------------------------------------


def wheelhouse(dest: Path) -> Path:
    """grader's wheel built from this checkout and its dependencies for the container's
    Python 3.11 (downloaded from the index once into WHEEL_CACHE, offline afterwards).
    """
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "wheel", "--no-deps", "-w", dest, REPO], check=True)
    (wheel,) = dest.glob("grader_harness-*.whl")
    WHEEL_CACHE.mkdir(parents=True, exist_ok=True)
    download = [*pip, "download", "--only-binary=:all:", "--python-version", "3.11"]
    download += ["--implementation", "cp", "--abi", "cp311", "-d", WHEEL_CACHE]
    download += ["--platform=manylinux2014_x86_64"]
    download += [f"--platform=manylinux_2_{m}_x86_64" for m in range(36, 16, -1)]
    download += [str(wheel), "pip"]
    offline = [*download, "--no-index", "--find-links", WHEEL_CACHE]
    if subprocess.run(offline, capture_output=True).returncode != 0:
        done = subprocess.run(download, capture_output=True, text=True)
        if done.returncode != 0:
            unavailable(
                f"cannot fetch grader's dependencies once: {done.stderr[-300:]}"
            )
    for found in WHEEL_CACHE.glob("*.whl"):
        if not found.name.startswith("grader"):
            shutil.copy(found, dest)
    return dest


def wheel_key(house: Path, base: str) -> str:
    """The image's cache key as the wheel's grader computes it (its Dockerfile is the
    one the wheel carries, whatever the checkout holds by now)."""
    (wheel,) = house.glob("grader_harness-*.whl")
    probe = (
        "import sys; from grader.ci.workflow import image_cache_key as k; "
        "print(k(*sys.argv[1:]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, SPEC, base],
        env={**os.environ, "PYTHONPATH": str(wheel)},
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return done.stdout.strip()


def acting_runner_image(tmp: Path) -> None:
    """The runner container's image, built with no network from the base: git and the
    docker CLI from this host (the same Debian), a Python with pip, a sudo that runs."""
    context = tmp / "acting-runner"
    context.mkdir()
    shutil.copy(shutil.which("git") or "/usr/bin/git", context / "git")
    shutil.copy(shutil.which("docker") or "/usr/bin/docker", context / "docker")
    (pip_wheel,) = WHEEL_CACHE.glob("pip-*.whl")
    shutil.copy(pip_wheel, context / pip_wheel.name)
    (context / "sudo").write_text('#!/bin/sh\nexec "$@"\n')
    (context / "sudo").chmod(0o755)
    (context / "Dockerfile").write_text(
        f"FROM {BASE}\n"
        "COPY git /usr/bin/git\nCOPY docker /usr/local/bin/docker\n"
        "COPY sudo /usr/local/bin/sudo\n"
        f"COPY {pip_wheel.name} /tmp/\n"
        # setup-python's Python is its own installation, on PATH first: a venv here.
        "RUN python3 -m venv --without-pip /opt/python\n"
        f"RUN /opt/python/bin/python /tmp/{pip_wheel.name}/pip install -q --no-index"
        f" /tmp/{pip_wheel.name} && rm /tmp/{pip_wheel.name}\n"
        "ENV PATH=/opt/python/bin:$PATH\n"
    )
    done = docker("build", "-q", "--network", "none", "-t", ACTING_RUNNER, str(context),
                  check=False, env={**os.environ, "DOCKER_BUILDKIT": "0"})  # fmt: skip
    assert done.returncode == 0, done.stderr


def student_repo(repo: Path) -> Path:
    """A student's repository: one workspace that passes, one that fails."""
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    make_workspace(repo, "solved", solved=True)
    make_workspace(repo, "starter")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "two exercises")
    return repo


@pytest.fixture(scope="module")
def machine(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A host with the runner image, a wheelhouse, the acting runner's image, the
    saved runner image and the acting runner's environment."""
    if shutil.which("docker") is None or docker("info", check=False).returncode:
        unavailable("no Docker engine")
    for image in (BASE, *RUNNER_IMAGES):
        if docker("image", "inspect", image, check=False).returncode:
            unavailable(f"{image} is missing: `grader runner build` makes them")
    # Short host paths, mounted at the same path in the acting runner.
    tmp = Path(tmp_path_factory.mktemp("ci-run")).resolve()
    house = wheelhouse(tmp / "wheelhouse")
    acting_runner_image(tmp)
    shutil.copytree(FIXTURE_PACK, tmp / "pack")
    # What a previous run left in the CI cache: the host's runner image.
    saved = tmp / "saved-image"
    saved.mkdir()
    docker("save", "-o", str(saved / "grader-runner.tar"), *RUNNER_IMAGES)
    (tmp / "jobs").mkdir()
    env = {
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(house),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PIP_ROOT_USER_ACTION": "ignore",
        "GRADER_EXERCISES": str(tmp / "pack"),
        "TMPDIR": str(tmp / "jobs"),
    }
    return {"tmp": tmp, "saved": saved, "env": env, "house": house}


@pytest.fixture
def container(machine: dict[str, Any]) -> Iterator[str]:
    """A fresh acting runner for one job, removed afterwards."""
    name = f"grader-ci-runner-{os.getpid()}-{time.monotonic_ns()}"
    tmp = machine["tmp"]
    docker(
        "run", "-d", "--rm", "--name", name, "--network", "none",
        "-v", "/var/run/docker.sock:/var/run/docker.sock", "-v", f"{tmp}:{tmp}",
        ACTING_RUNNER, "sleep", "600",
    )  # fmt: skip
    yield name
    docker("rm", "-f", name, check=False)


def test_the_github_workflow_runs_as_written(machine, container) -> None:
    started = time.monotonic()
    tmp = machine["tmp"]
    repo = student_repo(tmp / "github")
    written = CliRunner().invoke(
        cli, ["init", "ci", "--repo", str(repo), "--install-from", SPEC]
    )
    assert written.exit_code == 0, written.output
    workflow = yaml.safe_load((repo / ".github/workflows/grader.yml").read_text())
    assert (repo / ".gitignore").read_text() == "grader-scorecards/\n"

    runner = ActingRunner(container, tmp / "github-runner", repo, machine["env"])
    # The cache as the run before this one left it: the image, under the workflow's key.
    key = f"Linux-{wheel_key(machine['house'], BASE)}"
    shutil.copytree(machine["saved"], runner.cache / key, copy_function=os.link)

    event = PUSH_EVENT | {"sha": git(repo, "rev-parse", "HEAD")}
    succeeded = runner.run(workflow, "grade", event)
    log = runner.log
    assert runner.outputs["install"]["image-key"] == key.removeprefix("Linux-")

    install = log["Install grader"]
    assert install.returncode == 0, install.stdout + install.stderr
    assert "grader, version 0.1.0" in install.stdout
    sandbox = log["Prepare the sandbox (Docker, else bubblewrap)"]
    assert sandbox.returncode == 0, sandbox.stdout + sandbox.stderr
    assert "Runner image restored from the cache" in sandbox.stdout
    assert "grader runner build" not in sandbox.stdout + sandbox.stderr

    grade = log["Grade"]
    assert grade.returncode == 1, grade.stdout + grade.stderr  # one exercise fails
    assert not succeeded  # ... and with it the job
    assert "First push: grading every workspace" in grade.stdout
    assert "[2/2] starter: FAIL" in grade.stderr
    assert "1 of 2 exercises passed; scorecards in grader-scorecards/" in grade.stdout
    assert (
        "::error file=starter/word_count.py,line=6,"
        "title=stage1/word-count%3A task 1%3A Each word is counted::NotImplementedError"
    ) in grade.stdout

    summary = runner.summary.read_text()
    assert summary.startswith("## grader: 1 of 2 exercises passed")
    assert "| `solved` | ✅ pass | 100 / 100 |" in summary
    assert "| `starter` | ❌ fail | 0 / 100 |" in summary

    assert log["Upload the scorecards"] == "stood in for actions/upload-artifact@v4"
    cards = runner.artifacts / "grader-scorecards"
    assert sorted(p.name for p in cards.iterdir()) == ["solved.json", "starter.json"]
    solved, starter = (
        serialize.load(cards / n) for n in ("solved.json", "starter.json")
    )
    assert (solved.status, starter.status) == ("pass", "fail")
    assert solved.runner.backend == "docker" and solved.runner.sandboxed
    assert not list((tmp / "jobs").glob("grader-*")), "job folders are removed"
    steps = ", ".join(f"{name}: {s:.1f} s" for name, s in runner.seconds.items())
    print(f"workflow executed in {time.monotonic() - started:.1f} s ({steps})")


def test_the_expressions_read_as_github_reads_them() -> None:
    context = {
        "github": {"event_name": "pull_request", "repository": "ann/ex",
                   "event": {"pull_request": {"base": {"sha": "abc"},
                                              "head": {"repo": {"full_name": "ann/ex"}}},
                             "before": "def"}},
        "steps": {"sandbox": {"outputs": {}}},
    }  # fmt: skip
    before = (
        "github.event_name == 'pull_request' && github.event.pull_request.base.sha"
        " || github.event.before"
    )
    assert evaluate(before, context) == "abc"
    assert evaluate("steps.sandbox.outputs.backend || 'auto'", context) == "auto"
    job_if = (
        "github.event_name != 'pull_request' || "
        "github.event.pull_request.head.repo.full_name != github.repository"
    )
    assert not evaluate(job_if, context)  # a same-repository pull request: no run
    context["github"]["event"]["pull_request"]["head"]["repo"]["full_name"] = "bob/ex"
    assert evaluate(job_if, context)
    assert json.dumps(read_pairs(Path("/nonexistent"))) == "{}"


def test_the_gitlab_pipeline_runs_as_written(machine, container) -> None:
    """The merge request's pipeline: its `script` in one bash session, as GitLab's runner
    runs it (`set -eo pipefail`), in the job's folder with GitLab's variables. Stand-ins:
    the docker:dind service is the host's engine (DOCKER_HOST names its socket), the cache
    is `.grader-image/` as a previous pipeline left it, the artifacts are read from the
    job's folder afterwards."""
    import xml.etree.ElementTree as ET

    tmp = machine["tmp"]
    repo = student_repo(tmp / "gitlab")
    base_sha = git(repo, "rev-parse", "HEAD")
    (repo / "starter" / "notes.txt").write_text("working on it\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "notes")  # the merge request changes `starter` only
    written = CliRunner().invoke(
        cli, ["init", "ci", "--gitlab", "--repo", str(repo), "--install-from", SPEC]
    )
    assert written.exit_code == 0, written.output
    pipeline = yaml.safe_load((repo / ".gitlab-ci.yml").read_text())
    job = pipeline["grade"]

    shutil.copytree(machine["saved"], repo / ".grader-image", copy_function=os.link)
    (repo / ".grader-image" / "key").write_text(
        wheel_key(machine["house"], BASE) + "\n"
    )
    env = {
        **machine["env"],
        **pipeline["variables"],
        "DOCKER_HOST": "unix:///var/run/docker.sock",
        "CI": "true",
        "GITLAB_CI": "true",
        "CI_PROJECT_DIR": str(repo),
        "CI_PIPELINE_SOURCE": "merge_request_event",
        "CI_MERGE_REQUEST_DIFF_BASE_SHA": base_sha,
        "CI_COMMIT_BEFORE_SHA": "0" * 40,  # GitLab's value in a merge request pipeline
        "CI_COMMIT_SHA": git(repo, "rev-parse", "HEAD"),
    }
    cmd = ["exec", "-w", str(repo)]
    cmd += [arg for k, v in env.items() for arg in ("-e", f"{k}={v}")]
    cmd += [container, "bash", "--noprofile", "--norc", "-eo", "pipefail"]
    done = docker(*cmd, "-c", "\n".join(job["script"]), check=False)
    out = done.stdout + done.stderr

    assert done.returncode == 1, out  # the changed exercise fails, and so the job
    assert "Runner image restored from the cache" in done.stdout, out
    assert "[1/1] starter: FAIL" in done.stderr, out  # `solved` did not change
    assert "starter/word_count.py:6: error: stage1/word-count: task 1" in done.stdout
    assert "::error" not in done.stdout  # not GitHub: plain lines
    cards = repo / job["artifacts"]["paths"][0]
    assert [p.name for p in cards.iterdir()] == ["starter.json"]
    (report,) = repo.glob(job["artifacts"]["reports"]["junit"])
    suites = ET.parse(report).getroot()
    cases = suites.findall(".//testcase")
    assert cases and sum(c.find("failure") is not None for c in cases) >= 5


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[str]:
    """Debian's docker-registry on a free local port (the engine trusts 127.0.0.1)."""
    import socket
    import urllib.request

    if shutil.which("docker-registry") is None:
        unavailable("no local registry: apt-get install docker-registry")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = tmp_path / "registry.yml"
    config.write_text(
        "version: 0.1\nlog:\n  level: warn\n"
        f"storage:\n  filesystem:\n    rootdirectory: {tmp_path / 'registry'}\n"
        f"http:\n  addr: 127.0.0.1:{port}\n"
    )
    server = subprocess.Popen(
        ["docker-registry", "serve", str(config)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        for _ in range(50):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/v2/", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        yield f"127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_on_a_cache_miss_the_base_is_pulled_from_its_registry(
    machine, container, registry
) -> None:
    """The steps up to the sandbox's, on a cache miss, with the base in a registry (a
    class mirror, set in GRADER_BASE_IMAGE): the engine pulls it, and grader's image build
    runs on it. The build itself is stood in for by a `grader runner` that records its
    arguments (building takes minutes and fetches wheels from PyPI); everything else,
    `docker pull` and `docker save` included, runs as written."""
    tmp = machine["tmp"]
    base = f"{registry}/python:3.11-slim"
    docker("tag", BASE, base)
    docker("push", base)
    docker("rmi", base)  # only the name: the engine must pull it
    try:
        repo = student_repo(tmp / "pull")
        written = CliRunner().invoke(
            cli, ["init", "ci", "--repo", str(repo), "--install-from", SPEC]
        )
        assert written.exit_code == 0, written.output
        workflow = yaml.safe_load((repo / ".github/workflows/grader.yml").read_text())
        workflow["env"]["GRADER_BASE_IMAGE"] = base
        steps = workflow["jobs"]["grade"]["steps"]
        last = next(i for i, s in enumerate(steps) if s.get("id") == "sandbox")
        workflow["jobs"]["grade"]["steps"] = steps[: last + 1]

        shims = tmp / "pull-shims"
        shims.mkdir()
        calls = shims / "calls.log"
        (shims / "grader").write_text(
            '#!/bin/bash\nif [ "$1" = runner ]; then echo "grader $*" >> '
            f'{calls}; exit 0; fi\nexec /opt/python/bin/grader "$@"\n'
        )
        (shims / "grader").chmod(0o755)
        env = dict(machine["env"])
        env["PATH"] = f"{shims}:/opt/python/bin:/usr/local/bin:/usr/bin:/bin"
        runner = ActingRunner(container, tmp / "pull-runner", repo, env)
        assert runner.run(workflow, "grade", PUSH_EVENT | {"sha": "0" * 40})

        sandbox = runner.log["Prepare the sandbox (Docker, else bubblewrap)"]
        assert sandbox.returncode == 0, sandbox.stdout + sandbox.stderr
        assert "restored from the cache" not in sandbox.stdout
        assert docker("image", "inspect", base, check=False).returncode == 0
        assert calls.read_text().splitlines() == [f"grader runner build --base {base}"]
        assert "bootstrap" not in sandbox.stdout + sandbox.stderr
        # actions/cache's post step kept the saved image under the workflow's key.
        key = f"Linux-{runner.outputs['install']['image-key']}"
        assert key == f"Linux-{wheel_key(machine['house'], base)}"
        assert (runner.cache / key / "grader-runner.tar").stat().st_size > 10**8
    finally:
        docker("rmi", base, check=False)


def test_the_image_cache_loads_only_what_was_saved_under_its_key(tmp_path) -> None:
    from grader.ci import image_cache

    if shutil.which("docker") is None or docker("info", check=False).returncode:
        unavailable("no Docker engine")
    folder = tmp_path / ".grader-image"
    assert not image_cache.load(folder, "k1")  # nothing cached yet
    tar = image_cache.save(folder, "k1", tag=BASE)
    assert tar.stat().st_size > 10**7
    assert (folder / "key").read_text() == "k1\n"
    assert not image_cache.load(folder, "k2")  # another grader's or base's image
    assert image_cache.load(folder, "k1")
    assert image_cache.main(["load", str(folder), "k1"]) == 0
    assert image_cache.main(["load", str(folder), "k2"]) == 1
    assert image_cache.main(["fetch", str(folder)]) == 2
