"""Where a CI runner installs grader from: the source the running grader came from.

pip records it in the installed distribution (PEP 610's `direct_url.json`): absent for an
install from an index (PyPI), a VCS URL with its commit, or an archive's URL. An editable or
local install names a folder or file on this machine, which a CI runner cannot reach.
"""

from __future__ import annotations

import json
from importlib import metadata
from typing import Any

from grader.errors import GraderError

# grader's distribution on PyPI; the command and the import package are `grader`.
DISTRIBUTION = "grader-harness"
ASK = "pass --install-from SPEC (a pip requirement a CI runner can install, such as "
EXAMPLES = (
    f"{DISTRIBUTION}==0.1.0 or "
    f"'{DISTRIBUTION} @ git+https://github.com/CLASS/grader.git@v0.1.0')"
)


class NoInstallSource(GraderError):
    """The running grader came from somewhere a CI runner cannot install from."""


def install_source(dist: metadata.Distribution | None = None) -> str:
    """The pip requirement that installs this grader again on another machine."""
    if dist is None:
        try:
            dist = metadata.distribution(DISTRIBUTION)
        except metadata.PackageNotFoundError:
            raise NoInstallSource(
                f"this grader is not installed as the {DISTRIBUTION} distribution "
                f"(run from a source folder?): {ASK}{EXAMPLES}"
            ) from None
    text = dist.read_text("direct_url.json")
    if text is None:  # from an index
        return f"{DISTRIBUTION}=={dist.version}"
    try:
        direct = json.loads(text)
        url = str(direct["url"])
    except (ValueError, KeyError, TypeError):
        raise NoInstallSource(
            f"this grader's install record (direct_url.json) cannot be read: {ASK}"
            f"{EXAMPLES}"
        ) from None
    return f"{DISTRIBUTION} @ {_reachable_url(direct, url)}"


def _reachable_url(direct: dict[str, Any], url: str) -> str:
    """The URL of a PEP 610 record as pip takes it back, or NoInstallSource."""
    if "dir_info" in direct:
        how = "an editable" if direct["dir_info"].get("editable") else "a folder"
        raise NoInstallSource(
            f"this grader is {how} install of {url}, which a CI runner cannot "
            f"reach: {ASK}{EXAMPLES}"
        )
    if url.startswith("file:"):
        raise NoInstallSource(
            f"this grader was installed from {url} on this machine, which a CI "
            f"runner cannot reach: {ASK}{EXAMPLES}"
        )
    if "vcs_info" in direct:
        vcs = direct["vcs_info"]
        # The commit, not the branch or tag asked for: CI installs exactly this grader.
        spec = f"{vcs['vcs']}+{url}@{vcs['commit_id']}"
    else:
        spec = url
    if direct.get("subdirectory"):
        spec += f"#subdirectory={direct['subdirectory']}"
    return spec
