"""`grader init ci`: where CI installs grader from, .gitignore, the triggers, GitLab's
pipeline against GitLab's schema."""

from __future__ import annotations

import json
from importlib import metadata, resources
from pathlib import Path

import jsonschema
import pytest
import yaml
from click.testing import CliRunner, Result

from grader.ci.install_source import NoInstallSource, install_source
from grader.ci.workflow import image_cache_key
from grader.cli import cli

SPEC = "grader-harness==0.1.0"


def init_ci(*args: str) -> Result:
    return CliRunner().invoke(cli, ["init", "ci", *args])


def installed(tmp_path: Path, direct_url: dict | None) -> metadata.Distribution:
    """An installed grader-harness 0.4.2 as pip leaves it, from `direct_url` (PEP 610)."""
    info = tmp_path / "grader_harness-0.4.2.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: grader-harness\nVersion: 0.4.2\n"
    )
    if direct_url is not None:
        (info / "direct_url.json").write_text(json.dumps(direct_url))
    return metadata.PathDistribution(info)


def test_a_pypi_install_is_installed_again_by_name_and_version(tmp_path) -> None:
    assert install_source(installed(tmp_path, None)) == "grader-harness==0.4.2"


def test_a_git_install_is_installed_again_at_its_commit(tmp_path) -> None:
    record = {
        "url": "https://github.com/class/grader.git",
        "vcs_info": {"vcs": "git", "requested_revision": "v0.4", "commit_id": "1a2b3c"},
    }
    assert install_source(installed(tmp_path, record)) == (
        "grader-harness @ git+https://github.com/class/grader.git@1a2b3c"
    )


def test_a_wheel_url_install_is_installed_again_from_that_url(tmp_path) -> None:
    url = "https://example.edu/wheels/grader_harness-0.4.2-py3-none-any.whl"
    record = {"url": url, "archive_info": {"hashes": {"sha256": "ab"}}}
    assert install_source(installed(tmp_path, record)) == f"grader-harness @ {url}"


@pytest.mark.parametrize(
    "record, says",
    [
        ({"url": "file:///home/ann/grader", "dir_info": {"editable": True}}, "editable"),
        ({"url": "file:///home/ann/grader", "dir_info": {}}, "a folder install"),
        (
            {"url": "file:///tmp/grader_harness-0.4.2-py3-none-any.whl",
             "archive_info": {}},
            "installed from file:///tmp/grader_harness",
        ),
        (
            {"url": "file:///srv/grader.git",
             "vcs_info": {"vcs": "git", "commit_id": "1a"}},
            "installed from file:///srv/grader.git",
        ),
        ("not a record", "cannot be read"),
    ],
)  # fmt: skip
def test_a_source_no_runner_can_reach_is_refused(tmp_path, record, says) -> None:
    with pytest.raises(NoInstallSource) as refused:
        dist = installed(tmp_path, None)
        (tmp_path / "grader_harness-0.4.2.dist-info" / "direct_url.json").write_text(
            json.dumps(record) if isinstance(record, dict) else record
        )
        install_source(dist)
    assert says in refused.value.message
    assert "pass --install-from SPEC" in refused.value.message


def test_init_ci_refuses_without_install_from_in_a_checkout(tmp_path) -> None:
    # This test session's grader is the editable install of the checkout.
    result = init_ci("--repo", str(tmp_path))
    assert result.exit_code == 2
    assert "editable install" in result.stderr and "--install-from" in result.stderr
    assert not (tmp_path / ".github").exists()
    assert not (tmp_path / ".gitignore").exists()


def test_a_spec_that_is_not_one_line_is_refused(tmp_path) -> None:
    result = init_ci("--repo", str(tmp_path), "--install-from", "x\n  evil: 1")
    assert result.exit_code == 2 and "is not a pip requirement" in result.stderr
    assert not (tmp_path / ".github").exists()


def test_the_spec_is_written_as_one_yaml_value(tmp_path) -> None:
    spec = "grader-harness @ git+https://example.edu/g.git@v1#egg=x: 'y'"
    assert init_ci("--repo", str(tmp_path), "--install-from", spec).exit_code == 0
    workflow = yaml.safe_load((tmp_path / ".github/workflows/grader.yml").read_text())
    assert workflow["env"]["GRADER_PIP_SPEC"] == spec


