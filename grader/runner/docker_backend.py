"""The Docker backend: every Docker call of a grading run lives here.

One fresh, hardened container per run; the job folder is bind-mounted (the submission and the
hidden suite read-only, only out/ writable); the host waits with its own deadline and kills the
job's containers by label; everything is removed in `finally`.
"""

from __future__ import annotations

import os
import time
import threading
import uuid
from dataclasses import dataclass
from typing import Any

from grader.catalog.model import Exercise
from grader.errors import BackendUnavailable
from grader.i18n.message import msg
from grader.runner.backend import RunOutcome
from grader.runner.job import Job
from grader.runner.log_stream import LogStream, ProgressCallback

# One runner image per stage (docs/images.md): the core (the grading tools and grader) plus
# the stage's libraries. An exercise is graded in its stage's image.
RUNNER_REPOSITORY = "grader-runner"
STAGES = (1, 2, 3, 4)
CORE_IMAGE = f"{RUNNER_REPOSITORY}:core"
# The image for containers that need the tools but no exercise's library (the Dockerfile
# check's health prober, say).
DEFAULT_IMAGE = CORE_IMAGE
JOB_LABEL = "io.grader.job"
HOST_MARGIN_SECONDS = 15.0
# A grading container that stopped this long ago has no live owner.
ABANDONED_SECONDS = 3600.0
LOG_CHARS = 4_000
# The entrypoint starts as root inside the container only to run the other processes under
# their own uids: the trusted checks (hidden-test pytest, flake8, the coverage report) as
# TRUSTED_UID, the submission's processes as STUDENT_UID. It holds just the capabilities
# that needs, and never runs student code.
TRUSTED_USER = "0:0"
TRUSTED_UID = 10001
STUDENT_UID = 10002
TRUSTED_CAPS = ["SETUID", "SETGID", "KILL", "CHOWN", "DAC_OVERRIDE", "FOWNER"]


def stage_image(stage: int) -> str:
    """The runner image that grades the exercises of `stage`."""
    return f"{RUNNER_REPOSITORY}:stage{stage}"


def runner_images() -> list[str]:
    """Every runner image `grader runner build` makes: the core, then each stage's."""
    return [CORE_IMAGE, *(stage_image(n) for n in STAGES)]


@dataclass(frozen=True)
class SandboxLimits:
    """The limits every container gets, besides the exercise's memory and time."""

    pids: int = 256
    cpus: float = float(min(2, os.cpu_count() or 1))
    tmpfs_mb: int = 64
    work_mb: int = 128
    file_size_mb: int = 64
    open_files: int = 512


def connect(timeout: int = 30) -> Any:
    """A docker client that answered a ping, or BackendUnavailable with what to do."""
    try:
        import docker

        client = docker.from_env(timeout=timeout)
        client.ping()
    except Exception as exc:  # the SDK raises several unrelated types for "no engine"
        raise BackendUnavailable(
            msg(
                "the Docker engine is not reachable ({error}); start it "
                "(`sudo systemctl start docker` or `dockerd &`), or use --backend bwrap "
                "or local",
                error=type(exc).__name__,
            )
        ) from None
    return client


def image_available(client: Any, image: str) -> bool:
    import docker.errors

    try:
        client.images.get(image)
    except docker.errors.ImageNotFound:
        return False
    return True


