"""The Dockerfile check against the real engine: each outcome is shown by a tiny Dockerfile.

Skipped when no engine (or no `python:3.11-slim` base) is available, unless
GRADER_REQUIRE_DOCKER=1 (CI). After every test nothing this check built may remain: no
image or container with its label, no layer or build container the build reported, and no
new dangling image. A Dockerfile that names what a graded build may not use is refused
before the engine is asked to build anything, so nothing can be pulled.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from typing import Any

import pytest

from grader.catalog.model import CheckConfig
from grader.errors import BackendUnavailable
from grader.graders import dockerfile_build, dockerfile_check, dockerfile_cleanup
from grader.graders.dockerfile_build_state import BUILD_LABEL, CHECK_LABEL
from grader.graders.dockerfile_check import NO_NETWORK
from grader.runner.docker_backend import CORE_IMAGE
from grader.verdict.builder import score_check

pytestmark = pytest.mark.docker
BASE = "python:3.11-slim"
PROBE_IMAGE = CORE_IMAGE  # the prober needs the tools, no exercise library
APP = 'print("hello from the app")\n'
REGISTRY_IMAGE = "registry.example.com/attacker/tools:1"


def _unavailable(reason: str) -> None:
    if os.environ.get("GRADER_REQUIRE_DOCKER") == "1":
        pytest.fail(f"Docker is required here: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def client() -> Any:
    import docker.errors

    from grader.runner.docker_backend import connect

    try:
        engine = connect()
    except BackendUnavailable as exc:
        _unavailable(exc.message)
    try:
        engine.images.get(BASE)
    except docker.errors.ImageNotFound:
        _unavailable(f"the base image {BASE} is not on this machine")
    return engine


@pytest.fixture(autouse=True)
def events(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Record the build stream, then prove that nothing the build made is left."""
    import docker.errors

    seen: list[dict[str, Any]] = []
    if "client" not in request.fixturenames:  # a test that needs no engine
        yield seen
        return
    client = request.getfixturevalue("client")
    original = client.api.build
    dangling = _dangling(client)
    volumes = _volumes(client)

    def recording(*args: Any, **kwargs: Any) -> Any:
        seen.append({"build": kwargs})  # the call itself, before any event
        for event in original(*args, **kwargs):
            seen.append(event)
            yield event

    monkeypatch.setattr(client.api, "build", recording)
    yield seen
    # Others may build and grade on this engine meanwhile: what is ours carries this test's
    # builds' tokens, or the build log named it.
    tokens = {e["build"]["labels"][BUILD_LABEL] for e in seen if "build" in e}
    for token in tokens:
        mine = {"label": f"{BUILD_LABEL}={token}"}
        assert client.images.list(all=True, filters=mine) == []
        assert client.containers.list(all=True, filters=mine, ignore_removed=True) == []
        assert client.networks.list(filters=mine) == []  # the wheel index's network
    assert (
        _volumes(client) <= volumes
    )  # a VOLUME's anonymous volume goes with its container
    # A layer made by a student's LABEL carries the value it set, so its id is looked for.
    log = "".join(event.get("stream", "") for event in seen)
    for image_id in _dangling(client) - dangling:
        labels = client.images.get(image_id).labels or {}
        assert labels.get(BUILD_LABEL) not in tokens, labels
        assert image_id.split(":")[1][:12] not in log
    base_id = client.images.get(BASE).id
    for image_id in re.findall(r"^ ---> ([0-9a-f]{12})$", log, re.MULTILINE):
        if not base_id.startswith(f"sha256:{image_id}"):
            with pytest.raises(docker.errors.ImageNotFound):
                client.images.get(image_id)
    for container_id in re.findall(r"Running in ([0-9a-f]{12})", log):
        with pytest.raises(docker.errors.NotFound):
            client.containers.get(container_id)


def _volumes(client: Any) -> set[str]:
    return {volume.name for volume in client.volumes.list(filters={"dangling": True})}


def _dangling(client: Any) -> set[str]:
    return {image.id for image in client.images.list(filters={"dangling": True})}


def grade(
    client: Any,
    tmp_path: Path,
    dockerfile: str | None,
    files: dict[str, str] | None = None,
    deadline: float | None = None,
    **options: Any,
) -> Any:
    context = tmp_path / "context"
    context.mkdir(parents=True)
    for name, text in {"app.py": APP, **(files or {})}.items():
        (context / name).parent.mkdir(parents=True, exist_ok=True)
        (context / name).write_text(text)
    if dockerfile is not None:
        (context / "Dockerfile").write_text(dockerfile)
    config = CheckConfig(id="dockerfile", weight=2.0, options=options)
    return dockerfile_check.run(context, config, client=client, deadline=deadline)


