"""Event, attendance and showcase triggers: keep counts, skills and attendance lists true."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import _firestore_triggers as firestore_trigger

if TYPE_CHECKING:
    from firebase_functions.firestore_fn import Change, Event


def _data(snapshot: Any) -> dict[str, Any] | None:
    return snapshot.to_dict() if snapshot is not None and snapshot.exists else None


@firestore_trigger.on_document_written(document="events/{eventId}")
def sync_event(event: Event[Change[Any]]) -> None:
    """Canonical skills (or ``sync_error``) on ``events/{eventId}``; per-skill event counts."""
    from gitalong.community import events

    events.on_event_written(event.params["eventId"], event.id, _data(event.data.before), _data(event.data.after))


@firestore_trigger.on_document_written(document="events/{eventId}/attendees/{uid}")
def count_attendance(event: Event[Change[Any]]) -> None:
    """``events/{eventId}.attendee_count``, ``analytics/{uid}.events_attended`` and the user's list."""
    from gitalong.community import events

    before, after = event.data.before, event.data.after
    events.on_attendee_written(
        event.params["eventId"], event.params["uid"], event.id,
        before is not None and before.exists, after is not None and after.exists,
    )


@firestore_trigger.on_document_written(document="showcase_posts/{postId}")
def sync_showcase_post(event: Event[Change[Any]]) -> None:
    """Canonical skills on the post; posts per user and per skill."""
    from gitalong.community import showcase

    showcase.on_post_written(event.params["postId"], event.id, _data(event.data.before), _data(event.data.after))
