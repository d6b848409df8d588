"""The runner image as a file in a CI cache, through the docker SDK (a CI job's image may
have no docker CLI, as in the GitLab pipeline):

    python -m grader.ci.image_cache load DIR KEY   # exit 0: loaded; 1: no image for KEY
    python -m grader.ci.image_cache save DIR KEY

DIR holds `grader-runner.tar` and `key`; KEY is `grader.ci.workflow.image_cache_key`, so an
image cached for another grader or base is never loaded.
"""

from __future__ import annotations

import sys
from pathlib import Path

from grader.errors import GraderError
from grader.runner.docker_backend import RUNNER_REPOSITORY, connect

TAR = "grader-runner.tar"
KEY_FILE = "key"
CHUNK = 4 * 1024 * 1024


def load(folder: Path, key: str) -> bool:
    """Load the image saved in `folder` if it was saved under `key`."""
    try:
        saved_key = (folder / KEY_FILE).read_text(encoding="utf-8").strip()
    except OSError:
        return False
    if saved_key != key or not (folder / TAR).is_file():
        return False
    with open(folder / TAR, "rb") as tar:
        connect(timeout=600).images.load(tar)
    return True


def save(folder: Path, key: str, tag: str = RUNNER_REPOSITORY) -> Path:
    """Save image `tag` into `folder` under `key`; returns the tar's path. A repository
    name saves all its tags: by default the core and every stage's runner image, their
    shared layers once."""
    folder.mkdir(parents=True, exist_ok=True)
    client = connect(timeout=600)
    with open(folder / TAR, "wb") as tar:
        for chunk in client.api.get_image(tag, chunk_size=CHUNK):
            tar.write(chunk)
    (folder / KEY_FILE).write_text(key + "\n", encoding="utf-8")
    return folder / TAR


def main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[0] not in ("load", "save"):
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    action, folder, key = argv[0], Path(argv[1]), argv[2]
    try:
        if action == "load":
            return 0 if load(folder, key) else 1
        save(folder, key)
    except GraderError as exc:
        print(f"Error: {exc.message}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
