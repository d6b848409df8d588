"""The checks' tools are pinned once: the same versions on a student's machine and in the image."""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

import pytest

from grader.registry.checks import runner_tools
from grader.runner.image import LABEL_WHEELS
from grader.runner.image_doctor import tool_versions
from grader.tomlfile import load_toml

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def test_every_tool_is_pinned_exactly_and_the_same_in_pyproject() -> None:
    pins = runner_tools()
    assert pins and all("==" in pin for pin in pins), pins
    dependencies = load_toml(PYPROJECT.read_text())["project"]["dependencies"]
    for pin in pins:
        assert pin in dependencies, f"{pin} is declared by a check but not in pyproject"


def test_this_environment_has_the_pinned_versions() -> None:
    for pin in runner_tools():
        name, _, wanted = pin.partition("==")
        assert (
            version(name) == wanted
        ), f"{name} here is {version(name)}, pinned {wanted}"


def _labels(**versions: str) -> dict[str, str]:
    wheels = dict(pin.split("==") for pin in runner_tools())
    wheels.update(versions)
    return {LABEL_WHEELS: " ".join(f"{n}=={v}" for n, v in wheels.items())}


def test_doctor_finds_the_image_matching_the_host() -> None:
    finding = tool_versions(_labels(), "grader runner build")
    assert finding.ok and finding.name == "tool-versions"


@pytest.mark.parametrize("tool", ["black", "flake8", "mypy"])
def test_doctor_names_a_tool_whose_version_differs_in_the_image(tool: str) -> None:
    finding = tool_versions(_labels(**{tool: "0.0.1"}), "grader runner build")
    assert not finding.ok
    assert f"{tool}: " in finding.detail and "0.0.1 in the image" in finding.detail
    assert "grader runner build" in finding.fix