def test_small_image_passes(
    client: Any, tmp_path: Path, events: list[dict[str, Any]]
) -> None:
    outcome = grade(client, tmp_path, f"FROM {BASE}\nCOPY app.py /app/app.py\n")
    call = events[0]["build"]
    assert call["pull"] is False and call["network_mode"] == "none"
    assert call["rm"] is True and call["forcerm"] is True
    limits = call["container_limits"]
    assert limits["memory"] == limits["memswap"] == 1 << 30
    assert limits["cpushares"] == 512 and limits["cpusetcpus"]
    assert outcome.status == "pass", outcome.message
    # The check reports unscored; the host scores it from its declaration.
    assert outcome.max_score == 2.0
    assert score_check(outcome, 2.0).score == 2.0
    details = outcome.details
    assert 100 < details["image_mb"] < 500 and details["limit_mb"] == 500
    assert details["healthy"] is None and details["log_tail"] == ""
    assert details["build_seconds"] > 0
    assert "MB" in outcome.message


def test_image_over_the_limit_fails_with_size_and_hint(
    client: Any, tmp_path: Path
) -> None:
    limit = int(client.images.get(BASE).attrs["Size"] / 1_000_000) + 5
    dockerfile = f"FROM {BASE}\nRUN head -c 30000000 /dev/zero > /blob\n"
    outcome = grade(client, tmp_path, dockerfile, max_image_mb=limit)
    assert outcome.status == "fail" and score_check(outcome, 2.0).score == 0
    assert outcome.details["image_mb"] > limit == outcome.details["limit_mb"]
    assert f"over the {limit} MB limit" in outcome.message
    assert "multi-stage" in outcome.message


def test_failing_step_shows_the_log_tail(client: Any, tmp_path: Path) -> None:
    dockerfile = f"FROM {BASE}\nCOPY app.py /app.py\nRUN echo about-to-fail && false\n"
    outcome = grade(client, tmp_path, dockerfile)
    assert outcome.status == "fail"
    assert "did not build at `RUN echo about-to-fail && false`" in outcome.message
    assert "about-to-fail" in outcome.details["log_tail"]
    assert "Step 1/" in outcome.details["log_tail"]
    assert (
        "io.grader" not in outcome.details["log_tail"]
    )  # our LABEL steps are left out
    assert "non-zero code: 1" in outcome.details["log_tail"]
    assert NO_NETWORK not in outcome.message
    assert outcome.details["image_mb"] is None


def test_pip_install_fails_and_says_there_is_no_network(
    client: Any, tmp_path: Path
) -> None:
    outcome = grade(
        client, tmp_path, f"FROM {BASE}\nRUN python3 -m pip install requests\n"
    )
    assert outcome.status == "fail"
    assert NO_NETWORK in outcome.message
    assert "pip" in outcome.details["log_tail"]


def test_failed_multi_stage_build_leaves_no_layers(client: Any, tmp_path: Path) -> None:
    dockerfile = (
        f"FROM {BASE} AS build\nRUN echo built > /artifact\n"
        f"FROM {BASE}\nCOPY --from=build /artifact /artifact\nRUN false\n"
    )
    outcome = grade(client, tmp_path, dockerfile)
    assert outcome.status == "fail" and "RUN false" in outcome.message
    # the autouse fixture proves the first stage's layers are gone too


def test_base_image_not_allowed_is_refused_with_its_line(
    client: Any, tmp_path: Path, events: list[dict[str, Any]]
) -> None:
    outcome = grade(client, tmp_path, "# a comment\nFROM alpine:3.19\nRUN true\n")
    assert outcome.status == "fail" and score_check(outcome, 2.0).score == 0
    assert "line 2: `FROM alpine:3.19`" in outcome.message
    assert f"use {BASE} or scratch" in outcome.message
    assert events == []  # refused before the engine was asked to build


def test_from_arg_naming_a_registry_is_refused_without_a_pull(
    client: Any, tmp_path: Path, events: list[dict[str, Any]]
) -> None:
    dockerfile = (
        f"ARG TOOLS={REGISTRY_IMAGE}\nFROM {BASE} AS app\n"
        "FROM ${TOOLS} AS tools\nRUN cat /etc/shadow\n"
    )
    outcome = grade(client, tmp_path, dockerfile)
    assert outcome.status == "fail"
    assert f"line 3: `FROM ${{TOOLS}}` (= `{REGISTRY_IMAGE}`)" in outcome.message
    assert f"use {BASE}, scratch or an earlier stage (app)" in outcome.message
    assert events == []
    assert not _images_named(client, "registry.example.com")


def test_from_arg_without_a_default_is_refused(
    client: Any, tmp_path: Path, events: list[dict[str, Any]]
) -> None:
    outcome = grade(client, tmp_path, "ARG BASE_IMAGE\nFROM $BASE_IMAGE\n")
    assert outcome.status == "fail"
    assert "line 2: `BASE_IMAGE` has no usable default" in outcome.message
    assert events == []


