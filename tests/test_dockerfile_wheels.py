"""The wheel index a graded Dockerfile build installs from, and how a failed build is
explained: no engine needed (the builds themselves are in test_dockerfile_check.py)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import cli
from grader.graders.dockerfile_build_state import Build
from grader.graders.dockerfile_check import NO_NETWORK, _build_failure, _unpinned
from grader.graders.dockerfile_policy import plan
from grader.graders.dockerfile_wheels import (
    WheelsMissing,
    allowed_wheels,
    normalise,
    write_index,
)

BASE = "python:3.11-slim"


def _house(tmp_path: Path, *names: str) -> Path:
    house = tmp_path / "house"
    house.mkdir()
    for name in names:
        (house / name).write_bytes(name.encode())
    return house


def test_only_the_allowed_distributions_are_taken_whatever_their_spelling(
    tmp_path: Path,
) -> None:
    house = _house(
        tmp_path,
        "typing_extensions-4.16.0-py3-none-any.whl",
        "pydantic_core-2.50.5-cp311-cp311-manylinux2014_x86_64.whl",
        "requests-2.31.0-py3-none-any.whl",
    )
    wheels = allowed_wheels(["Typing.Extensions", "pydantic-core"], house)
    assert [(w.name, w.version) for w in wheels] == [
        ("pydantic-core", "2.50.5"),
        ("typing-extensions", "4.16.0"),
    ]


def test_an_allowed_distribution_missing_from_the_wheelhouse_is_named(
    tmp_path: Path,
) -> None:
    house = _house(tmp_path, "h11-0.16.0-py3-none-any.whl")
    with pytest.raises(WheelsMissing, match=r"fastapi, uvicorn not in .*runner build"):
        allowed_wheels(["h11", "uvicorn", "fastapi"], house)


def test_the_index_is_pep_503_with_hashes(tmp_path: Path) -> None:
    house = _house(
        tmp_path,
        "typing_extensions-4.16.0-py3-none-any.whl",
        "h11-0.16.0-py3-none-any.whl",
    )
    write_index(allowed_wheels(["typing-extensions", "h11"], house), tmp_path / "srv")
    root = (tmp_path / "srv/simple/index.html").read_text()
    assert '<a href="typing-extensions/">' in root and '<a href="h11/">' in root
    page = (tmp_path / "srv/simple/typing-extensions/index.html").read_text()
    name = "typing_extensions-4.16.0-py3-none-any.whl"
    digest = hashlib.sha256(name.encode()).hexdigest()
    assert f'href="../../wheels/{name}#sha256={digest}"' in page
    assert (tmp_path / "srv/wheels" / name).read_bytes() == name.encode()
    assert normalise("Pydantic_Core") == "pydantic-core"


def test_every_stage_declares_pips_index_arguments() -> None:
    checked = plan(
        f'FROM {BASE} AS builder\nRUN pip install x\nFROM {BASE}\nCMD ["x"]\n', [BASE]
    )
    lines = checked.render({"k": "v"}, ["PIP_INDEX_URL"]).splitlines()
    froms = [i for i, line in enumerate(lines) if line.startswith("FROM ")]
    assert len(froms) == 2
    for i in froms:
        assert lines[i + 1].startswith("LABEL ") and lines[i + 2] == "ARG PIP_INDEX_URL"
    assert "ARG" not in checked.render({"k": "v"})


def test_requirements_not_pinned_with_double_equals_are_listed(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text(
        "# the service\nfastapi==0.165.0  # web\nuvicorn[standard]==0.55.0\n"
        "pydantic>=2\nclick\nh11===0.16.0\nanyio==4.*\n\n"
    )
    assert _unpinned(tmp_path, "requirements.txt") == [
        "pydantic>=2",
        "click",
        "h11===0.16.0",
        "anyio==4.*",
    ]
    assert _unpinned(tmp_path, None) == []
    assert _unpinned(tmp_path, "nope.txt") == ["nope.txt (missing)"]


def _failed(step: str, code: int, log: str = "") -> Build:
    build = Build(step=step)
    build.feed(log)
    build.error = (
        f"The command '/bin/sh -c {step[4:]}' returned a non-zero code: {code}"
    )
    return build


def test_exit_127_is_command_not_found_not_no_network() -> None:
    why = _build_failure(_failed("RUN pip3.11 install -r r.txt", 127), 60.0).text
    assert "exit code 127, command not found" in why
    assert NO_NETWORK not in why


def test_a_pip_resolution_failure_names_the_package_and_what_is_allowed() -> None:
    log = (
        "ERROR: Could not find a version that satisfies the requirement "
        "requests==2.31.0 (from versions: none)\n"
        "ERROR: No matching distribution found for requests==2.31.0\n"
    )
    build = _failed("RUN pip install -r requirements.txt", 1, log)
    why = _build_failure(build, 60.0, "fastapi, uvicorn").text
    assert "pip found no `requests==2.31.0`" in why
    assert "(fastapi, uvicorn;" in why and NO_NETWORK not in why
    # Without an index the build has no network at all, and says so.
    assert NO_NETWORK in _build_failure(build, 60.0).text


def test_the_wheels_command_lists_what_an_exercise_may_pin() -> None:
    try:
        allowed_wheels(["fastapi"])
    except WheelsMissing:
        pytest.skip("the wheelhouse is not built (grader runner build)")
    outcome = CliRunner().invoke(cli, ["exercises", "wheels", "stage3/fastapi-service"])
    assert outcome.exit_code == 0, outcome.output
    lines = outcome.output.split()
    assert any(line.startswith("fastapi==") for line in lines)
    assert any(line.startswith("pydantic-core==") for line in lines)
    assert not any(line.startswith("scikit-learn") for line in lines)
    refused = CliRunner().invoke(cli, ["exercises", "wheels", "grade-book"])
    assert refused.exit_code != 0 and "no `wheels`" in refused.output
