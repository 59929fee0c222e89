"""Showcase post use cases: normalize a post's skills and keep the per-user and per-skill counts."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from gitalong.analytics import service as analytics
from gitalong.community import model as domain
from gitalong.infra import firestore

logger = logging.getLogger(__name__)

DERIVED_FIELDS = ("canonical_skills", "sync_error")
"""Fields of ``showcase_posts/{postId}`` only functions write."""


def _source(post: Mapping[str, Any] | None) -> dict[str, Any] | None:
    return None if post is None else {k: v for k, v in post.items() if k not in DERIVED_FIELDS}


def on_post_written(
    post_id: str, cloud_event_id: str, before: Mapping[str, Any] | None, after: Mapping[str, Any] | None
) -> None:
    """A post changed: count it (once per event) and write its canonical skills or ``sync_error``.

    A valid post counts once for its author (``analytics/{uid}.posts_created``) and once per
    canonical skill (``stats/skills`` shards, ``posts``); an invalid or deleted one for
    nothing. Counts move by the difference between before and after, so any delivery
    order adds up; the ledger makes redeliveries no-ops. Our own writes are ignored.
    """
    source_before, source_after = _source(before), _source(after)
    if source_before == source_after:
        return
    db = firestore.client()
    from gitalong.infra.firestore import Increment

    old_author, old_skills = domain.counted_skills(source_before)
    new_author, new_skills = domain.counted_skills(source_after)
    batch = db.batch()
    analytics.add_skill_deltas(batch, "posts", f"post:{post_id}", old_skills, new_skills)
    if old_author != new_author:
        old_record = db.collection("analytics").document(old_author) if old_author else None
        if old_record is not None and old_record.get().exists:  # never re-create a deleted user's record
            batch.set(old_record, {"posts_created": Increment(-1)}, merge=True)
        if new_author:
            batch.set(db.collection("analytics").document(new_author), {"posts_created": Increment(1)}, merge=True)
    counted = analytics.commit_once(batch, cloud_event_id, "showcase-post")
    if source_after is None or after is None:
        logger.info("post %s deleted (%s)", post_id, "counted" if counted else "redelivery")
        return
    problems = domain.post_problems(source_after)
    fields: dict[str, Any] = {
        "canonical_skills": domain.canonical_skills(source_after.get("skills") or []) if not problems else [],
        "sync_error": problems[0]["message"] if problems else None,
    }
    if any(after.get(k) != v for k, v in fields.items()):
        db.collection("showcase_posts").document(post_id).set(fields, merge=True)
    logger.info(
        "post %s synced (%s): author %s, skills %s%s",
        post_id,
        "counted" if counted else "redelivery",
        new_author,
        sorted(new_skills),
        f", invalid: {problems}" if problems else "",
    )
