"""Profile triggers: keep everything derived from ``users/{uid}`` true."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import _firestore_triggers as firestore_trigger

if TYPE_CHECKING:
    from firebase_functions.firestore_fn import Change, Event


@firestore_trigger.on_document_written(document="users/{uid}")
def sync_profile(event: Event[Change[Any]]) -> None:
    """Write (or remove) the public card ``profiles/{uid}`` for a change of ``users/{uid}``."""
    from gitalong.services import profile_sync

    after = event.data.after
    profile_sync.sync(event.params["uid"], after.to_dict() if after is not None and after.exists else None)
