"""The Dockerfile policy without an engine: what is refused, at which line, and what is built.

Every refusal names its line; everything allowed is rendered as one line per instruction with
each image reference already resolved, so the engine never interprets one differently.
"""

from __future__ import annotations

import time

import pytest

from grader.graders.dockerfile_parse import Refused, canonical, expand, parse
from grader.graders.dockerfile_policy import plan

BASE = "python:3.11-slim"
BASE_ID = "sha256:ce83c2fa1751" + "0" * 52
ALLOWED = [BASE]


def refused(dockerfile: str, **kwargs: object) -> Refused:
    with pytest.raises(Refused) as caught:
        plan(dockerfile, ALLOWED, **kwargs)  # type: ignore[arg-type]
    return caught.value


def rendered(dockerfile: str, **kwargs: object) -> list[str]:
    result = plan(dockerfile, ALLOWED, **kwargs)  # type: ignore[arg-type]
    return result.render({}).splitlines()


# --- reading the syntax ----------------------------------------------------------------


def test_continuations_comments_and_empty_lines_join_one_instruction() -> None:
    escape, instructions = parse(
        "FROM python:3.11-slim\n"
        "RUN echo a \\\n"
        "# a comment inside the continuation\n"
        "\n"
        "    b \\  \n"
        "  c\n"
        "  # an indented comment\n"
        "run echo d\n"
    )
    assert escape == "\\"
    assert [(i.line, i.keyword, i.text) for i in instructions] == [
        (1, "from", "FROM python:3.11-slim"),
        (2, "run", "RUN echo a     b   c"),
        (8, "run", "run echo d"),
    ]


def test_directives_only_at_the_top() -> None:
    escape, instructions = parse(
        "# syntax=docker/dockerfile:1\n# escape=`\nRUN a `\n b\n"
    )
    assert escape == "`" and instructions[0].text == "RUN a  b"
    # after a blank line (or any other line) a directive is just a comment
    escape, _ = parse("\n# escape=`\nFROM x\n")
    assert escape == "\\"
    escape, _ = parse("# hello\n# escape=`\nFROM x\n")
    assert escape == "\\"


def test_bad_or_repeated_escape_directive_is_refused() -> None:
    assert refused("# escape=x\nFROM python:3.11-slim\n").line == 1
    assert "only one" in refused("# escape=`\n# escape=\\\nFROM x\n").message


def test_byte_order_mark_and_crlf_lines() -> None:
    _, instructions = parse("\ufeffFROM python:3.11-slim\r\nRUN a \\\r\n b\r\n")
    assert [i.text for i in instructions] == ["FROM python:3.11-slim", "RUN a  b"]


def test_flags_are_read_like_the_engine_reads_them() -> None:
    _, instructions = parse(
        'COPY --chown="app user" --fr"om"=build --link a b\n'
        'COPY ["--from=0", "/a", "/b"]\n'
        "COPY -- --from=x /a /b\n"
    )
    first, json_form, ended = instructions
    assert first.flags == (("chown", "app user"), ("from", "build"), ("link", None))
    assert first.rest == "a b" and first.flag("from") == "build"
    assert json_form.flags == () and json_form.rest.startswith("[")
    assert ended.flags == () and ended.rest == "--from=x /a /b"


def test_word_expansion() -> None:
    env = {"A": "one", "EMPTY": "", "UNSET": None}
    assert expand("x$A-${A}", env, "\\", 1) == "xone-one"
    assert expand("'$A'\"$A\"", env, "\\", 1) == "$Aone"
    assert expand("\\$A", env, "\\", 1) == "$A"
    assert expand("${EMPTY:-dflt}/${EMPTY-dflt}/${A:+alt}", env, "\\", 1) == "dflt//alt"
    assert expand("a$", env, "\\", 1) == "a$"
    assert (
        "has no usable default"
        in pytest.raises(Refused, expand, "$UNSET", env, "\\", 3).value.message
    )
    assert (
        "not a global ARG"
        in pytest.raises(Refused, expand, "${NOPE}", env, "\\", 3).value.message
    )
    with pytest.raises(Refused, match="not understood"):
        expand("${A#o}", env, "\\", 1)


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        ("python:3.11-slim", "docker.io/library/python:3.11-slim"),
        ("docker.io/library/python:3.11-slim", "docker.io/library/python:3.11-slim"),
        (
            "index.docker.io/library/python:3.11-slim",
            "docker.io/library/python:3.11-slim",
        ),
        ("python", "docker.io/library/python:latest"),
        ("user/repo", "docker.io/user/repo:latest"),
        ("localhost:5000/x:y", "localhost:5000/x:y"),
        ("registry.example.com/a/b:1", "registry.example.com/a/b:1"),
        ("Python:3.11", None),
        ("sha256:" + "a" * 64, None),
    ],
)
def test_canonical_names(reference: str, expected: str | None) -> None:
    assert canonical(reference) == expected


