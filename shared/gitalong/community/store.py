"""Where the community area keeps its data: ``events/{id}`` (with ``attendees/{uid}``) and ``showcase_posts/{id}``."""

from __future__ import annotations

from typing import Any

EVENTS = "events"
ATTENDEES = "attendees"
SHOWCASE_POSTS = "showcase_posts"


def event_ref(db: Any, event_id: str) -> Any:
    return db.collection(EVENTS).document(event_id)


def attendee_ref(db: Any, event_id: str, uid: str) -> Any:
    return event_ref(db, event_id).collection(ATTENDEES).document(uid)


def post_ref(db: Any, post_id: str) -> Any:
    return db.collection(SHOWCASE_POSTS).document(post_id)