def test_scorecards_are_ignored_once(tmp_path) -> None:
    (tmp_path / ".gitignore").write_text("__pycache__/")  # no final newline
    assert init_ci("--repo", str(tmp_path), "--install-from", SPEC).exit_code == 0
    assert (tmp_path / ".gitignore").read_text() == "__pycache__/\ngrader-scorecards/\n"
    args = ["--repo", str(tmp_path), "--install-from", SPEC, "--force"]
    assert init_ci(*args).exit_code == 0
    assert init_ci(*args, "--gitlab").exit_code == 0
    assert (tmp_path / ".gitignore").read_text() == "__pycache__/\ngrader-scorecards/\n"


def test_a_same_repository_pull_request_is_not_graded_twice(tmp_path) -> None:
    assert init_ci("--repo", str(tmp_path), "--install-from", SPEC).exit_code == 0
    workflow = yaml.safe_load((tmp_path / ".github/workflows/grader.yml").read_text())
    condition = workflow["jobs"]["grade"]["if"]
    assert "github.event_name != 'pull_request'" in condition
    assert "head.repo.full_name != github.repository" in condition
    assert workflow["concurrency"]["cancel-in-progress"] is True


def test_the_runner_image_is_cached_and_its_base_pulled(tmp_path) -> None:
    assert init_ci("--repo", str(tmp_path), "--install-from", SPEC).exit_code == 0
    workflow = yaml.safe_load((tmp_path / ".github/workflows/grader.yml").read_text())
    steps = {s.get("id"): s for s in workflow["jobs"]["grade"]["steps"]}
    cache = steps["image-cache"]
    assert cache["uses"] == "actions/cache@v4"
    assert cache["with"]["key"].endswith("${{ steps.install.outputs.image-key }}")
    assert "image_cache_key" in steps["install"]["run"]
    sandbox = steps["sandbox"]["run"]
    assert 'docker pull "$GRADER_BASE_IMAGE"' in sandbox
    assert 'grader runner build --base "$GRADER_BASE_IMAGE"' in sandbox
    assert "docker save" in sandbox and "docker load" in sandbox
    assert workflow["env"]["GRADER_BASE_IMAGE"] == "python:3.11-slim"


def test_the_image_key_follows_the_install_and_the_base() -> None:
    key = image_cache_key(SPEC, "python:3.11-slim")
    assert key.startswith("grader-runner-0.1.0-")
    assert key == image_cache_key(SPEC, "python:3.11-slim")
    assert key != image_cache_key("grader-harness==0.1.1", "python:3.11-slim")
    assert key != image_cache_key(SPEC, "registry.example.edu/python:3.11-slim")


def gitlab_schema() -> dict:
    vendor = resources.files("check_jsonschema.builtin_schemas.vendor")
    return json.loads(vendor.joinpath("gitlab-ci.json").read_text())


def test_init_ci_gitlab_writes_a_valid_pipeline(tmp_path) -> None:
    result = init_ci("--repo", str(tmp_path), "--gitlab", "--install-from", SPEC)
    assert result.exit_code == 0, result.output
    assert not (tmp_path / ".github").exists()
    pipeline = yaml.safe_load((tmp_path / ".gitlab-ci.yml").read_text())
    jsonschema.validate(pipeline, gitlab_schema())

    job = pipeline["grade"]
    assert pipeline["variables"]["GRADER_PIP_SPEC"] == SPEC
    assert pipeline["variables"]["GIT_DEPTH"] == "0"
    assert pipeline["variables"]["DOCKER_HOST"] == "tcp://docker:2375"
    assert job["services"][0]["name"].endswith("-dind")
    assert job["artifacts"]["when"] == "always"
    assert job["artifacts"]["paths"] == ["grader-scorecards/"]
    assert job["artifacts"]["reports"]["junit"] == "grader-junit/*.xml"
    script = "\n".join(job["script"])
    assert "CI_MERGE_REQUEST_DIFF_BASE_SHA" in script
    assert "CI_COMMIT_BEFORE_SHA" in script
    assert "grader export --format junit" in script
    rules = pipeline["workflow"]["rules"]
    assert {
        "if": "$CI_COMMIT_BRANCH && $CI_OPEN_MERGE_REQUESTS",
        "when": "never",
    } in rules