# --- what is allowed ----------------------------------------------------------------------


def test_allowed_spellings_of_the_base_render_as_the_configured_name() -> None:
    dockerfile = (
        "# syntax=docker/dockerfile:1\n"
        "ARG REG=docker.io\n"
        "ARG IMG=${REG}/library/python:3.11-slim\n"
        "from --platform=$BUILDPLATFORM $IMG as Build\n"
        'FROM "python:3.11-"sl\\im AS two\n'
        "FROM index.docker.io/library/python:3.11-slim\n"
        "COPY --from=BUILD /a /a\n"
        "COPY --from=1 /b /b\n"
        "COPY --from=python:3.11-slim /c /c\n"
    )
    assert rendered(dockerfile) == [
        "# escape=\\",
        "ARG REG=docker.io",
        "ARG IMG=${REG}/library/python:3.11-slim",
        "FROM python:3.11-slim AS build",
        "FROM python:3.11-slim AS two",
        "FROM python:3.11-slim",
        "COPY --from=build /a /a",
        "COPY --from=1 /b /b",
        "COPY --from=python:3.11-slim /c /c",
    ]


def test_build_args_override_defaults() -> None:
    dockerfile = "ARG IMG=nope\nFROM $IMG\n"
    assert rendered(dockerfile, build_args={"IMG": BASE})[2] == f"FROM {BASE}"
    assert "`nope`" in refused(dockerfile).message


def test_the_base_by_id_or_short_id_is_allowed() -> None:
    ids = {BASE: BASE_ID}
    for reference in (BASE_ID, BASE_ID[7:], BASE_ID[7:19]):
        assert rendered(f"FROM {reference}\n", base_ids=ids)[1] == f"FROM {BASE}"


def test_scratch_and_stages() -> None:
    dockerfile = (
        "FROM scratch AS empty\nFROM python:3.11-slim AS build\nFROM build\n"
        "COPY --from=empty / /\nCOPY --from=0 / /\n"
    )
    assert rendered(dockerfile)[1:] == [
        "FROM scratch AS empty",
        "FROM python:3.11-slim AS build",
        "FROM build",
        "COPY --from=empty / /",
        "COPY --from=0 / /",
    ]


def test_render_adds_labels_after_every_from_and_label() -> None:
    dockerfile = (
        "# escape=`\nFROM python:3.11-slim AS build\nRUN echo a `\n  b\n"
        "LABEL x=y\nFROM `\n  build\nCOPY . .\nRUN echo `"
    )
    label = 'LABEL "k"="v"'
    assert plan(dockerfile, ALLOWED).render({"k": "v"}).splitlines() == [
        "# escape=`",
        "FROM python:3.11-slim AS build",
        label,
        "RUN echo a   b",
        "LABEL x=y",
        label,
        "FROM build",
        label,
        "COPY . .",
        "RUN echo",  # a trailing escape at the end of the file is dropped
    ]


def test_rendering_reads_back_as_itself() -> None:
    dockerfile = (
        "# escape=`\nARG IMG=python:3.11-slim\nFROM ${IMG} AS a\n"
        "RUN echo \\ `\n  && echo done\nFROM a\n"
        'COPY --chown="a b" --from=a /x /y\n'
    )
    first = plan(dockerfile, ALLOWED)
    again = plan(first.render({}), ALLOWED)
    assert [i.text for i in again.instructions] == [i.text for i in first.instructions]
    assert again.render({}) == first.render({})


