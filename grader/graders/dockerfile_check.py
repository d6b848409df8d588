"""The Dockerfile check: the submission's Dockerfile builds, offline, into a small image.

It runs on the host's Docker engine, not inside the sandbox: building needs the engine. The
build has no network and never pulls (every base must already be on the machine), it is
stopped at `build_seconds`, the image's size is held against `max_image_mb` (MB = 10**6
bytes, as `docker images` shows), and an optional probe runs the image in a hardened
container until `health_command` / `health_url` answers. Everything the check created is
removed in `finally`, whatever the outcome.

What is ours is known by label, never by ids read from the build log: a RUN step prints into
that log, so a hostile Dockerfile could name another user's container there. The Dockerfile
is built with our LABEL added after every FROM, so every layer and every RUN container of
every stage carries this run's token.
"""

from __future__ import annotations

import re
import tempfile
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import requests
import urllib3

from grader.catalog.model import CheckConfig
from grader.errors import BackendUnavailable
from grader.graders.base import result, timed
from grader.runner.docker_backend import connect
from grader.runner.image import DEFAULT_BASE
from grader.scorecard.caps import MESSAGE_CHARS, OUTPUT_CHARS, cap_text, clean_text
from grader.scorecard.model import CheckResult, CheckStatus

# Every image and container this check creates carries both labels; the second names one run.
CHECK_LABEL = "io.grader.check"
BUILD_LABEL = "io.grader.dockerfile.build"
TAG_REPO = "grader-dockerfile"
DEFAULT_MAX_MB = 500
DEFAULT_BUILD_SECONDS = 300.0
DEFAULT_HEALTH_SECONDS = 30.0
# One probe attempt: a hanging health command must not eat the whole deadline.
ATTEMPT_SECONDS = 5.0
MB = 1_000_000
LOG_LINES = 40
NO_NETWORK = (
    "the build has no network: vendor wheels in the context or use the provided base"
)
SIZE_HINT = (
    "use a multi-stage build, a slim base and no caches "
    "(pip install --no-cache-dir, rm -rf /var/lib/apt/lists/*)"
)
# A build step that reaches for the network, or the error it gets for trying.
NETWORK_RE = re.compile(
    r"pip[0-9.]* install|apt-get|apt install|apk add|curl |wget |git clone|npm (ci|install)"
    r"|name resolution|resolve host|no such host|network is unreachable|failed to establish"
    r"|could not fetch|no matching distribution|getaddrinfo|registry|pull access",
    re.IGNORECASE,
)
STEP_RE = re.compile(r"^Step \d+/\d+ : (.*)$")
DIRECTIVE_RE = re.compile(r"^#\s*(\w+)\s*=\s*(\S+)\s*$")
ANSI_RE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# HTTP errors (4xx/5xx) raise, so the probe exits 1; proxies from the image's env are ignored.
URL_PROBE = (
    "import sys, urllib.request as r\n"
    "r.build_opener(r.ProxyHandler({})).open(sys.argv[1], timeout=3)\n"
)
# The probe container: no network (its own loopback still works), a read-only root with a
# small /tmp, memory/process/CPU limits, and only the capabilities an entrypoint that
# switches users needs.
PROBE_SANDBOX: dict[str, Any] = {
    "network_mode": "none",
    "read_only": True,
    "tmpfs": {"/tmp": "rw,nosuid,nodev,size=64m,mode=1777"},
    "mem_limit": "512m",
    "memswap_limit": "512m",
    "pids_limit": 128,
    "nano_cpus": 1_000_000_000,
    "cap_drop": ["ALL"],
    "cap_add": ["CHOWN", "SETUID", "SETGID", "DAC_OVERRIDE", "FOWNER"],
    "security_opt": ["no-new-privileges"],
    "init": True,
    "detach": True,
}
# How a broken or timed-out connection to the engine surfaces while a stream is read.
TRANSPORT_ERRORS = (requests.RequestException, urllib3.exceptions.HTTPError)
BUILD_LIMITS = {"memory": 1 << 30, "memswap": 1 << 30}  # RUN steps: 1 GiB, no swap


