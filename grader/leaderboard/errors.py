"""The one error type the API turns into a JSON response: `{"error": code, "message": text}`."""

from __future__ import annotations


class ApiError(Exception):
    """A request the server refuses; `code` is stable, `message` says what to do."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.headers = headers or {}
