"""Firestore for the areas: the client (built once per instance), the SDK's vocabulary, the query helpers.

Areas import Firestore's sentinels, transforms and errors from here, never from the SDK, so
the SDK is imported in one place (``infra``) and by the areas' ``store`` modules only (the
import rules in ``pyproject.toml`` check it). Loading this module loads
``google.cloud.firestore`` (≈ 0.25 s): it is imported inside the functions that use it, never
by ``functions/main.py`` at import.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from google.api_core import exceptions as _errors
from google.api_core.exceptions import AlreadyExists, Conflict, DeadlineExceeded, FailedPrecondition, NotFound
from google.cloud.firestore import (
    DELETE_FIELD,
    SERVER_TIMESTAMP,
    ArrayRemove,
    ArrayUnion,
    Client,
    DocumentSnapshot,
    Increment,
    Query,
)
from google.cloud.firestore_v1.base_query import FieldFilter
from google.cloud.firestore_v1.vector import Vector

from gitalong.core.config import project_id

__all__ = [
    "DELETE_FIELD",
    "SERVER_TIMESTAMP",
    "AlreadyExists",
    "ArrayRemove",
    "ArrayUnion",
    "Conflict",
    "DeadlineExceeded",
    "FailedPrecondition",
    "FieldFilter",
    "Increment",
    "NotFound",
    "Query",
    "Vector",
    "client",
    "count",
    "data",
    "is_transient",
    "where",
]


@lru_cache(maxsize=1)
def client() -> Client:
    """A Firestore client for the current project (the emulator when its variable is set).

    ``google.cloud.firestore.Client`` honours ``FIRESTORE_EMULATOR_HOST`` and then needs no
    credentials, unlike ``firebase_admin.firestore.client()``.
    """
    return Client(project=project_id())


def where(query: Any, field: str, op: str, value: Any) -> Any:
    """``query`` narrowed to documents whose ``field`` ``op`` ``value`` (the keyword form the SDK wants)."""
    return query.where(filter=FieldFilter(field, op, value))


def count(query: Any) -> int:
    """How many documents ``query`` matches (one aggregation round trip, no documents read)."""
    return int(query.count(alias="n").get()[0][0].value)


def data(snapshot: DocumentSnapshot) -> dict[str, Any] | None:
    """A snapshot's fields, or ``None`` when the document does not exist."""
    return snapshot.to_dict() if snapshot.exists else None


TRANSIENT: tuple[type[BaseException], ...] = (
    _errors.Aborted,
    _errors.DeadlineExceeded,
    _errors.ServiceUnavailable,
    _errors.InternalServerError,
    _errors.TooManyRequests,
    _errors.ResourceExhausted,
    _errors.GatewayTimeout,
    _errors.Unknown,
    _errors.RetryError,
    ConnectionError,
    TimeoutError,
)
"""Failures a retry may cure: contention, timeouts, an unavailable backend."""


def is_transient(exc: BaseException) -> bool:
    """True when ``exc``, or anything in its cause/context chain, is in :data:`TRANSIENT`."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, TRANSIENT):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False
