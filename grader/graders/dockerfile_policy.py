"""The build policy: what a graded Dockerfile may name, decided before anything is built.

The engine fetches whatever a Dockerfile names and cannot find locally (a `FROM`, a
`COPY --from`, an `ADD <url>`) over the host's network, and prints whatever a local image
holds into the build log. So every image reference is resolved after `ARG` substitution
(global ARGs and their defaults, `--build-arg`s we pass), and anything but an allowed base,
`scratch` or an earlier stage is refused with the line that names it.

What is built is not the student's text but `Plan.render()`: one line per instruction, every
`FROM` and `--from` replaced by the name it was resolved to. The engine therefore never
interprets a reference, an escape directive or a continuation differently from this module.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from grader.graders.dockerfile_parse import (
    IMAGE_ID_RE,
    SCRATCH,
    Instruction,
    Refused,
    canonical,
    expand,
    parse,
    parse_instruction,
    split_words,
)

__all__ = ["Plan", "Refused", "label_instruction", "plan"]
STAGE_NAME_RE = re.compile(r"^[a-z][a-z0-9._-]*$")
HEX_RE = re.compile(r"^[0-9a-f]{12,64}$")
# `ADD` fetches http(s) URLs (and, under BuildKit, git remotes) with the host's network.
REMOTE_MARKERS = (":", "$")
# A heredoc word (`<<EOF`, `<<-"EOF"`, `3<<EOF`; not the here-string `<<<`), after BuildKit.
HEREDOC_RE = re.compile(r"^\d*<<-?[^<\s]")


@dataclass
class Plan:
    """A Dockerfile that passed the policy, ready to render for the engine."""

    escape: str
    instructions: list[Instruction]
    bases: list[str] = field(default_factory=list)  # allowed bases used, as configured
    stages: list[str] = field(default_factory=list)  # each stage's name ("" unnamed)

    def render(self, labels: Mapping[str, str], args: Sequence[str] = ()) -> str:
        """The Dockerfile the engine builds: `labels` re-asserted after every FROM and LABEL.

        A student's LABEL could overwrite ours; re-asserting it at once keeps every later
        layer and build container findable by our label. `args` are declared (ARG) in
        every stage, so its RUN steps see the build arguments of those names.
        """
        label = label_instruction(labels)
        lines = [f"# escape={self.escape}"]
        for instruction in self.instructions:
            text = instruction.text
            if text.endswith(self.escape):  # the file's last line may end in an escape
                text = text[: -len(self.escape)].rstrip()
            lines.append(text)
            if labels and instruction.keyword in ("from", "label"):
                lines.append(label)
            if instruction.keyword == "from":
                lines.extend(f"ARG {name}" for name in args)
        return "\n".join(lines) + "\n"


def label_instruction(labels: Mapping[str, str]) -> str:
    """The LABEL instruction that marks every layer and build container as ours."""
    pairs = (f"{json.dumps(key)}={json.dumps(value)}" for key, value in labels.items())
    return "LABEL " + " ".join(pairs)


def plan(
    dockerfile: str,
    allowed: Iterable[str],
    *,
    build_args: Mapping[str, str] | None = None,
    base_ids: Mapping[str, str] | None = None,
) -> Plan:
    """Check every reference the Dockerfile makes; raise Refused for the first bad one.

    `allowed` are the bases a stage may start from (besides `scratch` and earlier stages);
    `base_ids` maps an allowed base to its local image id, so a reference by id or short id
    to that same image is accepted. `build_args` override global ARG defaults, as
    `--build-arg` does.
    """
    escape, instructions = parse(dockerfile)
    allowed = list(allowed)
    canon = {canonical(name): name for name in allowed if canonical(name)}
    ids = {name: _bare_id(image) for name, image in (base_ids or {}).items()}
    policy = _Policy(allowed, canon, ids)
    build_args = dict(build_args or {})
    meta: dict[str, str | None] = (
        {}
    )  # global ARGs; None: declared without a usable value
    result = Plan(escape, [])
    for instruction in instructions:
        keyword = instruction.keyword
        if keyword == "from":
            instruction = policy.stage(instruction, meta, escape, result)
        elif not result.stages:
            if keyword == "arg":
                _declare(instruction, meta, build_args, escape)
            else:
                message = "a Dockerfile must start with FROM (after ARGs and comments)"
                raise Refused(instruction.line, message)
        elif keyword == "onbuild":
            policy.onbuild(instruction)
        else:
            earlier = len(result.stages) - 1
            instruction = policy.step(instruction, meta, escape, earlier)
        result.instructions.append(instruction)
    if not result.stages:
        raise Refused(1, "the Dockerfile has no FROM line")
    return result


class _Policy:
    """The rules, with the stages seen so far."""

    def __init__(
        self, allowed: list[str], canon: dict[str, str], ids: dict[str, str]
    ) -> None:
        self.allowed = allowed
        self.canon = canon
        self.ids = ids
        self.names: dict[str, int] = {}  # stage name -> its index

    def what_is_allowed(self, earlier: int) -> str:
        """The allowed bases, `scratch`, and the stages before the current one."""
        choices = [*self.allowed, SCRATCH]
        if earlier:
            by_index = {index: name for name, index in self.names.items()}
            stages = ", ".join(by_index.get(i, str(i)) for i in range(earlier))
            choices.append(f"an earlier stage ({stages})")
        return ", ".join(choices[:-1]) + " or " + choices[-1]

    def resolve(self, name: str, earlier: int, line: int, shown: str) -> str:
        """What `name` stands for: a stage before the current one, `scratch` or a base."""
        lowered = name.lower()
        if self.names.get(lowered, earlier) < earlier:
            return lowered
        if lowered == SCRATCH:
            return SCRATCH
        base = self.canon.get(canonical(name) or "") or self._by_id(name)
        if base is None:
            why = ""
            if IMAGE_ID_RE.match(name) or HEX_RE.match(name) or "@" in name:
                why = " (an image by id or digest only when it is an allowed base)"
            elif lowered in self.names:
                why = " (a stage can only use the stages before it)"
            message = (
                f"{shown} names `{name}`, which a graded build cannot use{why}. "
                f"Nothing is pulled: use {self.what_is_allowed(earlier)}"
            )
            raise Refused(line, message)
        return base

    def _by_id(self, name: str) -> str | None:
        full = IMAGE_ID_RE.match(name)
        short = name if HEX_RE.match(name) else None
        for base, image_id in self.ids.items():
            if image_id and (
                (full and full.group(1) == image_id)
                or (short and image_id.startswith(short))
            ):
                return base
        return None

    def stage(
        self,
        instruction: Instruction,
        meta: Mapping[str, str | None],
        escape: str,
        result: Plan,
    ) -> Instruction:
        line, index = instruction.line, len(result.stages)
        for key, _ in instruction.flags:
            if key.lower() != "platform":
                raise Refused(line, f"FROM does not take `--{key}`")
        words = instruction.rest.split()
        if len(words) not in (1, 3) or (len(words) == 3 and words[1].lower() != "as"):
            raise Refused(line, "FROM takes an image and optionally `AS name`")
        name = expand(words[0], meta, escape, line)
        shown = f"`FROM {words[0]}`" + (f" (= `{name}`)" if name != words[0] else "")
        base = self.resolve(name, index, line, shown)
        if base not in self.names and base != SCRATCH and base not in result.bases:
            result.bases.append(base)
        stage = ""
        if len(words) == 3:
            stage = words[2].lower()
            if not STAGE_NAME_RE.match(stage):
                raise Refused(line, f"`{words[2]}` is not a valid stage name")
            if stage in self.names:
                raise Refused(line, f"the stage name `{stage}` is used twice")
            self.names[stage] = index
        result.stages.append(stage)
        # --platform is dropped: the build is for the engine's own platform, and a platform
        # the local base lacks would make the engine pull one.
        text = f"FROM {base}" + (f" AS {stage}" if stage else "")
        return replace(instruction, flags=(), rest=text[5:], text=text)

    def step(
        self,
        instruction: Instruction,
        meta: Mapping[str, str | None],
        escape: str,
        earlier: int,
    ) -> Instruction:
        """A step of stage number `earlier` (so `earlier` stages come before it)."""
        keyword, line = instruction.keyword, instruction.line
        if keyword == "run" and instruction.flags:
            raise Refused(
                line,
                f"`RUN --{instruction.flags[0][0]}` is a BuildKit feature the grader's "
                "build does not have (a mount could name another image): remove it",
            )
        if keyword in ("run", "copy", "add"):
            _check_heredoc(instruction)
        if keyword == "add":
            _check_add(instruction)
        source = instruction.flag("from") if keyword in ("copy", "add") else None
        if not source:
            return instruction
        if sum(1 for key, _ in instruction.flags if key.lower() == "from") > 1:
            raise Refused(line, "`--from` is given twice")
        name = expand(source, meta, escape, line)
        shown = f"`--from={source}`" + (f" (= `{name}`)" if name != source else "")
        if name.isdigit():
            if int(name) >= earlier:
                message = (
                    f"{shown} is not an earlier stage: use "
                    f"{self.what_is_allowed(earlier)}"
                )
                raise Refused(line, message)
            target = str(int(name))
        else:
            target = self.resolve(name, earlier, line, shown)
        flags = tuple(
            ("from", target) if key.lower() == "from" else (key, value)
            for key, value in instruction.flags
        )
        rewritten = replace(instruction, flags=flags)
        return replace(rewritten, text=rewritten.render())

    def onbuild(self, instruction: Instruction) -> None:
        # A trigger runs in a later stage that starts FROM this one, where what it names is
        # not checked again: no trigger may name an image, fetch or mount anything.
        inner = parse_instruction(instruction.line, instruction.rest)
        _check_heredoc(inner)
        if inner.keyword == "add" or (
            inner.keyword == "copy" and inner.flag("from") is not None
        ):
            raise Refused(
                instruction.line,
                "ONBUILD may not ADD or COPY --from: do it in the stage itself",
            )
        if inner.keyword == "run" and inner.flags:
            raise Refused(instruction.line, "ONBUILD RUN takes no flags here")
        if inner.keyword in ("onbuild", "from"):
            raise Refused(
                instruction.line, f"ONBUILD {inner.keyword.upper()} is invalid"
            )


def _check_heredoc(instruction: Instruction) -> None:
    # The classic builder reads a heredoc's body as instructions of their own; an engine
    # that reads heredocs would build text this policy never checked as one.
    if any(HEREDOC_RE.match(word) for word in instruction.rest.split()):
        raise Refused(
            instruction.line,
            f"{instruction.keyword.upper()} with a heredoc (`<<`) is a BuildKit feature "
            "the grader's build does not have: put the file in your workspace and COPY it",
        )


def _check_add(instruction: Instruction) -> None:
    rest = instruction.rest.strip()
    words: list[str]
    if rest.startswith("["):
        try:
            parsed = json.loads(rest)
        except ValueError:
            parsed = None
        words = [str(x) for x in parsed] if isinstance(parsed, list) else rest.split()
    else:
        words = rest.split()
    sources = words[:-1] if len(words) > 1 else words
    if (
        "://" in rest
        or "git@" in rest
        or any(marker in source for source in sources for marker in REMOTE_MARKERS)
    ):
        raise Refused(
            instruction.line,
            "ADD may only copy files of your workspace (no URL, git remote or variable "
            "in its sources: the engine would fetch it on the grading machine's "
            "network): use COPY",
        )


def _declare(
    instruction: Instruction,
    meta: dict[str, str | None],
    build_args: Mapping[str, str],
    escape: str,
) -> None:
    """A global ARG: its default, expanded with the ARGs before it, or the build-arg."""
    for word in split_words(instruction.rest, escape):
        name, has_default, default = word.partition("=")
        if name in build_args:
            meta[name] = build_args[name]
        elif has_default:
            try:
                meta[name] = expand(default, meta, escape, instruction.line)
            except Refused:
                meta[name] = None  # refused later, and only if a FROM uses it
        else:
            meta[name] = None


def _bare_id(image_id: str) -> str:
    return image_id.split(":", 1)[1] if image_id.startswith("sha256:") else image_id
