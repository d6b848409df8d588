"""Dockerfile syntax and the build policy: what a graded build may name, decided before it runs.

The engine fetches whatever a Dockerfile names and cannot find locally (a `FROM`, a
`COPY --from`, an `ADD <url>`) over the host's network, and prints whatever a local image
holds into the build log. So a Dockerfile is parsed here the way the engine's parser reads it
(parser directives, continuation lines, comments, case-insensitive keywords, `--flag=value`
words, `AS name`), every image reference is resolved after `ARG` substitution, and anything
but an allowed base, `scratch` or an earlier stage is refused with the line that names it.

What is built is not the student's text but `Plan.render()`: one line per instruction, every
`FROM` and `--from` replaced by the name it was resolved to. The engine therefore never
interprets a reference, an escape directive or a continuation differently from this module.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

SCRATCH = "scratch"
# How the engine's parser (moby/buildkit frontend/dockerfile/parser) reads lines.
DIRECTIVE_RE = re.compile(r"^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$")
DIRECTIVES = ("escape", "syntax", "check")
STAGE_NAME_RE = re.compile(r"^[a-z][a-z0-9._-]*$")
NAME_CHARS_RE = re.compile(r"[A-Za-z0-9_]")
# Image references, after github.com/distribution/reference.
COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
DOMAIN = (
    r"(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9-]+)*"
    r"|\[[0-9a-fA-F:]+\])(?::[0-9]+)?"
)
REFERENCE_RE = re.compile(
    rf"^(?:(?P<domain>{DOMAIN})/)?(?P<path>{COMPONENT}(?:/{COMPONENT})*)"
    r"(?::(?P<tag>[\w][\w.-]{0,127}))?"
    r"(?:@(?P<digest>[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}))?$"
)
IMAGE_ID_RE = re.compile(r"^(?:sha256:)?([0-9a-f]{64})$")
HEX_RE = re.compile(r"^[0-9a-f]{12,64}$")
# `ADD` fetches http(s) URLs (and, under BuildKit, git remotes) with the host's network.
REMOTE_MARKERS = (":", "$")


class Refused(Exception):
    """The Dockerfile names something a graded build may not use; `line` is 1-based."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.message = message


@dataclass(frozen=True)
class Instruction:
    """One logical instruction: continuation lines joined, comments dropped."""

    line: int  # where it starts in the student's file, 1-based
    keyword: str  # lower-case
    flags: tuple[tuple[str, str | None], ...]
    rest: str  # what follows the keyword and its flags
    text: str  # the whole logical line, as the engine would print it

    def flag(self, name: str) -> str | None:
        """The value of `--name` (compared case-insensitively), None when absent."""
        for key, value in self.flags:
            if key.lower() == name:
                return value if value is not None else ""
        return None

    def render(self) -> str:
        """The instruction as one line, with its flags written in a canonical form."""
        flags = " ".join(_render_flag(key, value) for key, value in self.flags)
        return " ".join(x for x in (self.keyword.upper(), flags, self.rest) if x)


@dataclass
class Plan:
    """A Dockerfile that passed the policy, ready to render for the engine."""

    escape: str
    instructions: list[Instruction]
    bases: list[str] = field(default_factory=list)  # allowed bases used, as configured
    stages: list[str] = field(default_factory=list)  # each stage's name ("" unnamed)

    def render(self, labels: Mapping[str, str]) -> str:
        """The Dockerfile the engine builds: `labels` re-asserted after every FROM and LABEL.

        A student's LABEL could overwrite ours; re-asserting it at once keeps every later
        layer and build container findable by our label.
        """
        label = "LABEL " + " ".join(
            f"{json.dumps(key)}={json.dumps(value)}" for key, value in labels.items()
        )
        lines = [f"# escape={self.escape}"]
        for instruction in self.instructions:
            text = instruction.text
            if text.endswith(self.escape):  # the file's last line may end in an escape
                text = text[: -len(self.escape)].rstrip()
            lines.append(text)
            if labels and instruction.keyword in ("from", "label"):
                lines.append(label)
        return "\n".join(lines) + "\n"