def test_the_gitlab_schema_catches_a_broken_pipeline(tmp_path) -> None:
    """The schema check can fail: a misspelt keyword is rejected."""
    assert (
        init_ci("--repo", str(tmp_path), "--gitlab", "--install-from", SPEC).exit_code
        == 0
    )
    pipeline = yaml.safe_load((tmp_path / ".gitlab-ci.yml").read_text())
    pipeline["grade"]["artifacts"]["when"] = "sometimes"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(pipeline, gitlab_schema())


def test_docs_show_the_workflow_and_pipeline_the_executed_test_runs() -> None:
    from grader.ci.workflow import workflow_text
    from tests.test_ci_executed import SPEC as EXECUTED_SPEC

    doc = (Path(__file__).resolve().parents[1] / "docs" / "ci.md").read_text()
    blocks = doc.split("```yaml\n")[1:]
    shown = [block.split("```")[0] for block in blocks]
    assert shown == [
        workflow_text(EXECUTED_SPEC),
        workflow_text(EXECUTED_SPEC, gitlab=True),
    ]


def prepare_step(tmp_path: Path, *, hit: bool, local: bool, pull: bool) -> list[str]:
    """Run the workflow's sandbox step with stand-in docker, sudo and grader that log
    their arguments; return the log."""
    import subprocess

    assert init_ci("--repo", str(tmp_path), "--install-from", SPEC).exit_code == 0
    workflow = yaml.safe_load((tmp_path / ".github/workflows/grader.yml").read_text())
    (step,) = [
        s for s in workflow["jobs"]["grade"]["steps"] if s.get("id") == "sandbox"
    ]
    bin_dir, log = tmp_path / "bin", tmp_path / "calls.log"
    bin_dir.mkdir()
    fakes = {
        "docker": f"""case "$1 $2" in
            "image inspect") [ "{int(local)}" = 1 ] ;;
            "pull "*) echo "docker $*" >> {log}; [ "{int(pull)}" = 1 ] ;;
            "info "*) exit 0 ;;
            *) echo "docker $*" >> {log} ;;
            esac""",
        "sudo": f'echo "sudo $*" >> {log}; [ "$1" != apt-get ] || exit 0; "$@"',
        "grader": f'echo "grader $*" >> {log}',
    }
    for name, body in fakes.items():
        (bin_dir / name).write_text(f"#!/bin/bash\n{body}\n")
        (bin_dir / name).chmod(0o755)
    env = {
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "GITHUB_OUTPUT": str(tmp_path / "out"),
        "IMAGE_CACHE": str(tmp_path / "cache"),
        "CACHE_HIT": "true" if hit else "",
        "GRADER_BASE_IMAGE": "registry.example.edu/python:3.11-slim",
    }
    subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
        env=env, cwd=tmp_path, check=True, capture_output=True,
    )  # fmt: skip
    assert (tmp_path / "out").read_text() == "backend=docker\n"
    return log.read_text().splitlines()


BASE = "registry.example.edu/python:3.11-slim"


def test_a_cache_hit_loads_the_image_and_builds_nothing(tmp_path) -> None:
    calls = prepare_step(tmp_path, hit=True, local=False, pull=True)
    assert calls == [f"docker load -i {tmp_path}/cache/grader-runner.tar"]


def test_a_cache_miss_pulls_the_base_builds_and_saves(tmp_path) -> None:
    calls = prepare_step(tmp_path, hit=False, local=False, pull=True)
    assert calls == [
        f"docker pull {BASE}",
        f"grader runner build --base {BASE}",
        f"docker save -o {tmp_path}/cache/grader-runner.tar grader-runner",
    ]


def test_the_base_is_bootstrapped_only_when_it_cannot_be_pulled(tmp_path) -> None:
    calls = prepare_step(tmp_path, hit=False, local=False, pull=False)
    assert calls[0] == f"docker pull {BASE}"
    assert "sudo apt-get install -y -qq debootstrap" in calls
    assert any(c.endswith(f"grader runner bootstrap --tag {BASE}") for c in calls)
    assert calls[-2:] == [
        f"grader runner build --base {BASE}",
        f"docker save -o {tmp_path}/cache/grader-runner.tar grader-runner",
    ]
    (tmp_path / "again").mkdir()
    local = prepare_step(tmp_path / "again", hit=False, local=True, pull=False)
    assert not any(
        c.startswith("docker pull") or "runner bootstrap" in c for c in local
    )
    assert f"grader runner build --base {BASE}" in local
