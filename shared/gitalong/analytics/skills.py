"""Skill popularity: per-skill counts from profiles, posts and events, folded daily into ``stats/skills``."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from gitalong.analytics import model as domain
from gitalong.analytics import store
from gitalong.infra import firestore, ledger

logger = logging.getLogger(__name__)


def add_skill_deltas(writer: Any, source: str, entity_id: str, before: set[str], after: set[str]) -> int:
    """Queue ``+1``/``-1`` per skill that ``entity_id`` gained/lost for ``source`` on ``writer`` (a
    transaction or batch); returns how many."""
    from gitalong.infra.firestore import Increment

    deltas = {skill: Increment(1) for skill in after - before}
    deltas.update({skill: Increment(-1) for skill in before - after})
    if deltas:
        writer.set(store.skill_shard_ref(firestore.client(), entity_id), {source: deltas}, merge=True)
    return len(deltas)


def refresh_skill_stats(as_of: date) -> dict[str, Any]:
    """Fold the counter shards into ``stats/skills`` and snapshot totals at ``as_of``.

    Week-over-week change compares with the snapshot of ``as_of - 7 days``. Reads the
    ``SKILL_SHARDS`` shard documents and two snapshots, whatever the data size.
    """
    db = firestore.client()
    root = store.skill_stats_ref(db)
    current = domain.sum_shards(s.to_dict() or {} for s in root.collection("shards").stream())
    totals = {skill: sum(row.values()) for skill, row in current.items() if sum(row.values()) > 0}
    week_ago_snap = root.collection("history").document((as_of - timedelta(days=7)).isoformat()).get()
    week_ago = (week_ago_snap.to_dict() or {}).get("totals") if week_ago_snap.exists else None
    stats = domain.skill_trends(current, week_ago)
    stats["as_of"] = as_of.isoformat()
    batch = db.batch()
    batch.set(root.collection("history").document(as_of.isoformat()), {"date": as_of.isoformat(), "totals": totals})
    batch.set(root, stats)
    batch.commit()
    logger.info("skill stats as of %s: %d skills, trending %s", as_of, len(stats["skills"]), stats["trending"][:5])
    return stats


def profile_skill_deltas(
    event_id: str, uid: str, before: Mapping[str, Any] | None, after: Mapping[str, Any] | None
) -> int:
    """Count a profile's canonical skills per skill (``stats/skills`` ``profiles``), once per event.

    The counts move by the difference between ``before`` and ``after``, so deliveries in any
    order add up; the ledger (kind ``profile-skills``) makes a redelivery a no-op.
    """
    from gitalong.community.model import canonical_skills

    def skills(card: Mapping[str, Any] | None) -> set[str]:
        if card is None or card.get("deleted"):
            return set()
        return set(canonical_skills(card.get("skills") or []))

    old, new = skills(before), skills(after)
    if old == new:
        return 0
    applied = ledger.apply_once(
        event_id, "profile-skills",
        lambda tx, _: add_skill_deltas(tx, "profiles", f"profile:{uid}", old, new),
        subject=f"profiles/{uid}",
    )
    if not applied.first:
        logger.info("profile-skills %s was applied before: nothing to do", event_id)
        return 0
    logger.info("profile %s skill counts: +%s -%s", uid, sorted(new - old), sorted(old - new))
    return applied.result or 0