def test_copy_from_a_registry_image_is_refused(
    client: Any, tmp_path: Path, events: list[dict[str, Any]]
) -> None:
    dockerfile = (
        f"FROM {BASE}\nCOPY app.py /app.py\n"
        f"copy \\\n  --from={REGISTRY_IMAGE} /bin/busybox /bin/\n"
    )
    outcome = grade(client, tmp_path, dockerfile)
    assert outcome.status == "fail"
    assert f"line 3: `--from={REGISTRY_IMAGE}`" in outcome.message
    assert events == []
    assert not _images_named(client, "registry.example.com")


def test_a_local_image_by_short_id_is_refused(
    client: Any, tmp_path: Path, events: list[dict[str, Any]]
) -> None:
    # Someone else's untagged image on the same engine: its files must not reach the log.
    other = client.containers.create(BASE, ["true"], labels={"io.grader.test": "other"})
    image = other.commit(changes=['LABEL io.grader.test="secret-holder"'])
    short = image.id.split(":")[1][:12]
    try:
        for number, dockerfile in enumerate(
            (
                f"FROM {BASE}\nCOPY --from={short} /etc/hostname /stolen\n",
                f"FROM {short}\nRUN cat /etc/hostname\n",
                f"FROM {image.id}\n",
            )
        ):
            outcome = grade(client, tmp_path / str(number), dockerfile)
            assert outcome.status == "fail", dockerfile
            assert "only when it is an allowed base" in outcome.message
            assert events == []
    finally:
        other.remove(force=True)
        client.images.remove(image.id, force=True)


def test_add_of_a_url_is_refused(
    client: Any, tmp_path: Path, events: list[dict[str, Any]]
) -> None:
    sources = (
        "https://example.com/tool.tar.gz",
        "http://example.com/tool.tar.gz",
        "git://example.com/a/b.git",
        "git@github.com:a/b.git",
    )
    for n, source in enumerate(sources):
        dockerfile = f"FROM {BASE}\nADD --chown=1:1 {source} /opt/\n"
        outcome = grade(client, tmp_path / str(n), dockerfile)
        assert outcome.status == "fail"
        assert "line 2: ADD may only copy files of your workspace" in outcome.message
    # A heredoc's body is refused with it, whatever it names.
    dockerfile = f"FROM {BASE}\nADD <<EOF /opt/x\n{sources[0]}\nEOF\n"
    outcome = grade(client, tmp_path / "heredoc", dockerfile)
    assert outcome.status == "fail" and "line 2: ADD with a heredoc" in outcome.message
    assert events == []


def test_run_mount_from_another_image_is_refused(
    client: Any, tmp_path: Path, events: list[dict[str, Any]]
) -> None:
    dockerfile = f"FROM {BASE}\nRUN --mount=from={REGISTRY_IMAGE},target=/t ls /t\n"
    outcome = grade(client, tmp_path, dockerfile)
    assert outcome.status == "fail" and "line 2: `RUN --mount`" in outcome.message
    assert events == []


def test_allowed_base_missing_on_the_machine_is_an_error_not_a_pull(
    client: Any, tmp_path: Path, events: list[dict[str, Any]]
) -> None:
    missing = "grader-test-missing-base:1"
    outcome = grade(
        client, tmp_path, f"FROM {missing}\n", allowed_bases=[BASE, missing]
    )
    assert outcome.status == "error"
    assert f"`{missing}` is allowed but not on this machine" in outcome.message
    assert events == []


def test_multi_stage_build_from_the_allowed_base_passes(
    client: Any, tmp_path: Path, events: list[dict[str, Any]]
) -> None:
    base_id = client.images.get(BASE).id
    dockerfile = (
        "# syntax=docker/dockerfile:1\n"
        f"ARG PY=docker.io/library/{BASE}\n"
        "from --platform=$BUILDPLATFORM ${PY} as Build\n"
        "RUN echo built \\\n  > /artifact  # one step\n"
        f"FROM {base_id.split(':')[1][:12]}\n"
        "COPY --from=build /artifact /from-name\n"
        "COPY --from=0 /artifact /from-index\n"
        "LABEL io.grader.dockerfile.build=forged\n"
        "RUN cat /from-name /from-index\n"
    )
    outcome = grade(client, tmp_path, dockerfile)
    log = "".join(event.get("stream", "") for event in events)
    assert outcome.status == "pass", outcome.message
    assert "built\nbuilt" in log  # both copies of the first stage's file
    assert f"FROM {BASE} AS build" in log and log.count(f"FROM {BASE}") == 2


def test_build_past_its_time_limit_is_stopped(client: Any, tmp_path: Path) -> None:
    started = time.monotonic()
    dockerfile = f"FROM {BASE}\nRUN echo sleeping && sleep 120\n"
    outcome = grade(client, tmp_path, dockerfile, build_seconds=3)
    assert time.monotonic() - started < 30
    assert outcome.status == "fail"
    assert "longer than 3 s and was stopped" in outcome.message
    assert "sleeping" in outcome.details["log_tail"]