@dataclass
class Build:
    """One run's build: its names, and what the stream said (the last lines, the step)."""

    token: str = field(default_factory=lambda: uuid.uuid4().hex[:16])
    lines: deque[str] = field(default_factory=lambda: deque(maxlen=LOG_LINES))
    pending: str = ""
    step: str = ""
    error: str = ""
    timed_out: bool = False
    seconds: float = 0.0

    @property
    def tag(self) -> str:
        return f"{TAG_REPO}:{self.token}"

    @property
    def labels(self) -> dict[str, str]:
        return {CHECK_LABEL: "dockerfile", BUILD_LABEL: self.token}

    def feed(self, text: str) -> None:
        # The engine splits lines across events ("Step 1/2 : FROM x", then "\n"); a step's
        # output may be one endless line, so what is kept is bounded.
        *complete, pending = (self.pending + text).split("\n")
        self.pending = pending[-OUTPUT_CHARS:]
        for line in complete:
            self.lines.append(line[-OUTPUT_CHARS:])
            if step := STEP_RE.match(line):
                self.step = step.group(1)

    def tail(self) -> str:
        return _clip("\n".join(x for x in [*self.lines, self.pending, self.error] if x))


def run(
    context_dir: Path, config: CheckConfig, *, client: Any | None = None
) -> CheckResult:
    """Build `context_dir`'s Dockerfile, measure the image, probe it; remove all of it."""
    return timed(lambda: _run(context_dir, config, client))


def _run(context: Path, config: CheckConfig, client: Any | None) -> CheckResult:
    if not (context / "Dockerfile").is_file():
        message = "no Dockerfile: add one named `Dockerfile` at your workspace's root"
        return _result(config, "fail", message, _details(config))
    if client is None:
        try:
            client = connect()
        except BackendUnavailable as exc:
            message = f"the Dockerfile check needs Docker: {exc.message}"
            return _result(config, "error", message)
    import docker.errors

    build = Build()
    try:
        return _grade(client, context, config, build)
    except (docker.errors.DockerException, *TRANSPORT_ERRORS) as exc:
        # The engine failed us, not the student: an error, never a fail.
        return _result(config, "error", f"the Docker engine failed: {exc}")
    finally:
        cleanup(client, build)


def _grade(
    client: Any, context: Path, config: CheckConfig, build: Build
) -> CheckResult:
    import docker.errors

    options, details = config.options, _details(config)
    limit_mb = details["limit_mb"]
    text = (context / "Dockerfile").read_text(encoding="utf-8", errors="replace")
    for image in base_images(text):
        try:  # checked first: a missing base would make the engine try to pull it
            client.images.get(image)
        except docker.errors.ImageNotFound:
            message = (
                f"the base image `{image}` is not on this machine and cannot be pulled "
                f"({NO_NETWORK}, e.g. FROM {DEFAULT_BASE})"
            )
            return _result(config, "fail", message, details)
    seconds = float(options.get("build_seconds", DEFAULT_BUILD_SECONDS))
    _build(client, context, text, seconds, build)
    details["build_seconds"] = round(build.seconds, 2)
    if build.timed_out or build.error:
        details["log_tail"] = build.tail()
        return _result(config, "fail", _build_failure(build, seconds), details)
    size = client.images.get(build.tag).attrs["Size"]
    details["image_mb"] = round(size / MB, 2)
    if size > limit_mb * MB:
        details["log_tail"] = build.tail()
        message = f"the image is {size / MB:.1f} MB, over the {limit_mb} MB limit: "
        return _result(config, "fail", message + SIZE_HINT, details)
    summary = f"the image builds in {build.seconds:.1f} s and is {size / MB:.1f} MB"
    if options.get("health_command") or options.get("health_url"):
        healthy, why, logs = probe(client, build, options)
        details["healthy"] = healthy
        if not healthy:
            details["log_tail"] = logs
            return _result(config, "fail", why, details)
        summary += "; the container became healthy"
    return _result(config, "pass", f"{summary} (limit {limit_mb} MB)", details)


def instructions(dockerfile: str) -> Iterator[tuple[int, list[str]]]:
    """Each instruction as (index of its last line, words), continuation lines joined."""
    lines = dockerfile.splitlines()
    escape = "\\"
    for line in lines:  # parser directives: only comments of this form, at the very top
        if not (directive := DIRECTIVE_RE.match(line.strip())):
            break
        if directive.group(1).lower() == "escape":
            escape = directive.group(2)
    words: list[str] = []
    for index, line in enumerate(lines):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        continued = text.endswith(escape)
        words += (text[: -len(escape)] if continued else text).split()
        if not continued:
            yield index, words
            words = []


