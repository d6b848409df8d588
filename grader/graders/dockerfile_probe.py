"""The health probe of a built Dockerfile image: run it sandboxed, and ask it.

The student's container runs with no network, a read-only root and small limits.
`health_url` is asked from a container of our own, in the runner image, that shares only the
student container's network namespace, so a fake `python3` in the image proves nothing;
`health_command` runs inside the student's container, so it is only as honest as that image.
"""

from __future__ import annotations

import json
import time
from typing import Any

from grader.graders.dockerfile_build_state import LOG_LINES, Build, clip
from grader.i18n.message import Message, msg
from grader.runner.docker_backend import DEFAULT_IMAGE

DEFAULT_HEALTH_SECONDS = 30.0
# One probe attempt: a hanging health command must not eat the whole deadline.
ATTEMPT_SECONDS = 5.0
# Runs in our probe container, in the student's network namespace: GET the URL until it
# answers 2xx/3xx (urllib raises on 4xx/5xx) or the time is up. Proxies are never used.
URL_PROBE = """\
import json, sys, time, urllib.request as r
url, until = sys.argv[1], time.monotonic() + float(sys.argv[2])
opener = r.build_opener(r.ProxyHandler({}))
while True:
    try:
        opener.open(url, timeout=3).close()
        break
    except Exception as exc:
        last = f"{type(exc).__name__}: {exc}"
    if time.monotonic() > until:
        print(last[:300], flush=True)
        sys.exit(1)
    time.sleep(0.5)
def text(body):  # one line: the last line printed is the reason
    return " ".join(body[:300].decode("utf-8", "replace").split())[:200]
base = url.split("/", 3)
base = "/".join(base[:3])
for ask in json.loads(sys.argv[3] if len(sys.argv) > 3 else "[]"):
    method, path = ask.get("method", "GET"), ask["path"]
    data = json.dumps(ask["json"]).encode() if "json" in ask else None
    headers = {"Content-Type": "application/json", **ask.get("headers", {})}
    request = r.Request(base + path, data=data, headers=headers, method=method)
    try:
        with opener.open(request, timeout=5) as answer:
            status, body = answer.status, answer.read()
    except r.HTTPError as exc:
        status, body = exc.code, exc.read()
    except Exception as exc:
        print(f"{method} {path}: {type(exc).__name__}: {exc}"[:300], flush=True)
        sys.exit(2)
    if status != ask.get("status", 200):
        print(f"{method} {path} answered {status}, not {ask.get('status', 200)}: "
              f"{text(body)}", flush=True)
        sys.exit(2)
    try:
        keys = set(json.loads(body)) if ask.get("keys") else set()
    except Exception:
        keys = set()
    if not set(ask.get("keys", [])) <= keys:
        print(f"{method} {path} answered without {sorted(set(ask['keys']) - keys)}: "
              f"{text(body)}", flush=True)
        sys.exit(2)
"""
# The student's container while probed: no network (its own loopback still works), a
# read-only root with a small /tmp, memory/process/CPU limits, and only the capabilities an
# entrypoint that switches users needs.
STUDENT_SANDBOX: dict[str, Any] = {
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
# Our prober: the runner image, nobody, nothing writable, no capabilities, small.
PROBER_SANDBOX: dict[str, Any] = {
    "user": "65534:65534",
    "read_only": True,
    "mem_limit": "128m",
    "memswap_limit": "128m",
    "pids_limit": 16,
    "nano_cpus": 500_000_000,
    "cap_drop": ["ALL"],
    "security_opt": ["no-new-privileges"],
    "detach": True,
}


def probe(
    client: Any,
    build: Build,
    options: dict[str, Any],
    probe_image: str = DEFAULT_IMAGE,
) -> tuple[bool, Message | str, str]:
    """Run the image until every health probe succeeds: (healthy, why not, container log).
    Why not is a message (grader.i18n): the views render it in their reader's language.

    `health_url` is asked from outside the image: from our prober in `probe_image`, which
    shares only the student container's network namespace. `health_command` runs inside the
    student's container, so it is only as honest as that image.
    """
    import docker.errors

    seconds = float(options.get("health_seconds", DEFAULT_HEALTH_SECONDS))
    command, url = options.get("health_command"), options.get("health_url")
    what = " and ".join(
        x for x in (f"`{command}`" if command else "", f"GET {url}" if url else "") if x
    )
    try:
        container = client.containers.run(
            build.tag, labels=build.labels, **STUDENT_SANDBOX
        )
    except docker.errors.APIError as exc:
        why = msg(
            "the container did not start: {error}", error=str(exc.explanation or exc)
        )
        return False, why, ""
    deadline = time.monotonic() + seconds
    prober = None
    url_ok = not url
    command_ok = not command
    while True:
        container.reload()
        if container.status in ("exited", "dead"):
            return _exited(container, what)
        if url and prober is None:
            try:
                asks = json.dumps(options.get("requests") or [])
                prober = client.containers.run(
                    probe_image,
                    [str(url), str(seconds), asks],
                    entrypoint=["python3", "-I", "-c", URL_PROBE],
                    labels=build.labels,
                    network_mode=f"container:{container.id}",
                    **PROBER_SANDBOX,
                )
            except docker.errors.APIError:
                container.reload()
                if container.status in ("exited", "dead"):
                    return _exited(container, what)
                raise
        if prober is not None and not url_ok:
            prober.reload()
            if prober.status in ("exited", "dead"):
                code = prober.attrs.get("State", {}).get("ExitCode")
                if code == 0:
                    url_ok = True
                elif code == 2:  # healthy, but an endpoint answered wrongly
                    why = msg(
                        "the service does not answer as specified: {what}",
                        what=_last_line(prober),
                    )
                    return False, why, _log(container)
                else:
                    container.reload()
                    if container.status in ("exited", "dead"):
                        return _exited(container, what)
                    last = _last_line(prober)
                    why = msg(
                        "never became healthy: {what} did not succeed within "
                        "{seconds:g} s{last}",
                        what=f"GET {url}",
                        seconds=seconds,
                        last=f" ({last})" if last else "",
                    )
                    return False, why, _log(container)
        if command and not command_ok:
            argv = ["/bin/sh", "-c", str(command)]
            try:
                command_ok = _attempt(client, container.id, argv, deadline)
            except FileNotFoundError as exc:  # no retry makes a missing program appear
                why = msg(
                    "the health probe cannot run in the image: {error}", error=str(exc)
                )
                return False, why, ""
        if url_ok and command_ok:
            if options.get("non_root"):
                root = _root_process(client, container.id)
                if root:
                    why = msg(
                        "the container runs as root (uid 0: `{process}`): create a user "
                        "(useradd) and switch to it with USER before CMD",
                        process=root,
                    )
                    return False, why, _log(container)
            return True, "", ""
        # The prober keeps its own deadline; it is given a little longer to report.
        if time.monotonic() + 0.5 >= deadline + (10 if url and not url_ok else 0):
            break
        time.sleep(0.5)
    why = msg(
        "never became healthy: {what} did not succeed within {seconds:g} s{last}",
        what=what,
        seconds=seconds,
        last="",
    )
    logs = _log(container)
    if "read-only file system" in logs.lower():
        why = msg(
            "never became healthy: {what} did not succeed within {seconds:g} s (the "
            "root filesystem is read-only while probing: write to /tmp)",
            what=what,
            seconds=seconds,
        )
    return False, why, logs


def _root_process(client: Any, container_id: str) -> str:
    """A process of the container running as uid 0, as the engine sees it (not what the
    image's own `id` would claim); "" when there is none."""
    listing = client.api.top(container_id, ps_args="-o pid,uid,args")
    titles = [title.upper() for title in listing.get("Titles") or []]
    if "UID" not in titles or "COMMAND" not in titles:
        return ""  # an engine whose ps says nothing about users
    uid, args = titles.index("UID"), titles.index("COMMAND")
    for process in listing.get("Processes") or []:
        if str(process[uid]).strip() == "0":
            return str(process[args])[:120]
    return ""


def _exited(container: Any, what: str) -> tuple[bool, Message, str]:
    code = container.attrs.get("State", {}).get("ExitCode")
    why = msg(
        "the container exited (code {code}) before {what} succeeded: its CMD must keep "
        "running (e.g. a server)",
        code=code,
        what=what,
    )
    return False, why, _log(container)


def _last_line(container: Any) -> str:
    lines = clip(container.logs(tail=5).decode("utf-8", "replace")).splitlines()
    return lines[-1][:300] if lines else ""


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
    return clip(container.logs(tail=LOG_LINES).decode("utf-8", "replace"))
