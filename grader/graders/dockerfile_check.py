"""The Dockerfile check: the submission's Dockerfile builds, offline, into a small image.

It runs on the host's Docker engine, not inside the sandbox: building needs the engine. Before
anything is built the Dockerfile is parsed (`dockerfile_policy`): a stage may only start from
an allowed base (`allowed_bases`, default the runner's base), `scratch` or an earlier stage,
`COPY --from` likewise, and `ADD <url>` or `RUN --mount` are refused, with the line that
asks. The engine builds our rendering of it, never the student's text, with no network, no
pull, capped memory, CPU, disk and processes, and is stopped at `build_seconds`. The image's
size is held against `max_image_mb` (MB = 10**6 bytes, as `docker images` shows). The health
probe (`dockerfile_probe`) starts the image with no network and asks `health_url` from a
container of our own that shares only its network namespace, so a fake `python3` in the
image proves nothing. Everything the check created is removed in `finally`, whatever the
outcome (`dockerfile_cleanup`). Our LABEL is added after every FROM and every LABEL, so every
layer and build container carries this run's token (`dockerfile_build_state`); the build
itself runs in `dockerfile_build`, watched by `dockerfile_guard`.

An exercise whose Dockerfile installs its requirements lists the distributions it allows
(`wheels`): the build then runs on an internal network where only our wheel index answers
(`dockerfile_wheels`). `pinned_requirements` fails unpinned requirements before building,
`non_root` fails a container whose processes run as uid 0 (as the engine sees them), and
`requests` are asked of the running service once it is healthy (`dockerfile_probe`).
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

from grader.catalog.model import CheckConfig
from grader.errors import BackendUnavailable
from grader.graders.base import result, timed
from grader.i18n.message import Message, msg
from grader.registry.declaration import (
    CheckDeclaration,
    HostJob,
    Presentation,
    StageHint,
)
from grader.graders.dockerfile_build import (
    BUILD_LIMITS,
    TRANSPORT_ERRORS,
    build_image,
)
from grader.graders.dockerfile_build_state import MB, Build
from grader.graders.dockerfile_cleanup import cleanup, sweep
from grader.graders.dockerfile_policy import Refused, plan
from grader.graders.dockerfile_probe import DEFAULT_HEALTH_SECONDS, probe
from grader.graders.dockerfile_wheels import (
    WheelsMissing,
    allowed_wheels,
    index_image,
    serve,
)
from grader.runner.docker_backend import DEFAULT_IMAGE, connect
from grader.runner.image import DEFAULT_BASE
from grader.scorecard.caps import MESSAGE_CHARS, cap_text
from grader.scorecard.model import CheckResult, CheckStatus

__all__ = ["DECLARATION", "NO_NETWORK", "allowed_bases", "run"]
DEFAULT_MAX_MB = 500
BUILD_MEMORY_TEXT = f"{BUILD_LIMITS['memory'] / (1 << 30):g} GiB"
DEFAULT_BUILD_SECONDS = 300.0
NETWORK_HINT = msg(
    "the build has no network: vendor wheels in the context or use the provided base"
)
NO_NETWORK = NETWORK_HINT.text
# pip's words when the index has no such distribution or version.
PIP_MISSING_RE = re.compile(r"No matching distribution found for (\S+)")
EXIT_RE = re.compile(r"returned a non-zero code: (\d+)\s*$")
PIN_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(\[[^\]]*\])?\s*==\s*[^\s=*]+$")
SIZE_HINT = msg(
    "use a multi-stage build, a slim base and no caches "
    "(pip install --no-cache-dir, rm -rf /var/lib/apt/lists/*)"
)
# A build step that reaches for the network, or the error it gets for trying.
NETWORK_RE = re.compile(
    r"apt-get|apt install|apk add|curl |wget |git clone|npm (ci|install)"
    r"|name resolution|resolve host|no such host|network is unreachable|failed to establish"
    r"|could not fetch|getaddrinfo|registry|pull access"
    r"|no route to host|connection refused|TimeoutError|timed out",
    re.IGNORECASE,
)


def run(
    context_dir: Path,
    config: CheckConfig,
    *,
    client: Any | None = None,
    probe_image: str = DEFAULT_IMAGE,
    deadline: float | None = None,
) -> CheckResult:
    """Build `context_dir`'s Dockerfile, measure the image, probe it; remove all of it.

    `probe_image` is the image our health prober runs (it needs `python3`): the runner's.
    `deadline` (time.monotonic()) shortens `build_seconds` and `health_seconds` to what is
    left of the job's time.
    """
    return timed(lambda: _run(context_dir, config, client, probe_image, deadline))


def run_on_host(job: HostJob, config: CheckConfig) -> CheckResult:
    """The check as the pipeline runs it: on the backend's engine, within the job's time.

    The health probe runs in a container of the runner image the backend uses.
    """
    return run(
        job.submission,
        config,
        client=job.client,
        probe_image=job.image or DEFAULT_IMAGE,
        deadline=job.deadline,
    )


def _run(
    context: Path,
    config: CheckConfig,
    client: Any | None,
    probe_image: str,
    deadline: float | None = None,
) -> CheckResult:
    if not (context / "Dockerfile").is_file():
        message = msg(
            "no Dockerfile: add one named `Dockerfile` at your workspace's root"
        )
        return _result(config, "fail", message, _details(config))
    if client is None:
        try:
            client = connect()
        except BackendUnavailable as exc:
            message = msg(
                "the Dockerfile check needs Docker: {error}", error=exc.message
            )
            return _result(config, "error", message)
    import docker.errors

    build = Build()
    try:
        sweep(client)
        return _grade(client, context, config, build, probe_image, deadline)
    except (docker.errors.DockerException, *TRANSPORT_ERRORS) as exc:
        # The engine failed us, not the student: an error, never a fail.
        message = msg("the Docker engine failed: {error}", error=str(exc))
        return _result(config, "error", message)
    finally:
        cleanup(client, build)


def allowed_bases(config: CheckConfig) -> list[str]:
    """The images a stage may start from (besides `scratch` and earlier stages)."""
    bases = config.options.get("allowed_bases") or [DEFAULT_BASE]
    return [str(base) for base in bases]


def _grade(
    client: Any,
    context: Path,
    config: CheckConfig,
    build: Build,
    probe_image: str,
    deadline: float | None = None,
) -> CheckResult:
    options, details = config.options, _details(config)
    limit_mb = details["limit_mb"]
    text = (context / "Dockerfile").read_text(encoding="utf-8", errors="replace")
    allowed = allowed_bases(config)
    local = {name: image_id for name in allowed if (image_id := _local(client, name))}
    try:
        checked = plan(text, allowed, base_ids=local)
    except Refused as refused:
        message = msg("the Dockerfile was not built: {why}", why=str(refused))
        return _result(config, "fail", message, details)
    # Checked here: the engine would try to pull an allowed base that is missing.
    for base in checked.bases:
        if base not in local:
            message = msg(
                "the base image `{base}` is allowed but not on this machine, and a "
                "graded build pulls nothing: the grader's operator must load it "
                "(`grader runner bootstrap` creates {default})",
                base=base,
                default=DEFAULT_BASE,
            )
            return _result(config, "error", message, details)
    if options.get("health_url") and not _local(client, probe_image):
        message = msg(
            "the health probe runs in the runner image `{image}`, which is not "
            "built: run `grader runner build`",
            image=probe_image,
        )
        return _result(config, "error", message, details)
    unpinned = _unpinned(context, options.get("pinned_requirements"))
    if unpinned:
        message = msg(
            "{file} must pin every requirement with == (a build is repeatable only "
            "then): {lines}",
            file=str(options["pinned_requirements"]),
            lines=", ".join(f"`{line}`" for line in unpinned[:5]),
        )
        return _result(config, "fail", message, details)
    if options.get("wheels"):
        try:
            wheels = allowed_wheels(list(options["wheels"]))
        except WheelsMissing as exc:
            message = msg(
                "the grader's wheelhouse lacks what this exercise allows: {error}",
                error=str(exc),
            )
            return _result(config, "error", message, details)
        index_base = allowed[0] if allowed[0] in local else next(iter(local), "")
        if not index_base:
            message = msg(
                "the base image `{base}` is not on this machine: the grader's operator "
                "must load it (`grader runner bootstrap` creates {default})",
                base=allowed[0],
                default=DEFAULT_BASE,
            )
            return _result(config, "error", message, details)
        build.build_args = serve(client, build, index_image(client, index_base, wheels))
    seconds = wanted = float(options.get("build_seconds", DEFAULT_BUILD_SECONDS))
    probing = bool(options.get("health_command") or options.get("health_url"))
    health = float(options.get("health_seconds", DEFAULT_HEALTH_SECONDS))
    if deadline is not None:
        options = dict(options)  # the exercise's own stay as they are
        left = deadline - time.monotonic()
        seconds = min(seconds, left - (health if probing else 0.0))
        if seconds < 1.0:
            message = msg(
                "the job's time ran out before the Dockerfile could be built "
                "({left:.0f} s were left); nothing was built",
                left=max(0.0, left),
            )
            return _result(config, "error", message, details)
    build_image(client, context, checked, seconds, build, options)
    details["build_seconds"] = round(build.seconds, 2)
    if build.timed_out and seconds < wanted:  # the job's time, not build_seconds
        details["log_tail"] = build.tail()
        message = msg(
            "the job's time ran out while the Dockerfile was built ({seconds:.0f} s "
            "were left of build_seconds = {wanted:g}); nothing was scored",
            seconds=seconds,
            wanted=wanted,
        )
        return _result(config, "error", message, details)
    if build.timed_out or build.stopped or build.error:
        details["log_tail"] = build.tail()
        why = _build_failure(build, seconds, _wheel_names(options))
        return _result(config, "fail", why, details)
    size = client.images.get(build.tag).attrs["Size"]
    details["image_mb"] = round(size / MB, 2)
    if size > limit_mb * MB:
        details["log_tail"] = build.tail()
        message = msg(
            "the image is {size:.1f} MB, over the {limit} MB limit: {hint}",
            size=size / MB,
            limit=limit_mb,
            hint=SIZE_HINT,
        )
        return _result(config, "fail", message, details)
    numbers = {"seconds": build.seconds, "size": size / MB, "limit": limit_mb}
    if probing:
        if deadline is not None:  # what the build left, within health_seconds
            left = max(1.0, deadline - time.monotonic())
            options["health_seconds"] = min(health, left)
        healthy, why, logs = probe(client, build, options, probe_image)
        details["healthy"] = healthy
        if not healthy:
            details["log_tail"] = logs
            return _result(config, "fail", why, details)
        return _result(
            config,
            "pass",
            msg(
                "the image builds in {seconds:.1f} s and is {size:.1f} MB; the "
                "container became healthy (limit {limit} MB)",
                **numbers,
            ),
            details,
        )
    return _result(
        config,
        "pass",
        msg(
            "the image builds in {seconds:.1f} s and is {size:.1f} MB (limit {limit} MB)",
            **numbers,
        ),
        details,
    )


def _local(client: Any, name: str) -> str | None:
    """The id of a local image, None when the engine does not have it (never a pull)."""
    import docker.errors

    try:
        return str(client.images.get(name).id)
    except docker.errors.ImageNotFound:
        return None


def _unpinned(context: Path, name: Any) -> list[str]:
    """The requirement lines of `name` (in the context) not pinned with ==."""
    if not name:
        return []
    path = context / str(name)
    if not path.is_file():
        return [f"{name} (missing)"]
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    wanted = [line.split("#")[0].strip() for line in lines]
    return [line for line in wanted if line and not PIN_RE.match(line)]


def _wheels_hint(wheels: str) -> Message:
    """What the build can reach: the wheel index when the exercise allows wheels."""
    if not wheels:
        return NETWORK_HINT
    return msg(
        "the build reaches only the grader's wheel index, nothing else: pip installs "
        "what the exercise allows ({wheels}; `grader exercises wheels <exercise>` "
        "lists their versions)",
        wheels=wheels,
    )


def _wheel_names(options: dict[str, Any]) -> str:
    return ", ".join(str(name) for name in options.get("wheels") or [])


def _build_failure(build: Build, seconds: float, wheels: str = "") -> Message:
    """Why the image was not built, and what to do about it (a message: the views render
    it in the reader's language; the build's own words stay as the engine gave them)."""
    if build.stopped:
        stopped = cap_text(build.stopped, MESSAGE_CHARS // 2)
        if build.step:
            return msg(
                "{why} during `{step}` and was stopped; make it smaller (a multi-stage "
                "build, no caches, no process swarms)",
                why=stopped,
                step=build.step,
            )
        return msg(
            "{why} and was stopped; make it smaller (a multi-stage build, no caches, "
            "no process swarms)",
            why=stopped,
        )
    if build.timed_out:
        if build.step:
            return msg(
                "the build took longer than {seconds:g} s and was stopped during "
                "`{step}`; make it faster (fewer, smaller steps; no downloads)",
                seconds=seconds,
                step=build.step,
            )
        return msg(
            "the build took longer than {seconds:g} s and was stopped; make it faster "
            "(fewer, smaller steps; no downloads)",
            seconds=seconds,
        )
    # The engine's error is quoted as it is, within the message's cap.
    error = cap_text(build.error, MESSAGE_CHARS // 2)
    if build.error.rstrip().endswith("non-zero code: 137"):  # SIGKILL: the OOM killer
        why = msg(
            "killed: a build step may use at most {memory} of memory",
            memory=BUILD_MEMORY_TEXT,
        )
    elif missing := PIP_MISSING_RE.search(build.tail()):
        why = msg(
            "pip found no `{requirement}`: {hint}",
            requirement=missing.group(1),
            hint=_wheels_hint(wheels),
        )
    elif (code := EXIT_RE.search(build.error)) and code.group(1) == "127":
        why = msg(
            "exit code 127, command not found: install the program in an earlier step, "
            "or call it by its full path"
        )
    elif (code := EXIT_RE.search(build.error)) and code.group(1) == "126":
        why = msg("exit code 126, the command is not executable: chmod +x it")
    elif NETWORK_RE.search(f"{build.step}\n{build.error}\n{build.tail()}"):
        why = _wheels_hint(wheels)
    else:
        why = None
    if build.step and why is not None:
        return msg(
            "the image did not build at `{step}`: {error} ({why})",
            step=build.step,
            error=error,
            why=why,
        )
    if build.step:
        return msg(
            "the image did not build at `{step}`: {error}", step=build.step, error=error
        )
    if why is not None:
        return msg("the image did not build: {error} ({why})", error=error, why=why)
    return msg("the image did not build: {error}", error=error)


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
    message: Message | str,
    details: dict[str, Any] | None = None,
) -> CheckResult:
    return result("dockerfile", status, config.weight, message=message, details=details)


def _host_seconds(config: CheckConfig) -> float:
    """The build's limit and the health probe's, as the exercise sets them."""
    options = config.options
    build = float(options.get("build_seconds", DEFAULT_BUILD_SECONDS))
    return build + float(options.get("health_seconds", DEFAULT_HEALTH_SECONDS))


def _report(check: CheckResult) -> list[str]:
    log_tail = check.details.get("log_tail")
    return [log_tail] if log_tail else []


DECLARATION = CheckDeclaration(
    id="dockerfile",
    title="Dockerfile builds a small image",
    title_zh="Dockerfile 构建出小体积镜像",
    runs_in="host",
    run=run_on_host,
    details_schema={
        "type": "object",
        "required": ["image_mb", "limit_mb", "build_seconds", "healthy", "log_tail"],
        "properties": {
            "image_mb": {"type": ["number", "null"], "minimum": 0, "maximum": 1000000},
            "limit_mb": {"type": "integer", "minimum": 1, "maximum": 1000000},
            "build_seconds": {"type": "number", "minimum": 0, "maximum": 86400},
            "healthy": {"type": ["boolean", "null"]},
            "log_tail": {"$ref": "#/$defs/text"},
        },
    },
    options_schema={
        "max_image_mb": {"type": "integer", "minimum": 1},
        "build_seconds": {"type": "number", "exclusiveMinimum": 0},
        "health_command": {"type": "string"},
        "health_url": {"type": "string"},
        "health_seconds": {"type": "number", "exclusiveMinimum": 0, "maximum": 300},
        "allowed_bases": {
            "type": "array",
            "items": {"type": "string", "minLength": 1},
            "minItems": 1,
        },
        "build_disk_mb": {"type": "number", "exclusiveMinimum": 0},
        "wheels": {
            "type": "array",
            "items": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]*$"},
            "minItems": 1,
        },
        "pinned_requirements": {"type": "string", "minLength": 1},
        "non_root": {"type": "boolean"},
        "requests": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["path"],
                "properties": {
                    "method": {"enum": ["GET", "POST", "PUT", "DELETE"]},
                    "path": {"type": "string", "pattern": "^/"},
                    "headers": {
                        "type": "object",
                        "additionalProperties": {"type": "string"},
                    },
                    "json": {},
                    "status": {"type": "integer", "minimum": 100, "maximum": 599},
                    "keys": {"type": "array", "items": {"type": "string"}},
                },
                "additionalProperties": False,
            },
        },
        "build_pids": {"type": "integer", "minimum": 16},
    },
    empty_details=_details,
    host_seconds=_host_seconds,
    present=Presentation(report=_report),
    stage=StageHint("docker build -t app . and fix what the check's message names"),
)
