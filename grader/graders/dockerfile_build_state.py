"""One graded Dockerfile build's names and what its build stream said.

Every image and container a build creates carries the check's label and this build's token
(`Build.labels`), so what is ours is found by label. The stream is read into a bounded log
without our own LABEL steps: the log is the student's build.
"""

from __future__ import annotations

import re
import uuid
from collections import deque
from dataclasses import dataclass, field

from grader.graders.dockerfile_policy import label_instruction
from grader.scorecard.caps import OUTPUT_CHARS, cap_text, clean_text

# Every image and container a build creates carries both labels; the second names one run.
CHECK_LABEL = "io.grader.check"
BUILD_LABEL = "io.grader.dockerfile.build"
TAG_REPO = "grader-dockerfile"
MB = 1_000_000  # as `docker images` shows sizes
LOG_LINES = 40
STEP_RE = re.compile(r"^Step \d+/\d+ : (.*)$")
ANSI_RE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


@dataclass
class Build:
    """One run's build: its names, and what the stream said (the last lines, the step)."""

    token: str = field(default_factory=lambda: uuid.uuid4().hex[:16])
    lines: deque[str] = field(default_factory=lambda: deque(maxlen=LOG_LINES))
    pending: str = ""
    step: str = ""
    error: str = ""
    timed_out: bool = False
    stopped: str = ""  # why the guard stopped the build (disk, processes)
    helper_image: str = ""  # a local image with `find` and `truncate` (an allowed base)
    seconds: float = 0.0
    network: str = ""  # the internal network the build runs on ("": none at all)
    build_args: dict[str, str] = field(default_factory=dict)  # pip's wheel index
    ours: bool = False  # the stream is in one of our LABEL steps

    @property
    def tag(self) -> str:
        return f"{TAG_REPO}:{self.token}"

    @property
    def labels(self) -> dict[str, str]:
        return {CHECK_LABEL: "dockerfile", BUILD_LABEL: self.token}

    @property
    def filters(self) -> dict[str, str]:
        return {"label": f"{BUILD_LABEL}={self.token}"}

    def feed(self, text: str) -> None:
        # The engine splits lines across events ("Step 1/2 : FROM x", then "\n"); a step's
        # output may be one endless line, so what is kept is bounded. Our own LABEL steps
        # and ARG steps are left out: the log is the student's build.
        *complete, pending = (self.pending + text).split("\n")
        self.pending = pending[-OUTPUT_CHARS:]
        for line in complete:
            if step := STEP_RE.match(line):
                self.ours = self._ours(step.group(1))
                if not self.ours:
                    self.step = step.group(1)
            if not self.ours:
                self.lines.append(line[-OUTPUT_CHARS:])

    def _ours(self, step: str) -> bool:
        # Ours: the LABEL after every FROM and LABEL, and the one the engine adds last for
        # the build's `labels` (`LABEL key=value ...`, in either order).
        if step == label_instruction(self.labels):
            return True
        words = step.split()
        if words[:1] == ["ARG"] and words[1:] and words[1] in self.build_args:
            return len(words) == 2  # the wheel index's, declared after every FROM
        pairs = {f"{key}={value}" for key, value in self.labels.items()}
        return words[:1] == ["LABEL"] and sorted(words[1:]) == sorted(pairs)

    def tail(self) -> str:
        return clip("\n".join(x for x in [*self.lines, self.pending, self.error] if x))


def clip(text: str) -> str:
    """The last LOG_LINES lines, without colour codes, capped."""
    lines = clean_text(ANSI_RE.sub("", text)).splitlines()[-LOG_LINES:]
    return cap_text("\n".join(lines), OUTPUT_CHARS)
