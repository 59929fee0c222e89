"""Profile triggers: keep everything derived from ``users/{uid}`` true."""

from __future__ import annotations

from typing import Any

from firebase_functions import firestore_fn


@firestore_fn.on_document_written(document="users/{uid}")
def sync_profile(event: firestore_fn.Event[firestore_fn.Change[Any]]) -> None:
    """Write (or remove) the public card ``profiles/{uid}`` for a change of ``users/{uid}``."""
    from gitalong.services import profile_sync

    after = event.data.after
    profile_sync.sync(event.params["uid"], after.to_dict() if after is not None and after.exists else None)
