"""Where the community area keeps its data: ``events/{id}`` (with ``attendees/{uid}``) and ``showcase_posts/{id}``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from gitalong.infra.firestore import where

EVENTS = "events"
ATTENDEES = "attendees"
SHOWCASE_POSTS = "showcase_posts"


def event_ref(db: Any, event_id: str) -> Any:
    return db.collection(EVENTS).document(event_id)


def attendee_ref(db: Any, event_id: str, uid: str) -> Any:
    return event_ref(db, event_id).collection(ATTENDEES).document(uid)


def post_ref(db: Any, post_id: str) -> Any:
    return db.collection(SHOWCASE_POSTS).document(post_id)


def upcoming_events(db: Any, now: datetime, limit: int) -> Any:
    """Events starting at or after ``now``, soonest first."""
    return where(db.collection(EVENTS), "start", ">=", now).order_by("start").limit(limit)