def parse(dockerfile: str) -> tuple[str, list[Instruction]]:
    """The escape character and the instructions, read as the engine's parser reads them."""
    lines = dockerfile.split("\n")
    if lines and lines[0].startswith("\ufeff"):
        lines[0] = lines[0][1:]
    lines = [line[:-1] if line.endswith("\r") else line for line in lines]
    escape, seen = "\\", set()
    for number, raw in enumerate(lines, 1):  # directives: only at the very top
        match = DIRECTIVE_RE.match(raw.lstrip())
        if not match or match.group(1).lower() not in DIRECTIVES:
            break
        name = match.group(1).lower()
        if name in seen:
            raise Refused(number, f"only one `{name}` parser directive can be used")
        seen.add(name)
        if name == "escape":
            if match.group(2) not in ("\\", "`"):
                raise Refused(number, "the escape directive takes \\ or ` only")
            escape = match.group(2)
    continuation = re.compile(re.escape(escape) + r"[ \t]*$")
    instructions: list[Instruction] = []
    index = 0
    while index < len(lines):
        start = index
        text = lines[index].lstrip()
        index += 1
        if _is_comment(text):
            continue
        text, ended = _trim_continuation(text, continuation)
        while not ended and index < len(lines):
            raw = lines[index]
            index += 1
            if _is_comment(raw) or not raw.strip():
                continue  # comments and empty lines inside a continuation are dropped
            more, ended = _trim_continuation(raw, continuation)
            text += more
        if text.strip():
            instructions.append(_instruction(start + 1, text.strip()))
    return escape, instructions


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


def canonical(reference: str) -> str | None:
    """`docker.io/library/python:3.11-slim` for `python:3.11-slim`; None if not a name."""
    if IMAGE_ID_RE.match(reference):
        return None
    match = REFERENCE_RE.match(reference)
    if not match:
        return None
    domain, path = match.group("domain"), match.group("path")
    if domain and not ("." in domain or ":" in domain or domain == "localhost"):
        path, domain = f"{domain}/{path}", None  # `user/repo`: no domain after all
    if domain and domain.lower() != domain:
        return None
    domain = domain or "docker.io"
    if domain == "index.docker.io":
        domain = "docker.io"
    if domain == "docker.io" and "/" not in path:
        path = f"library/{path}"
    tag = match.group("tag")
    digest = match.group("digest")
    if not tag and not digest:
        tag = "latest"
    return (
        f"{domain}/{path}"
        + (f":{tag}" if tag else "")
        + (f"@{digest}" if digest else "")
    )


def expand(word: str, env: Mapping[str, str | None], escape: str, line: int) -> str:
    """Shell-like word processing of the engine: quotes, escapes, `$NAME`, `${NAME}`,
    `${NAME:-word}`, `${NAME:+word}` (and without the colon). A variable without a value is
    refused rather than read as empty: it could stand for anything on another engine.
    """
    out: list[str] = []
    index, quote = 0, ""
    while index < len(word):
        char = word[index]
        index += 1
        if quote == "'":
            if char == "'":
                quote = ""
            else:
                out.append(char)
        elif char == escape:
            if index == len(word):
                break  # a trailing escape is dropped
            following = word[index]
            index += 1
            if quote == '"' and following not in ('"', "$", escape):
                out.append(char)
            out.append(following)
        elif char in "'\"" and not quote:
            quote = char
        elif char == '"' and quote == '"':
            quote = ""
        elif char == "$":
            value, index = _dollar(word, index, env, escape, line)
            out.append(value)
        else:
            out.append(char)
    if quote:
        raise Refused(line, f"unterminated quote in `{word}`")
    return "".join(out)


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
        inner = _instruction(instruction.line, instruction.rest)
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
    for word in _words(instruction.rest, escape):
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


