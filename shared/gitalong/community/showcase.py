"""Showcase post use cases: normalize a post's skills and keep the per-user and per-skill counts."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from gitalong.analytics import store as analytics_store
from gitalong.analytics.skills import add_skill_deltas
from gitalong.community import model as domain
from gitalong.community import store
from gitalong.infra import firestore, ledger

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
    nothing. One transaction (ledger kind ``showcase-post``): counts move by the difference
    between before and after, so any delivery order adds up; the derived fields come from the
    post as it is *now*, so a late, older event never rolls them back nor re-creates a deleted
    post; the ledger entry makes a redelivery a no-op. Our own writes are ignored.
    """
    source_before, source_after = _source(before), _source(after)
    if source_before == source_after:
        return
    db = firestore.client()
    from gitalong.infra.firestore import Increment

    ref = store.post_ref(db, post_id)
    old_author, old_skills = domain.counted_skills(source_before)
    new_author, new_skills = domain.counted_skills(source_after)
    old_record = analytics_store.summary_ref(db, old_author) if old_author and old_author != new_author else None

    def effect(tx: Any, snaps: dict[str, Any]) -> list[dict[str, str]] | None:
        add_skill_deltas(tx, "posts", f"post:{post_id}", old_skills, new_skills)
        if old_author != new_author:
            if old_record is not None and snaps[old_record.path].exists:  # never re-create a deleted record
                tx.set(old_record, {"posts_created": Increment(-1)}, merge=True)
            if new_author:
                tx.set(analytics_store.summary_ref(db, new_author), {"posts_created": Increment(1)},
                       merge=True)
        current = snaps[ref.path]
        if not current.exists:
            return None
        now = current.to_dict() or {}
        source = _source(now) or {}
        problems = domain.post_problems(source)
        fields: dict[str, Any] = {
            "canonical_skills": domain.canonical_skills(source.get("skills") or []) if not problems else [],
            "sync_error": problems[0]["message"] if problems else None,
        }
        if any(now.get(k) != v for k, v in fields.items()):
            tx.update(ref, fields)
        return problems

    reads = [ref, *([old_record] if old_record is not None else [])]
    applied = ledger.apply_once(cloud_event_id, "showcase-post", effect, reads=reads, subject=ref.path)
    if not applied.first:
        logger.info("post %s: event %s was applied before, nothing to do", post_id, cloud_event_id)
        return
    if applied.result is None:
        logger.info("post %s gone: counted out", post_id)
        return
    logger.info(
        "post %s synced: author %s, skills %s%s",
        post_id,
        new_author,
        sorted(new_skills),
        f", invalid: {applied.result}" if applied.result else "",
    )
