"""Broken word count that hunts for the hidden tests and the reference solution and echoes
whatever it finds into its error messages (which end up in the scorecard)."""
import glob
import os

SELF = "grader-adv" + "-self"  # grader-adv-self: files holding this marker are ours, not leaks

NEEDLES = ("pytest.mark.points", "to be or not to be", "ranked = sorted", "WORD = re.compile")
PLACES = [
    "/job/hidden/test_word_count.py", "/job/hidden", "/job/job.json", "/job/out",
    "/job/work/trusted", "/job/work/trusted/hidden.log", "/job/work/trusted/hidden.jsonl",
    "/job/reference/word_count.py", "/job/submission/../hidden/test_word_count.py",
    "/proc/1/root/job/hidden/test_word_count.py", "/proc/self/root/job/hidden/test_word_count.py",
]


def _read(path):
    try:
        if os.path.isdir(path):
            return "dir " + ",".join(sorted(os.listdir(path)))
        with open(path, errors="replace") as f:
            return f.read(3000)
    except OSError as exc:
        return type(exc).__name__


def hunt():
    found = {p: _read(p) for p in PLACES}
    for pid in glob.glob("/proc/[0-9]*"):
        for rel in ("cwd/../hidden/test_word_count.py", "root/job/hidden/test_word_count.py",
                    "cwd/test_word_count.py"):
            found[f"{pid}/{rel}"] = _read(f"{pid}/{rel}")
        for fd in glob.glob(pid + "/fd/*"):
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if "hidden" in target or "reference" in target:
                found[fd] = target + " " + _read(fd)
    roots = ["/job", "/tmp", "/opt/venv/lib/python3.11/site-packages/grader", "/usr/local", "/srv",
             "/home", "/root", "/var"]
    for root in roots:
        for folder, _, files in os.walk(root):
            for name in files:
                if not name.endswith((".py", ".json", ".jsonl", ".log", ".toml")):
                    continue
                path = os.path.join(folder, name)
                text = _read(path)
                if any(n in text for n in NEEDLES) and SELF not in text:
                    found[path] = text
    leaks = {k: v for k, v in found.items() if any(n in v for n in NEEDLES) and SELF not in v}
    return leaks, found


def count_words(text):
    leaks, found = hunt()
    if leaks:
        raise AssertionError("LEAK" "ED " + repr(leaks)[:1900])
    raise AssertionError("HUNT " + repr({k: v[:40] for k, v in list(found.items())[:12]})[:1900])


def top_words(text, n):
    return []