def base_images(dockerfile: str) -> list[str]:
    """The images the FROM lines name, minus stages, `scratch` and ARG-built names."""
    images: list[str] = []
    stages = {"scratch"}
    for _, words in instructions(dockerfile):
        words = [word for word in words if not word.startswith("--")]
        if len(words) < 2 or words[0].upper() != "FROM":
            continue
        if words[1].lower() not in stages and "$" not in words[1]:
            images.append(words[1])
        if len(words) >= 4 and words[2].upper() == "AS":
            stages.add(words[3].lower())
    return images


def labelled(dockerfile: str, labels: dict[str, str]) -> str:
    """The Dockerfile with a LABEL after each FROM: every later layer and container has it."""
    lines = dockerfile.splitlines()
    label = "LABEL " + " ".join(f'"{key}"="{value}"' for key, value in labels.items())
    for index, words in reversed(list(instructions(dockerfile))):
        if words[0].upper() == "FROM":
            lines.insert(index + 1, label)
    return "\n".join(lines) + "\n"


def _build(client: Any, context: Path, text: str, seconds: float, build: Build) -> None:
    """Stream the build into `build`, stopping it at the deadline."""
    import docker.errors

    scratch = tempfile.TemporaryDirectory(prefix="grader-dockerfile-")
    dockerfile = Path(scratch.name) / "Dockerfile"
    dockerfile.write_text(labelled(text, build.labels), encoding="utf-8")
    start = time.monotonic()
    finished = threading.Event()
    watchdog = threading.Thread(
        target=_watchdog, args=(client, build, start + seconds, finished), daemon=True
    )
    watchdog.start()
    stream = None
    try:
        stream = client.api.build(
            path=str(context),
            dockerfile=str(dockerfile),  # outside the context: the SDK sends it along
            tag=build.tag,
            labels=build.labels,
            rm=True,
            forcerm=True,
            nocache=True,  # no layer is shared with another build: all of ours can go
            pull=False,
            decode=True,
            network_mode="none",
            container_limits=BUILD_LIMITS,
            timeout=seconds,  # a silent stall as long as the whole budget ends the read
        )
        for event in stream:
            build.feed(event.get("stream", ""))
            if event.get("error"):
                build.error = str(event["error"]).strip()
            if time.monotonic() - start > seconds:
                build.timed_out = True
                break
    except docker.errors.APIError as exc:  # the engine refused the Dockerfile outright
        build.error = str(exc.explanation or exc)
    except TRANSPORT_ERRORS:
        if time.monotonic() - start < seconds:
            raise
        build.timed_out = True  # the read timed out: the budget passed in silence
    finally:
        if stream is not None:
            stream.close()  # dropping the connection makes the engine cancel the build
        finished.set()
        watchdog.join()
        build.seconds = time.monotonic() - start
        scratch.cleanup()


def _watchdog(
    client: Any, build: Build, deadline: float, finished: threading.Event
) -> None:
    # The stream blocks while a RUN step is silent, so the deadline is kept from here: killing
    # the step's container fails the step, and the builder stops at its first failed step.
    if finished.wait(max(0.0, deadline - time.monotonic())):
        return
    build.timed_out = True
    label = {"label": f"{BUILD_LABEL}={build.token}"}
    while not finished.is_set():
        try:
            for container in client.containers.list(
                all=True, filters=label, ignore_removed=True
            ):
                _quietly(client.api.remove_container, container.id, force=True)
        except Exception:  # the engine hiccuped: the stream's own timeout still ends it
            pass
        finished.wait(0.5)


def _build_failure(build: Build, seconds: float) -> str:
    if build.timed_out:
        message = (
            f"the build took longer than {seconds:g} s and was stopped"
            + (f" during `{build.step}`" if build.step else "")
            + "; make it faster (fewer, smaller steps; no downloads)"
        )
    else:  # a FROM built from an ARG gets here too: its pull fails for lack of network
        where = f" at `{build.step}`" if build.step else ""
        message = f"the image did not build{where}: {build.error}"
        if NETWORK_RE.search(f"{build.step}\n{build.error}\n{build.tail()}"):
            message += f" ({NO_NETWORK})"
    return cap_text(message, MESSAGE_CHARS)


