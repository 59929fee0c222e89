"""Chat trigger: a new message updates its match and notifies the other participant."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import _firestore_triggers as firestore_trigger

if TYPE_CHECKING:
    from firebase_functions.firestore_fn import Event


@firestore_trigger.on_document_created(document="matches/{matchId}/messages/{messageId}")
def on_chat_message(event: Event[Any]) -> None:
    """Set ``last_message_at``/``last_message_preview``; notify the other side (once per event)."""
    from gitalong.swipes import matches

    snapshot = event.data
    message = snapshot.to_dict() if snapshot is not None and snapshot.exists else None
    matches.on_message_created(event.params["matchId"], event.params["messageId"], event.id, message)
