"""Firestore triggers that load the Firestore event machinery on the first event, not at import.

``firebase_functions.firestore_fn`` imports ``google.cloud.firestore_v1`` (≈ 0.25 s on
these machines) at module level, and every function in ``main.py`` would pay it on cold
start. These decorators declare the same endpoint for discovery (a unit test compares it
with the SDK's) and build the SDK's own handler when the first event arrives.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from firebase_functions.options import FirestoreOptions
from firebase_functions.private import util as _util
from firebase_functions.private.path_pattern import PathPattern

F = TypeVar("F", bound=Callable[..., Any])

EVENT_TYPES = {
    "written": "google.cloud.firestore.document.v1.written",
    "created": "google.cloud.firestore.document.v1.created",
    "updated": "google.cloud.firestore.document.v1.updated",
    "deleted": "google.cloud.firestore.document.v1.deleted",
}


def _trigger(kind: str) -> Callable[..., Callable[[F], F]]:
    def decorator_factory(**kwargs: Any) -> Callable[[F], F]:
        options = FirestoreOptions(**kwargs)

        def decorator(func: F) -> F:
            @functools.lru_cache(maxsize=1)
            def sdk_handler() -> Callable[[Any], Any]:
                from firebase_functions import firestore_fn

                handler: Callable[[Any], Any] = getattr(firestore_fn, f"on_document_{kind}")(**kwargs)(func)
                return handler

            @functools.wraps(func)
            def on_event(raw: Any) -> Any:
                return sdk_handler()(raw)

            endpoint = options._endpoint(
                event_type=EVENT_TYPES[kind],
                func_name=func.__name__,
                document_pattern=PathPattern(_util.normalize_path(str(options.document))),
            )
            _util.set_func_endpoint_attr(on_event, endpoint)
            return on_event  # type: ignore[return-value]

        return decorator

    return decorator_factory


on_document_written = _trigger("written")
on_document_created = _trigger("created")
on_document_updated = _trigger("updated")
on_document_deleted = _trigger("deleted")