def probe(client: Any, build: Build, options: dict[str, Any]) -> tuple[bool, str, str]:
    """Run the image until every health probe exits 0: (healthy, why not, container log)."""
    import docker.errors

    seconds = float(options.get("health_seconds", DEFAULT_HEALTH_SECONDS))
    probes: list[list[str]] = []
    names: list[str] = []
    if options.get("health_command"):
        probes.append(["/bin/sh", "-c", str(options["health_command"])])
        names.append(f"`{options['health_command']}`")
    if options.get("health_url"):
        probes.append(["python3", "-c", URL_PROBE, str(options["health_url"])])
        names.append(f"GET {options['health_url']}")
    what = " and ".join(names)
    try:
        container = client.containers.run(
            build.tag, labels=build.labels, **PROBE_SANDBOX
        )
    except docker.errors.APIError as exc:
        return False, f"the container did not start: {exc.explanation or exc}", ""
    deadline = time.monotonic() + seconds
    while True:
        container.reload()
        if container.status in ("exited", "dead"):
            code = container.attrs.get("State", {}).get("ExitCode")
            why = f"the container exited (code {code}) before {what} succeeded: its CMD"
            return False, why + " must keep running (e.g. a server)", _log(container)
        try:
            if all(_attempt(client, container.id, argv, deadline) for argv in probes):
                return True, "", ""
        except FileNotFoundError as exc:  # no retry makes a missing program appear
            return False, f"the health probe cannot run in the image: {exc}", ""
        if time.monotonic() + 0.5 >= deadline:
            break
        time.sleep(0.5)
    why = f"never became healthy: {what} did not succeed within {seconds:g} s"
    logs = _log(container)
    if "read-only file system" in logs.lower():
        why += " (the root filesystem is read-only while probing: write to /tmp)"
    return False, why, logs


def _attempt(client: Any, container_id: str, argv: list[str], deadline: float) -> bool:
    """Run one probe via exec; True when it exits 0 before its own short deadline."""
    import docker.errors

    try:
        exec_id = client.api.exec_create(container_id, argv)["Id"]
        client.api.exec_start(exec_id, detach=True)
    except docker.errors.APIError as exc:
        if "executable file not found" in str(exc):
            raise FileNotFoundError(f"`{argv[0]}` is not in the image") from None
        return False  # e.g. the container just stopped: the caller looks at it next
    until = min(deadline, time.monotonic() + ATTEMPT_SECONDS)
    while time.monotonic() < until:
        state = client.api.exec_inspect(exec_id)
        if not state.get("Running"):
            return state.get("ExitCode") == 0
        time.sleep(0.1)
    return False


def _log(container: Any) -> str:
    return _clip(container.logs(tail=LOG_LINES).decode("utf-8", "replace"))


def _clip(text: str) -> str:
    """The last LOG_LINES lines, without colour codes, capped."""
    lines = clean_text(ANSI_RE.sub("", text)).splitlines()[-LOG_LINES:]
    return cap_text("\n".join(lines), OUTPUT_CHARS)


def cleanup(client: Any, build: Build) -> None:
    """Remove this run's containers, its image and every layer its build left behind."""
    import docker.errors

    label = {"label": f"{BUILD_LABEL}={build.token}"}
    try:
        for container in client.containers.list(
            all=True, filters=label, ignore_removed=True
        ):
            _quietly(client.api.remove_container, container.id, force=True, v=True)
        _quietly(client.images.remove, build.tag, force=True, noprune=False)
        # A failed or multi-stage build leaves untagged layers. A parent cannot go before its
        # children, and removing a child prunes its untagged parents: a few passes suffice.
        for _ in range(5):
            images = client.images.list(all=True, filters=label)
            if not images:
                break
            for image in images:
                _quietly(client.images.remove, image.id, force=True, noprune=False)
    except docker.errors.DockerException:
        pass  # the engine went away: nothing more can be removed from here


def _quietly(remove: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    try:
        remove(*args, **kwargs)
    except Exception:  # gone already, or a parent whose child goes first
        pass


def _details(config: CheckConfig) -> dict[str, Any]:
    return {
        "image_mb": None,  # None until an image exists
        "limit_mb": int(config.options.get("max_image_mb", DEFAULT_MAX_MB)),
        "build_seconds": 0.0,
        "healthy": None,  # None when no probe is configured or none ran
        "log_tail": "",
    }


def _result(
    config: CheckConfig,
    status: CheckStatus,
    message: str,
    details: dict[str, Any] | None = None,
) -> CheckResult:
    message = cap_text(message, MESSAGE_CHARS)
    return result("dockerfile", status, config.weight, message=message, details=details)