def _dollar(
    word: str, index: int, env: Mapping[str, str | None], escape: str, line: int
) -> tuple[str, int]:
    """Expand the variable after a `$` at `index`; return its value and where it ends."""
    if index < len(word) and word[index] == "{":
        end = word.find("}", index)
        if end < 0:
            raise Refused(line, f"missing `}}` in `{word}`")
        body = word[index + 1 : end]
        match = re.match(r"^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+])(.*))?$", body, re.S)
        if not match:
            raise Refused(
                line,
                f"`${{{body}}}` is not understood here: use $NAME, ${{NAME}}, "
                "${NAME:-default} or ${NAME:+alternative}",
            )
        name, operator, operand = match.groups()
        value = _value(name, env, line)
        if operator:
            alternative = expand(operand or "", env, escape, line)
            empty = value == "" and operator.startswith(":")
            if operator.endswith("-"):
                value = alternative if empty else value
            else:
                value = "" if empty else alternative
        return value, end + 1
    match = re.match(r"[A-Za-z_][A-Za-z0-9_]*", word[index:])
    if not match:
        return "$", index  # a lone `$` is literal
    return _value(match.group(0), env, line), index + match.end()


def _value(name: str, env: Mapping[str, str | None], line: int) -> str:
    value = env.get(name)
    if value is None:
        why = "has no default" if name in env else "is not a global ARG (before FROM)"
        raise Refused(
            line,
            f"`{name}` {why}: an image name must resolve to an allowed base here, "
            "so give the ARG a default (the grader passes no --build-arg)",
        )
    return value


def _is_comment(line: str) -> bool:
    return line.lstrip().startswith("#")


def _trim_continuation(line: str, continuation: re.Pattern[str]) -> tuple[str, bool]:
    if continuation.search(line):
        return continuation.sub("", line), False
    return line, True


def _instruction(line: int, text: str) -> Instruction:
    parts = re.split(r"[\t\v\f\r ]+", text.strip(), maxsplit=1)
    keyword = parts[0].lower()
    remainder = parts[1] if len(parts) > 1 else ""
    rest, words = _builder_flags(remainder)
    flags: list[tuple[str, str | None]] = []
    for word in words:
        name, has_value, value = word[2:].partition("=")
        flags.append((name, value if has_value else None))
    return Instruction(line, keyword, tuple(flags), rest.strip(), text)


def _builder_flags(line: str) -> tuple[str, list[str]]:
    """Leading `--flag=value` words, quotes and backslashes resolved (the engine's
    extractBuilderFlags), and what follows them."""
    words: list[str] = []
    pos = 0
    while True:
        while pos < len(line) and line[pos].isspace():
            pos += 1
        if not line.startswith("--", pos):
            return line[pos:], words
        word, quote = "", ""
        while pos < len(line):
            char = line[pos]
            if not quote and char.isspace():
                break
            pos += 1
            if quote:
                if char == quote:
                    quote = ""
                    continue
            elif char in "'\"":
                quote = char
                continue
            if char == "\\":
                if pos == len(line):
                    continue
                char = line[pos]
                pos += 1
            word += char
        if word == "--":
            return line[pos:], words
        words.append(word)


def _words(rest: str, escape: str) -> list[str]:
    """Whitespace-separated words, quotes kept, quoted spaces not splitting (parseWords)."""
    words: list[str] = []
    word, quote, started, pos = "", "", False, 0
    while pos < len(rest):
        char = rest[pos]
        pos += 1
        if not quote and char.isspace():
            if started:
                words.append(word)
            word, started = "", False
            continue
        started = True
        if char == escape and quote != "'":
            if pos == len(rest):
                continue
            word += char + rest[pos]
            pos += 1
            continue
        if quote and char == quote:
            quote = ""
        elif not quote and char in "'\"":
            quote = char
        word += char
    if started:
        words.append(word)
    return words


def _render_flag(key: str, value: str | None) -> str:
    if value is None:
        return f"--{key}"
    if re.fullmatch(r"[A-Za-z0-9._:/@+,=-]*", value) and value:
        return f"--{key}={value}"
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'--{key}="{escaped}"'


def _bare_id(image_id: str) -> str:
    return image_id.split(":", 1)[1] if image_id.startswith("sha256:") else image_id