class DockerBackend:
    name = "docker"
    sandboxed = True

    def __init__(
        self, image: str | None = None, limits: SandboxLimits | None = None
    ) -> None:
        """Grade each exercise in its stage's image, or every one in `image` if given.

        `self.image` is the image for containers that need no exercise's library.
        """
        self.client = connect()
        self.forced_image = image
        self.image = image or DEFAULT_IMAGE
        self.limits = limits or SandboxLimits()
        if not image_available(self.client, self.image):
            raise BackendUnavailable(
                f"the runner image {self.image} is not built; run `grader runner build` "
                "(it works offline), or use --backend bwrap or local"
            )
        self.sweep_abandoned()

    def image_for(self, exercise: Exercise) -> str:
        """The image that grades `exercise`: its stage's, unless one was forced."""
        if self.forced_image:
            return self.forced_image
        if exercise.stage not in STAGES:
            raise BackendUnavailable(
                f"no runner image for stage {exercise.stage} ({exercise.qualified_slug}):"
                f" set stage to one of {list(STAGES)} in its exercise.toml"
            )
        image = stage_image(exercise.stage)
        if not image_available(self.client, image):
            raise BackendUnavailable(
                msg(
                    "the runner image {image} is not built; run `grader runner build "
                    "--stage {stage}` (it works offline), or use --backend bwrap or "
                    "local",
                    image=image,
                    stage=exercise.stage,
                )
            )
        return image

    def sweep_abandoned(
        self, older_than_seconds: float = ABANDONED_SECONDS
    ) -> list[str]:
        """Remove grading containers left behind by a grader process that was killed.

        `finally` cannot run in a process killed with SIGKILL. Only containers that are
        not running (exited, or created and never started) and were created long ago go:
        a live grading run never keeps its container that long. Returns the removed ids.
        """
        removed = []
        try:
            candidates = self.client.api.containers(
                all=True, filters={"label": JOB_LABEL}
            )
        except Exception:  # best effort: grading goes on without the sweep
            return removed
        now = time.time()
        for entry in candidates:
            state = entry.get("State")
            if state not in ("exited", "created", "dead"):
                continue
            if now - float(entry.get("Created", now)) < older_than_seconds:
                continue
            try:
                self.client.api.remove_container(entry["Id"], force=True, v=True)
            except Exception:  # already gone, or being removed by its owner
                continue
            removed.append(entry["Id"])
        return removed

    def run(self, job: Job, on_progress: ProgressCallback | None = None) -> RunOutcome:
        label = f"{job.submission.sha256[:12]}-{uuid.uuid4().hex[:12]}"
        image_name = self.image_for(job.exercise)
        memory = f"{job.exercise.limits.memory_mb}m"
        deadline = job.exercise.limits.run_seconds + HOST_MARGIN_SECONDS
        # Only the trusted uid may read the hidden suite or write the results.
        for private in ("hidden", "out"):
            os.chmod(job.root / private, 0o700)
        os.chmod(job.root / "job.json", 0o600)
        container = None
        try:
            container = self.client.containers.create(
                image_name,
                command=["python", "-I", "-m", "grader.sandbox.entrypoint", "/job"],
                **self._hardening(job, label, memory),
            )
            container.start()
            watcher = None
            if on_progress is not None:
                watcher = threading.Thread(
                    target=_follow_progress,
                    args=(container, LogStream(job.nonce, on_progress, keep=0)),
                    daemon=True,
                )
                watcher.start()
            timed_out = False
            try:
                status = container.wait(timeout=deadline)
                exit_code = status.get("StatusCode")
            except Exception:  # requests' ReadTimeout: the deadline passed
                timed_out, exit_code = True, None
                self._kill_by_label(label)
            if watcher is not None:
                watcher.join(timeout=5.0)
            container.reload()
            state = container.attrs.get("State", {})
            log = LogStream(job.nonce, None, keep=LOG_CHARS)
            log.feed(container.logs(tail=200))
            log.close()
            logs = log.tail
            image = self.client.images.get(image_name)
            return RunOutcome(
                exit_code=exit_code,
                timed_out=timed_out,
                out_of_memory=bool(state.get("OOMKilled"))
                and not job.results_path.exists(),
                log_tail=logs,
                image=image_name,
                image_digest=image.id,
                integrity={
                    "isolation": "docker",
                    "network": "none",
                    "read_only_root": True,
                    "trusted_user": f"uid {TRUSTED_UID} (no capabilities); entrypoint "
                    "root with " + ", ".join(TRUSTED_CAPS),
                    "student_uid": STUDENT_UID,
                    "memory_mb": job.exercise.limits.memory_mb,
                    "pids_limit": self.limits.pids,
                    "cpus": self.limits.cpus,
                },
            )
        finally:
            if container is not None:
                self._remove(container)
            self._kill_by_label(label)

    def _hardening(self, job: Job, label: str, memory: str) -> dict[str, Any]:
        from docker.types import Mount, Ulimit

        root = str(job.root)
        mb = 1024 * 1024
        return {
            "user": TRUSTED_USER,
            "working_dir": "/job",
            "network_mode": "none",
            "read_only": True,
            "tmpfs": {
                "/tmp": f"rw,nosuid,nodev,size={self.limits.tmpfs_mb}m,mode=1777",
                "/job/work": f"rw,nosuid,nodev,size={self.limits.work_mb}m,mode=755",
            },
            "mounts": [
                Mount("/job/job.json", f"{root}/job.json", type="bind", read_only=True),
                Mount(
                    "/job/submission", f"{root}/submission", type="bind", read_only=True
                ),
                Mount("/job/hidden", f"{root}/hidden", type="bind", read_only=True),
                Mount("/job/out", f"{root}/out", type="bind", read_only=False),
            ],
            "mem_limit": memory,
            "memswap_limit": memory,
            "pids_limit": self.limits.pids,
            "nano_cpus": int(self.limits.cpus * 1e9),
            "ulimits": [
                Ulimit(
                    name="fsize",
                    soft=self.limits.file_size_mb * mb,
                    hard=self.limits.file_size_mb * mb,
                ),
                Ulimit(
                    name="nofile",
                    soft=self.limits.open_files,
                    hard=self.limits.open_files,
                ),
                Ulimit(name="core", soft=0, hard=0),
            ],
            "cap_drop": ["ALL"],
            "cap_add": TRUSTED_CAPS,
            "security_opt": ["no-new-privileges"],
            "init": True,
            "labels": {JOB_LABEL: label},
            "environment": {
                "HOME": "/tmp",
                "PYTHONDONTWRITEBYTECODE": "1",
                "GRADER_STUDENT_UID": str(STUDENT_UID),
                "GRADER_TRUSTED_UID": str(TRUSTED_UID),
            },
            "detach": True,
        }

    def _kill_by_label(self, label: str) -> None:
        # ignore_removed: a container that exits and is removed mid-listing is not an error.
        for container in self.client.containers.list(
            all=True, filters={"label": f"{JOB_LABEL}={label}"}, ignore_removed=True
        ):
            self._remove(container)

    @staticmethod
    def _remove(container: Any) -> None:
        try:
            container.remove(force=True, v=True)
        except Exception:  # already gone: removal is idempotent from our side
            pass


def _follow_progress(container: Any, log: LogStream) -> None:
    """Pass the entrypoint's progress on as the container writes it (ends when it stops)."""
    try:
        for chunk in container.logs(stream=True, follow=True):
            log.feed(chunk)
    except Exception:  # the container went away: progress is only for display
        pass
    log.close()