def test_the_jobs_deadline_cuts_a_build_short_as_an_error(
    client: Any, tmp_path: Path
) -> None:
    # The job has 4 s left, less than build_seconds: the build gets those 4 s, and running
    # out of them is the job's time, not the student's fault.
    started = time.monotonic()
    dockerfile = f"FROM {BASE}\nRUN sleep 120\n"
    outcome = grade(client, tmp_path / "late", dockerfile, deadline=started + 4)
    assert time.monotonic() - started < 30
    assert outcome.status == "error"
    assert "the job's time ran out while the Dockerfile was built" in outcome.message
    gone = grade(client, tmp_path / "gone", dockerfile, deadline=started)
    assert gone.status == "error" and "before the Dockerfile could be built" in (
        gone.message
    )


def test_silent_build_is_stopped_even_without_the_watchdog(
    client: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The stream's own read timeout is the backstop when no container can be killed.
    monkeypatch.setattr(dockerfile_build, "_watchdog", lambda *args: None)
    started = time.monotonic()
    outcome = grade(client, tmp_path, f"FROM {BASE}\nRUN sleep 60\n", build_seconds=3)
    assert time.monotonic() - started < 30
    assert outcome.status == "fail"
    assert "longer than 3 s and was stopped" in outcome.message


def test_ids_forged_in_the_build_log_are_not_touched(
    client: Any, tmp_path: Path
) -> None:
    # A RUN step prints into the log the check reads; what it removes is found by label.
    victim = client.containers.create(
        BASE, ["true"], labels={"io.grader.test": "victim"}
    )
    image = victim.commit()  # an untagged image, like a build's leftover layer
    image_id = image.id.split(":")[1][:12]
    try:
        forged = (
            f"Step 9/9 : RUN x\\n ---> Running in {victim.id[:12]}\\n ---> {image_id}"
        )
        dockerfile = f"FROM {BASE}\nRUN printf '{forged}\\n' && sleep 60\n"
        outcome = grade(client, tmp_path, dockerfile, build_seconds=3)
        assert outcome.status == "fail" and "was stopped" in outcome.message
        assert f"Running in {victim.id[:12]}" in outcome.details["log_tail"]
        victim.reload()  # both still there
        client.images.get(image.id)
    finally:
        victim.remove(force=True)
        client.images.remove(image.id, force=True)


def test_never_healthy_fails_within_the_deadline(client: Any, tmp_path: Path) -> None:
    dockerfile = f'FROM {BASE}\nCMD ["sleep", "infinity"]\n'
    started = time.monotonic()
    outcome = grade(
        client,
        tmp_path,
        dockerfile,
        health_command="test -f /nonexistent",
        health_seconds=3,
    )
    assert outcome.status == "fail"
    assert "never became healthy" in outcome.message
    assert "test -f /nonexistent" in outcome.message
    assert outcome.details["healthy"] is False
    assert time.monotonic() - started - outcome.details["build_seconds"] < 15


def test_hanging_health_command_cannot_outlast_the_deadline(
    client: Any, tmp_path: Path
) -> None:
    dockerfile = f'FROM {BASE}\nCMD ["sleep", "infinity"]\n'
    started = time.monotonic()
    outcome = grade(
        client, tmp_path, dockerfile, health_command="sleep 600", health_seconds=2
    )
    assert outcome.status == "fail" and "never became healthy" in outcome.message
    assert time.monotonic() - started - outcome.details["build_seconds"] < 15


def test_cmd_that_exits_fails_with_its_log(client: Any, tmp_path: Path) -> None:
    dockerfile = f'FROM {BASE}\nCOPY app.py /app.py\nCMD ["python3", "/app.py"]\n'
    outcome = grade(client, tmp_path, dockerfile, health_url="http://127.0.0.1:8000/")
    assert outcome.status == "fail"
    assert "exited (code 0)" in outcome.message
    assert "hello from the app" in outcome.details["log_tail"]
    assert outcome.details["healthy"] is False


def test_server_that_becomes_healthy_passes(client: Any, tmp_path: Path) -> None:
    dockerfile = (
        f"FROM {BASE}\nWORKDIR /srv\nCOPY app.py .\n"
        'CMD ["python3", "-m", "http.server", "8000"]\n'
    )
    outcome = grade(
        client,
        tmp_path,
        dockerfile,
        health_url="http://127.0.0.1:8000/",
        health_command="test -f /srv/app.py",
    )
    assert outcome.status == "pass", outcome.message
    assert outcome.details["healthy"] is True
    assert "became healthy" in outcome.message


def test_missing_dockerfile_tells_the_student_to_add_one(tmp_path: Path) -> None:
    outcome = grade(None, tmp_path, None)  # decided before any engine is asked
    assert outcome.status == "fail" and score_check(outcome, 2.0).score == 0
    assert "add one named `Dockerfile` at your workspace's root" in outcome.message
    assert outcome.details["image_mb"] is None and outcome.details["limit_mb"] == 500


def test_unreachable_engine_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-engine.sock")
    outcome = grade(None, tmp_path, f"FROM {BASE}\n")
    assert outcome.status == "error"
    assert "not reachable" in outcome.message


def _images_named(client: Any, prefix: str) -> list[str]:
    return [
        t for i in client.images.list(all=True) for t in i.tags if t.startswith(prefix)
    ]


def test_fake_python3_without_a_server_fails_the_probe(
    client: Any, tmp_path: Path
) -> None:
    # The old probe ran `python3` inside the image: a python3 that exits 0 passed it.
    dockerfile = (
        f"FROM {BASE}\n"
        "RUN for p in $(which -a python3 python); do ln -sf /bin/true $p; done\n"
        'CMD ["sleep", "infinity"]\n'
    )
    started = time.monotonic()
    outcome = grade(
        client,
        tmp_path,
        dockerfile,
        health_url="http://127.0.0.1:8000/health",
        health_seconds=3,
    )
    assert outcome.status == "fail" and outcome.details["healthy"] is False
    assert "never became healthy: GET http://127.0.0.1:8000/health" in outcome.message
    assert "refused" in outcome.message.lower()  # what our prober last saw
    assert time.monotonic() - started - outcome.details["build_seconds"] < 30


def test_server_on_another_port_fails_the_probe(client: Any, tmp_path: Path) -> None:
    dockerfile = f'FROM {BASE}\nCMD ["python3", "-m", "http.server", "8001"]\n'
    outcome = grade(
        client,
        tmp_path,
        dockerfile,
        health_url="http://127.0.0.1:8000/",
        health_seconds=3,
    )
    assert outcome.status == "fail" and "never became healthy" in outcome.message


def test_missing_probe_image_is_an_error_before_building(
    client: Any, tmp_path: Path, events: list[dict[str, Any]]
) -> None:
    context = tmp_path / "context"
    context.mkdir()
    (context / "Dockerfile").write_text(f"FROM {BASE}\n")
    config = CheckConfig(
        id="dockerfile", weight=1.0, options={"health_url": "http://127.0.0.1:1/"}
    )
    outcome = dockerfile_check.run(
        context, config, client=client, probe_image="grader-test-no-such-runner:0"
    )
    assert outcome.status == "error" and "grader runner build" in outcome.message
    assert events == []


def test_forged_grader_labels_leave_nothing_behind(client: Any, tmp_path: Path) -> None:
    # Our label is re-asserted after every LABEL, so later layers stay findable.
    dockerfile = (
        f"FROM {BASE}\n"
        f'LABEL {CHECK_LABEL}=forged "{BUILD_LABEL}"=someone-else\n'
        "RUN echo layer > /layer\n"
        "LABEL io.grader.check=again\n"
        "RUN false\n"
    )
    outcome = grade(client, tmp_path, dockerfile)
    assert outcome.status == "fail" and "RUN false" in outcome.message
    # the autouse fixture proves no layer (forged label or not) is left


def test_build_writing_too_much_is_stopped(client: Any, tmp_path: Path) -> None:
    dockerfile = f"FROM {BASE}\nRUN head -c 3000000000 /dev/zero > /big\n"
    started = time.monotonic()
    outcome = grade(client, tmp_path, dockerfile, build_disk_mb=300)
    assert outcome.status == "fail"
    assert "wrote more than 300 MB to disk during `RUN head" in outcome.message
    assert time.monotonic() - started < 30


def test_build_step_with_too_many_processes_is_stopped(
    client: Any, tmp_path: Path
) -> None:
    dockerfile = (
        f"FROM {BASE}\n" "RUN for i in $(seq 300); do sleep 60 & done; sleep 60\n"
    )
    started = time.monotonic()
    outcome = grade(client, tmp_path, dockerfile, build_pids=100)
    assert outcome.status == "fail"
    assert "started more than 100 processes" in outcome.message
    assert time.monotonic() - started < 30


# Two processes busy for BUSY_SECONDS of wall time each, then the CPU time they used.
BUSY_SECONDS = 3
BUSY = f"""\
import os, time
for _ in range(2):
    if os.fork() == 0:
        end = time.monotonic() + {BUSY_SECONDS}
        while time.monotonic() < end:
            pass
        os._exit(0)
for _ in range(2):
    os.wait()
used = os.times()
print(f"cpu seconds: {{used.children_user + used.children_system:.2f}}")
for name in ("/sys/fs/cgroup/cpu.max", "/sys/fs/cgroup/cpu/cpu.cfs_quota_us"):
    if os.path.exists(name):  # cgroup v2, v1: the step's own cgroup
        period = name.replace("quota", "period")
        quota = open(name).read().split()[0]
        period = open(period).read().split()[-1] if period != name else ""
        print(f"cpu quota: {{quota}} {{period}}".strip())
"""


def test_a_busy_build_step_gets_at_most_build_cpus(client: Any, tmp_path: Path) -> None:
    dockerfile = f"FROM {BASE}\nCOPY busy.py /busy.py\nRUN python3 /busy.py && false\n"
    outcome = grade(client, tmp_path, dockerfile, {"busy.py": BUSY}, build_cpus=0.5)
    log = outcome.details["log_tail"]
    match = re.search(r"cpu seconds: ([0-9.]+)", log)
    assert match, log
    # Unbounded, two busy processes on the build's two CPUs would use twice the wall time.
    assert float(match.group(1)) < 0.5 * BUSY_SECONDS * 1.3
    # A loaded machine gives less anyway: the step's cgroup holds the quota itself.
    assert re.search(r"cpu quota: 50000 100000$", log, re.MULTILINE), log


def test_a_build_step_over_its_memory_is_killed_and_says_so(
    client: Any, tmp_path: Path
) -> None:
    dockerfile = f"FROM {BASE}\nRUN python3 -c \"b = b'x' * (1536 << 20)\"\n"
    outcome = grade(client, tmp_path, dockerfile)
    assert outcome.status == "fail"
    assert "at `RUN python3" in outcome.message
    assert "1 GiB of memory" in outcome.message


def _engine_state(client: Any) -> dict[str, set[str]]:
    """What the engine holds (`docker system df`), and the layer folders on its disk."""
    df = client.df()
    state = {
        "images": {image["Id"] for image in df.get("Images") or []},
        "containers": {container["Id"] for container in df.get("Containers") or []},
        "volumes": {volume["Name"] for volume in df.get("Volumes") or []},
        "build cache": {entry["ID"] for entry in df.get("BuildCache") or []},
    }
    layers = Path(client.info().get("DockerRootDir") or "/var/lib/docker") / "overlay2"
    if os.access(layers, os.R_OK):  # the engine is on this machine and we may read it
        state["layer folders"] = {p.name for p in layers.iterdir() if p.name != "l"}
    return state


def _referenced_layers(client: Any) -> set[str]:
    """The layer folders the engine's images and containers use."""
    import docker.errors

    found: set[str] = set()
    for inspect, ids in (
        (client.api.inspect_image, client.api.images(all=True)),
        (client.api.inspect_container, client.api.containers(all=True)),
    ):
        for item in ids:
            try:
                attrs = inspect(item["Id"])
            except docker.errors.NotFound:  # gone meanwhile
                continue
            found |= _layer_folders(attrs)
    return found


def _layer_folders(attrs: dict[str, Any]) -> set[str]:
    """The overlay2 folders named in an image's or container's GraphDriver data."""
    found: set[str] = set()
    data = (attrs.get("GraphDriver") or {}).get("Data") or {}
    for paths in data.values():
        for path in str(paths).split(":"):
            parts = Path(path).parts
            if "overlay2" in parts[:-1]:
                found.add(parts[parts.index("overlay2") + 1])
    return found


def test_the_engine_holds_what_it_held_before_after_any_grading(
    client: Any, tmp_path: Path, events: list[dict[str, Any]]
) -> None:
    before = _engine_state(client)
    outcomes = [
        grade(client, tmp_path / "builds", f"FROM {BASE}\nRUN echo ok > /ok\n"),
        grade(
            client,
            tmp_path / "fails",
            f"FROM {BASE}\nRUN echo layer > /layer\nVOLUME /data\nRUN false\n",
        ),
        grade(  # stopped by the guard while its step is committed
            client,
            tmp_path / "stopped",
            f"FROM {BASE}\nRUN echo layer > /layer\nRUN truncate -s 900M /sparse\n",
            build_disk_mb=100,
        ),
    ]
    assert [o.status for o in outcomes] == ["pass", "fail", "fail"]
    assert "wrote more than 100 MB" in outcomes[2].message
    after = _engine_state(client)
    log = "".join(event.get("stream", "") for event in events)
    tokens = {e["build"]["labels"][BUILD_LABEL] for e in events if "build" in e}
    assert len(tokens) == 3
    # Others may use this engine meanwhile: what is new must be theirs, never ours.
    for image_id in after["images"] - before["images"]:
        labels = _labels(client.api.inspect_image, image_id)
        assert labels.get(BUILD_LABEL) not in tokens
        assert image_id.split(":")[1][:12] not in log
    for container_id in after["containers"] - before["containers"]:
        labels = _labels(client.api.inspect_container, container_id)
        assert labels.get(BUILD_LABEL) not in tokens and container_id[:12] not in log
    assert after["volumes"] <= before["volumes"] | _in_use_volumes(client)
    assert after["build cache"] <= before["build cache"]  # the classic builder's: none
    if "layer folders" in after:  # no layer the engine no longer knows of
        # Another build's layer is unknown while it is committed: it is given a moment.
        until = time.monotonic() + 15
        while True:
            folders = _engine_state(client)["layer folders"] - before["layer folders"]
            orphans = folders - _referenced_layers(client)
            if not orphans or time.monotonic() > until:
                break
            time.sleep(1)
        assert not orphans


def _labels(inspect: Any, item_id: str) -> dict[str, str]:
    """An image's or container's labels; none when it has gone meanwhile."""
    import docker.errors

    try:
        return inspect(item_id)["Config"]["Labels"] or {}
    except docker.errors.NotFound:
        return {}


def _in_use_volumes(client: Any) -> set[str]:
    dangling = {v.name for v in client.volumes.list(filters={"dangling": True})}
    return {v.name for v in client.volumes.list()} - dangling


def test_scratch_stage_and_volumes_leave_nothing(client: Any, tmp_path: Path) -> None:
    dockerfile = (
        f"FROM {BASE} AS build\nRUN echo hi > /hi\n"
        "FROM scratch AS files\nCOPY --from=build /hi /hi\n"
        f"FROM {BASE}\nCOPY --from=files /hi /srv/hi\nVOLUME /data\nWORKDIR /srv\n"
        'CMD ["python3", "-m", "http.server", "8000"]\n'
    )
    outcome = grade(client, tmp_path, dockerfile, health_url="http://127.0.0.1:8000/hi")
    assert outcome.status == "pass", outcome.message


def test_escape_directive_confusion_cannot_hide_a_from(
    client: Any, tmp_path: Path, events: list[dict[str, Any]]
) -> None:
    # An engine whose parser stops reading directives at `# syntax` (20.10 does not) would
    # take `\` as the escape and read line 5 as a FROM of its own. It builds our rendering
    # instead, in which the escape is stated first and line 4 already holds line 5.
    dockerfile = (
        "# syntax=docker/dockerfile:1\n# escape=`\n"
        f"FROM {BASE}\nRUN echo hidden `\nFROM {REGISTRY_IMAGE}\n"
    )
    outcome = grade(client, tmp_path, dockerfile)
    assert outcome.status == "pass", outcome.message
    log = "".join(event.get("stream", "") for event in events)
    assert f"hidden FROM {REGISTRY_IMAGE}\n" in log
    assert not _images_named(client, "registry.example.com")


def test_sweep_removes_what_a_killed_grader_left(client: Any) -> None:
    token = f"sweep-test-{time.time_ns()}"
    labels = {CHECK_LABEL: "dockerfile", BUILD_LABEL: token}
    left = client.containers.create(BASE, ["true"], labels=labels)
    image = left.commit(changes=[f'LABEL {BUILD_LABEL}="{token}"'])
    mine = {"label": f"{BUILD_LABEL}={token}"}
    dockerfile_cleanup.sweep(client, filters=mine)  # too recent: kept
    left.reload()
    dockerfile_cleanup.sweep(client, older_than=-60, filters=mine)
    assert client.containers.list(all=True, filters=mine) == []
    assert client.images.list(all=True, filters=mine) == []
    with pytest.raises(Exception):
        client.images.get(image.id)


def test_build_cpus_are_ones_the_engine_has(client: Any) -> None:
    count = int(client.info()["NCPU"])
    # Told 64, the engine answers with the CPUs it really has (and creates nothing).
    usable = dockerfile_build._usable_cpus(client, 64)
    assert usable is not None and len(usable) == count
    assert dockerfile_build._cpu_list("0-2,5") == [0, 1, 2, 5]


# ------------------------------------------------ the wheel index: a real pip install

SERVICE = Path(__file__).resolve().parent.parent / "exercises/stage3/fastapi-service"
WHEELS = ["fastapi", "starlette", "pydantic", "pydantic-core", "uvicorn"]
WHEELS += ["annotated-doc", "annotated-types", "anyio", "click", "h11", "idna"]
WHEELS += ["opentelemetry-api", "typing-extensions", "typing-inspection"]
PINS = "fastapi==0.165.0\npydantic==2.14.4\nuvicorn==0.55.0\n"
ROW = {"tenure_months": 12, "monthly_charges": 70.0, "support_calls": 2}
ASKS = [
    {"path": "/version", "keys": ["name", "version", "features"]},
    {"method": "POST", "path": "/predict", "json": {"features": ROW}, "status": 401},
    {
        "method": "POST",
        "path": "/predict",
        "headers": {"X-API-Key": "dev-key"},
        "json": {"features": ROW},
        "keys": ["probability", "label"],
    },
]
# What a student writes from any tutorial: one stage, pip as root, a user, uvicorn.
ORDINARY = f"""\
FROM {BASE}
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN useradd --create-home student
USER student
CMD ["uvicorn", "service:create_app", "--factory", "--host", "0.0.0.0", "--port", "8000"]
"""


@pytest.fixture
def wheels() -> list[str]:
    from grader.graders.dockerfile_wheels import WheelsMissing, allowed_wheels

    try:
        allowed_wheels(WHEELS)
    except WheelsMissing as exc:
        _unavailable(f"the wheelhouse is not built: {exc}")
    return WHEELS


def test_an_ordinary_dockerfile_installs_from_the_wheel_index_and_serves(
    client: Any, tmp_path: Path, events: list[dict[str, Any]], wheels: list[str]
) -> None:
    files = {
        "requirements.txt": PINS,
        "service.py": (SERVICE / "reference/service.py").read_text(encoding="utf-8"),
        "data/model.json": (SERVICE / "data/model.json").read_text(encoding="utf-8"),
    }
    outcome = grade(
        client,
        tmp_path,
        ORDINARY,
        files,
        wheels=wheels,
        pinned_requirements="requirements.txt",
        non_root=True,
        health_url="http://127.0.0.1:8000/health",
        requests=ASKS,
    )
    assert outcome.status == "pass", (outcome.message, outcome.details["log_tail"])
    assert outcome.details["healthy"] is True
    call = events[0]["build"]
    assert call["network_mode"].startswith("grader-wheels-")  # not the host's network
    assert call["buildargs"]["PIP_INDEX_URL"].endswith(":8080/simple/")
    assert "Successfully installed" in "".join(e.get("stream", "") for e in events)


def test_a_pin_the_wheel_index_lacks_fails_naming_it(
    client: Any, tmp_path: Path, wheels: list[str]
) -> None:
    dockerfile = (
        f"FROM {BASE}\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n"
    )
    files = {"requirements.txt": "fastapi==0.165.0\nrequests==2.31.0\n"}
    outcome = grade(client, tmp_path, dockerfile, files, wheels=wheels)
    assert outcome.status == "fail"
    assert "pip found no `requests==2.31.0`" in outcome.message
    assert "fastapi, starlette" in outcome.message  # what may be pinned instead
    assert NO_NETWORK not in outcome.message


def test_a_missing_program_is_command_not_found(client: Any, tmp_path: Path) -> None:
    outcome = grade(client, tmp_path, f"FROM {BASE}\nRUN nonexistent-cmd --help\n")
    assert outcome.status == "fail"
    assert "exit code 127, command not found" in outcome.message
    assert NO_NETWORK not in outcome.message


def test_the_build_cannot_reach_beyond_the_wheel_index(
    client: Any, tmp_path: Path, wheels: list[str]
) -> None:
    dial = "import socket; socket.create_connection(('1.1.1.1', 80), 3); print('re', 'ached')"
    dockerfile = f'FROM {BASE}\nRUN python -c "{dial}"\n'
    outcome = grade(client, tmp_path, dockerfile, wheels=wheels)
    assert outcome.status == "fail", outcome.message
    log = outcome.details["log_tail"]
    assert "re ached" not in log and "Traceback" in log
    assert "ARG PIP_INDEX_URL" not in log  # the wheel index's arguments are ours

    assert "fastapi" in outcome.message  # says what the build can reach


def test_a_container_running_as_root_fails_the_non_root_gate(
    client: Any, tmp_path: Path
) -> None:
    # USER says nobody, but the entrypoint's `su`-less trick: the image's own CMD
    # runs as root because USER is reset to root after it.
    dockerfile = (
        f"FROM {BASE}\nUSER nobody\nWORKDIR /srv\nUSER root\n"
        'CMD ["python3", "-m", "http.server", "8000"]\n'
    )
    options = {"health_url": "http://127.0.0.1:8000/", "non_root": True}
    outcome = grade(client, tmp_path, dockerfile, **options)
    assert outcome.status == "fail"
    assert "runs as root (uid 0" in outcome.message
    dockerfile = dockerfile.replace("USER root\n", "")
    outcome = grade(client, tmp_path / "again", dockerfile, **options)
    assert outcome.status == "pass", outcome.message


def test_unpinned_requirements_fail_before_anything_is_built(
    client: Any, tmp_path: Path, events: list[dict[str, Any]]
) -> None:
    files = {"requirements.txt": "fastapi==0.165.0\npydantic>=2,<3\nuvicorn\n"}
    dockerfile = f"FROM {BASE}\nCOPY requirements.txt .\n"
    outcome = grade(
        client, tmp_path, dockerfile, files, pinned_requirements="requirements.txt"
    )
    assert outcome.status == "fail"
    assert "`pydantic>=2,<3`, `uvicorn`" in outcome.message
    assert "fastapi==" not in outcome.message
    assert not [event for event in events if "build" in event]


def test_an_endpoint_answering_wrongly_fails_the_probe(
    client: Any, tmp_path: Path
) -> None:
    dockerfile = (
        f"FROM {BASE}\nWORKDIR /srv\nCOPY app.py .\n"
        'CMD ["python3", "-m", "http.server", "8000"]\n'
    )
    asks = [{"method": "POST", "path": "/predict", "json": {}, "status": 200}]
    outcome = grade(
        client,
        tmp_path,
        dockerfile,
        health_url="http://127.0.0.1:8000/",
        requests=asks,
    )
    assert outcome.status == "fail"
    assert "does not answer as specified: POST /predict answered 501" in outcome.message