# --- what is refused, with its line -----------------------------------------------------


@pytest.mark.parametrize(
    ("dockerfile", "line", "words"),
    [
        ("FROM alpine:3.19\n", 1, "`FROM alpine:3.19`"),
        ("FROM python\n", 1, "`python`"),
        ("FROM PYTHON:3.11-slim\n", 1, "cannot use"),
        (f"FROM {BASE}@sha256:{'a' * 64}\n", 1, "by id or digest"),
        (f"FROM {'b' * 12}\n", 1, "by id or digest"),
        (f"FROM sha256:{'b' * 64}\n", 1, "by id or digest"),
        (
            "ARG I=registry.example.com/x\n\nFROM $I\n",
            3,
            "(= `registry.example.com/x`)",
        ),
        ("ARG I\nFROM ${I}\n", 2, "`I` has no usable default"),
        ("ARG I=${J}\nFROM $I\n", 2, "`I` has no usable default"),
        (f"FROM {BASE}\nARG I={BASE}\nFROM $I\n", 3, "not a global ARG"),
        (f"FROM {BASE}\nCOPY --from=registry.example.com/x / /\n", 2, "cannot use"),
        (f'FROM {BASE}\nCOPY --from="evil/img" / /\n', 2, "`evil/img`"),
        (f"FROM {BASE}\nCOPY --fr'om'=evil / /\n", 2, "`evil`"),
        (f"FROM {BASE}\nCOPY --FROM=evil / /\n", 2, "`evil`"),
        (f"FROM {BASE}\nCOPY --from=a --from=b / /\n", 2, "twice"),
        (f"FROM {BASE} AS a\nCOPY --from=a / /\n", 2, "only use the stages before"),
        (f"FROM {BASE}\nCOPY --from=later / /\nFROM {BASE} AS later\n", 2, "cannot"),
        (f"FROM {BASE}\nCOPY --from=0 / /\n", 2, "not an earlier stage"),
        (f"FROM later\nFROM {BASE} AS later\n", 1, "`later`"),
        (f"FROM {BASE} AS a\nFROM {BASE} AS a\n", 2, "used twice"),
        (f"FROM {BASE} AS 1a\n", 1, "not a valid stage name"),
        (f"FROM --network=host {BASE}\n", 1, "does not take `--network`"),
        (f"FROM {BASE} AS\n", 1, "optionally `AS name`"),
        (f"FROM {BASE}\nADD https://example.com/x.tgz /x\n", 2, "ADD may only copy"),
        (f"FROM {BASE}\nADD http://example.com/x /x\n", 2, "ADD may only copy"),
        (f"FROM {BASE}\nADD git@github.com:a/b.git /x\n", 2, "ADD may only copy"),
        (f'FROM {BASE}\nADD ["https://x/y", "/y"]\n', 2, "ADD may only copy"),
        (f"FROM {BASE}\nARG U=https://x/y\nADD $U /y\n", 3, "ADD may only copy"),
        (f"FROM {BASE}\nADD --from=evil a /a\n", 2, "`evil`"),
        (f"FROM {BASE}\nRUN --mount=from=evil,target=/x true\n", 2, "`RUN --mount`"),
        (f"FROM {BASE}\nRUN --network=host true\n", 2, "`RUN --network`"),
        (f"FROM {BASE}\nONBUILD COPY --from=evil / /\n", 2, "ONBUILD may not"),
        (f"FROM {BASE}\nONBUILD ADD http://x/y /y\n", 2, "ONBUILD may not"),
        (f"FROM {BASE}\nONBUILD RUN --mount=from=x true\n", 2, "takes no flags"),
        (f"FROM {BASE}\nADD git://example.com/a/b.git /x\n", 2, "ADD may only copy"),
        (f"FROM {BASE}\nADD https://github.com/a/b.git#main /x\n", 2, "ADD may only"),
        (f"FROM {BASE}\nADD HTTPS://EXAMPLE.COM/x /x\n", 2, "ADD may only copy"),
        (f"FROM {BASE}\nADD <<EOF /x\nhttps://example.com\nEOF\n", 2, "heredoc"),
        (f"FROM {BASE}\nADD <<EOF https://example.com/y /x\nEOF\n", 2, "heredoc"),
        (f"FROM {BASE}\nCOPY <<-'EOF' /x\nhi\nEOF\n", 2, "COPY with a heredoc"),
        (f"FROM {BASE}\nRUN <<EOF\nFROM evil\nEOF\n", 2, "RUN with a heredoc"),
        (f'FROM {BASE}\nRUN cat 3<<"EOF" > /x\nEOF\n', 2, "heredoc"),
        (f"FROM {BASE}\nONBUILD RUN <<EOF\ntrue\nEOF\n", 2, "heredoc"),
        ("RUN true\nFROM python:3.11-slim\n", 1, "must start with FROM"),
        ("ARG A=1\n# only comments\n", 1, "no FROM"),
    ],
)
def test_refused_with_its_line(dockerfile: str, line: int, words: str) -> None:
    refusal = refused(dockerfile)
    assert refusal.line == line, refusal
    assert words in refusal.message, refusal
    assert str(refusal).startswith(f"line {line}: ")


