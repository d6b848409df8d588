"""Downloads the teacher's pages and API share: a gradebook CSV, a submission's files."""

from __future__ import annotations

import re

from fastapi.responses import Response

from grader.leaderboard.db.models import Submission
from grader.leaderboard.gradebook import Export
from grader.leaderboard.server import ServerContext
from grader.leaderboard.submissions import not_found

MEDIA = {
    "tar.gz": "application/gzip",
    "zip": "application/zip",
    "tar": "application/x-tar",
}


def csv_download(made: Export) -> Response:
    headers = {"Content-Disposition": f'attachment; filename="{made.filename}"'}
    if made.warnings:  # one header line; the full list is in the CLI's output
        headers["X-Grader-Warnings"] = str(len(made.warnings))
    return Response(
        made.text.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers=headers,
    )


def archive_download(ctx: ServerContext, submission_id: str) -> Response:
    """The files a student submitted, as the archive they uploaded."""
    with ctx.db.session() as session:
        submission = session.get(Submission, submission_id)
        if submission is None:
            raise not_found(submission_id)
        path = ctx.settings.data_dir / submission.archive_path
        who = submission.account.student_id or str(submission.account_id)
        slug = submission.exercise.rsplit("/", 1)[-1]
    kind = next((k for k in MEDIA if path.name.endswith("." + k)), "tar.gz")
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", f"{who}-{slug}-{submission_id[:8]}")
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise not_found(submission_id) from None
    return Response(
        data,
        media_type=MEDIA[kind],
        headers={
            "Content-Disposition": f'attachment; filename="{safe}.{kind}"',
            "X-Content-Type-Options": "nosniff",
        },
    )


__all__ = ["archive_download", "csv_download"]
