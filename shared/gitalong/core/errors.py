"""One error family for the whole backend.

Domain code raises these; the function edge (``functions/_edge.py``) maps each one
to the callable status of the same name, in one place.
"""

from __future__ import annotations

from typing import Any


class GitAlongError(Exception):
    """Base error: a message a person can read and optional structured details."""

    status = "INTERNAL"

    def __init__(self, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class InvalidArgument(GitAlongError):
    """The request is malformed; ``details.errors`` lists ``{field, message}``."""

    status = "INVALID_ARGUMENT"

    def __init__(self, message: str, errors: list[dict[str, str]] | None = None) -> None:
        super().__init__(message, {"errors": errors or []})


class Unauthenticated(GitAlongError):
    """The caller is not signed in."""

    status = "UNAUTHENTICATED"


class PermissionDenied(GitAlongError):
    """The caller is signed in but may not do this."""

    status = "PERMISSION_DENIED"


class NotFound(GitAlongError):
    """A document the request names does not exist."""

    status = "NOT_FOUND"


class AlreadyExists(GitAlongError):
    """The thing to create exists already."""

    status = "ALREADY_EXISTS"


class FailedPrecondition(GitAlongError):
    """The system is not in a state that allows this (e.g. a blocked user)."""

    status = "FAILED_PRECONDITION"


class ResourceExhausted(GitAlongError):
    """A rate limit or quota is used up; ``details.retry_after_seconds`` says when to retry."""

    status = "RESOURCE_EXHAUSTED"


class Unavailable(GitAlongError):
    """A dependency is down; the client may retry."""

    status = "UNAVAILABLE"


def errors_from_validation(exc: Any) -> list[dict[str, str]]:
    """Turn a pydantic ``ValidationError`` into the contract's ``[{field, message}]``."""
    return [
        {"field": ".".join(str(part) for part in err["loc"]) or "(root)", "message": err["msg"]}
        for err in exc.errors(include_url=False)
    ]