def test_a_continuation_cannot_hide_a_from() -> None:
    # Whatever escape character the engine would have assumed, it builds our rendering:
    # every FROM in it is resolved, and no line continues another.
    dockerfile = "# escape=`\nFROM python:3.11-slim\nRUN echo \\\nFROM evil\n"
    assert refused(dockerfile).line == 4
    dockerfile = "FROM python:3.11-slim\nRUN echo `\nFROM build\n"
    assert "`build`" in refused(dockerfile).message


def test_allowed_message_lists_bases_scratch_and_earlier_stages() -> None:
    refusal = refused(
        f"FROM {BASE} AS build\nFROM {BASE}\nFROM {BASE}\nCOPY --from=evil / /\n"
    )
    assert "use python:3.11-slim, scratch or an earlier stage (build, 1)" in str(
        refusal
    )
    refusal = refused("FROM evil\n")
    assert "use python:3.11-slim or scratch" in str(refusal)
    assert "Nothing is pulled" in str(refusal)


def test_shifts_and_here_strings_are_not_heredocs() -> None:
    lines = rendered(f"FROM {BASE}\nRUN echo $((1<<3)) 1 << 2\nRUN cat <<< hi\n")
    assert lines[2:] == ["RUN echo $((1<<3)) 1 << 2", "RUN cat <<< hi"]


def test_local_files_with_add_are_fine() -> None:
    lines = rendered(f"FROM {BASE}\nADD --chown=1:1 app.tar.gz $HOME/\nADD a b /dir/\n")
    assert lines[2:] == ["ADD --chown=1:1 app.tar.gz $HOME/", "ADD a b /dir/"]


def test_args_that_double_each_other_are_not_expanded_without_bound() -> None:
    dockerfile = "ARG A0=abcdefgh\n" + "".join(
        f"ARG A{n}=$A{n - 1}$A{n - 1}\n" for n in range(1, 60)
    )
    refusal = refused(dockerfile + "FROM $A59\n")
    assert refusal.line == 61 and "`A59` has no usable default" in refusal.message
    assert "more than 4096" in refused(dockerfile + "FROM $A9$A9\n").message


@pytest.mark.parametrize(
    "dockerfile",
    [
        "# escape=x" + " " * 200_000 + "y\nFROM x\n",
        "FROM " + "a" * 200_000 + "!\n",
        "FROM " + "a-" * 100_000 + "!\n",
        "FROM " + "a." * 100_000 + "/!\n",
        f"FROM {BASE}\nRUN " + "\\ " * 100_000 + "\n",
        f"FROM {BASE}\nCOPY " + '--x="' * 50_000 + " a b\n",
        "ARG A=" + "$" * 200_000 + "\nFROM $A\n",
    ],
)
def test_hostile_input_is_read_quickly(dockerfile: str) -> None:
    started = time.monotonic()
    try:
        plan(dockerfile, ALLOWED)
    except Refused:
        pass
    assert time.monotonic() - started < 1.0
