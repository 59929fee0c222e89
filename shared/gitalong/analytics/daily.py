"""The daily engagement job: the day's activity per user (``analytics/*/daily``) and platform (``stats/daily``)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date
from typing import Any

from gitalong.analytics import model as domain
from gitalong.analytics import store
from gitalong.community import store as community_store
from gitalong.infra import firestore
from gitalong.infra.firestore import where
from gitalong.swipes import store as swipes_store

logger = logging.getLogger(__name__)


def read_day(day: date) -> domain.DailyActivity:
    """The day's changes, by ``created_at`` range queries (each query is listed in docs/analytics.md)."""
    from gitalong.community.model import counted_skills

    db = firestore.client()
    span = domain.day_range(day)
    activity = domain.DailyActivity()
    swipe_fields = ["swiper_id", "target_id", "target_type", "direction"]
    swipes, matches = db.collection(swipes_store.SWIPES), db.collection(swipes_store.MATCHES)
    activity.swipes = [s.to_dict() or {} for s in store.created_in(swipes, span, swipe_fields)]
    activity.matches = [s.to_dict() or {} for s in store.created_in(matches, span, ["participants"])]
    activity.messages = [
        s.to_dict() or {} for s in store.created_in(db.collection_group("messages"), span, ["sender_id"])
    ]
    activity.attendances = [
        s.id
        for s in store.created_in(db.collection_group("attendees"), span, ["created_at"])
        if s.reference.parent.parent is not None and s.reference.parent.parent.parent.id == "events"
    ]
    posts: list[Mapping[str, Any]] = []
    for snap in store.created_in(
        db.collection(community_store.SHOWCASE_POSTS), span, ["user_id", "content", "skills", "media_ids", "category"]
    ):
        author, skills = counted_skills(snap.to_dict() or {})
        if author is not None:
            posts.append({"user_id": author, "canonical_skills": sorted(skills)})
    activity.posts = posts
    return activity


def run_daily(day: date) -> dict[str, Any]:
    """Compute and store ``day``'s per-user and platform metrics; same input, same documents.

    Every metric is written with ``set(merge=True)`` (never incremented): a field recorded by
    something else (``profile_views``) survives; per-user documents of the day that the new
    computation no longer backs get their metrics set to 0. A re-run converges.
    """
    db = firestore.client()
    per_user, platform = domain.daily_rollup(read_day(day))
    key = day.isoformat()
    platform["date"] = key
    batch, pending = db.batch(), 0

    def flush(force: bool = False) -> None:
        nonlocal batch, pending
        if pending and (force or pending >= 400):
            batch.commit()
            batch, pending = db.batch(), 0

    for uid, metrics in per_user.items():
        ref = store.summary_ref(db, uid).collection(store.DAILY).document(key)
        batch.set(ref, {"date": key, **metrics}, merge=True)
        pending += 1
        flush()
    stale = [
        s.reference
        for s in where(db.collection_group(store.DAILY), "date", "==", key).select([]).stream()
        if s.reference.parent.parent is not None
        and s.reference.parent.parent.id not in per_user
        and s.reference.parent.parent.parent.id == "analytics"
    ]
    zero = {"date": key, **dict.fromkeys(domain.USER_DAILY_FIELDS, 0), "active": 0}
    for ref in stale:
        batch.set(ref, zero, merge=True)
        pending += 1
        flush()
    batch.set(db.collection(store.STATS).document("daily").collection("days").document(key), platform)
    pending += 1
    flush(force=True)
    logger.info(
        "daily engagement %s: %d users, %d stale zeroed, %s",
        key,
        len(per_user),
        len(stale),
        {k: v for k, v in platform.items() if k != "top_skills"},
    )
    return {"users": len(per_user), "stale_zeroed": len(stale), **platform}
