"""Where the analytics area keeps its data: ``analytics/{uid}`` and its subcollections, ``stats/*``."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from gitalong.analytics.model import DateRange
from gitalong.infra.firestore import where

ANALYTICS = "analytics"
STATS = "stats"
CONNECTIONS = "connections"  # analytics/{uid}/connections/{match_id}
ATTENDED = "attended"  # analytics/{uid}/attended/{event_id}
DAILY = "daily"  # analytics/{uid}/daily/{yyyy-mm-dd}


def summary_ref(db: Any, uid: str) -> Any:
    """``analytics/{uid}``: the user's running counts."""
    return db.collection(ANALYTICS).document(uid)


def connection_ref(db: Any, uid: str, match_id: str) -> Any:
    return summary_ref(db, uid).collection(CONNECTIONS).document(match_id)


def attended(db: Any, uid: str) -> Any:
    """``analytics/{uid}/attended``: the events ``uid`` attends (mirrored by the events trigger)."""
    return summary_ref(db, uid).collection(ATTENDED)


SKILL_SHARDS = 10
"""Counter shards of ``stats/skills``: each absorbs ~1 write/s, so ~10 skill-count writes/s in all."""


def skill_stats_ref(db: Any) -> Any:
    """``stats/skills``: the folded counts, trends and snapshots (``history/{date}``)."""
    return db.collection(STATS).document("skills")


def skill_shard_ref(db: Any, entity_id: str) -> Any:
    """The ``stats/skills/shards/{n}`` counter shard an entity's skill counts go to."""
    n = int(hashlib.sha1(entity_id.encode()).hexdigest(), 16) % SKILL_SHARDS
    return skill_stats_ref(db).collection("shards").document(str(n))


def in_span(query: Any, field: str, span: DateRange | None) -> Any:
    """``query`` narrowed to ``span.since <= field < span.until`` (unchanged when ``span`` is None)."""
    if span is None:
        return query
    return where(where(query, field, ">=", span.since), field, "<", span.until)


def created_in(query: Any, span: DateRange, fields: list[str]) -> Iterator[Any]:
    """The documents of ``query`` created in ``span``, with only ``fields`` read."""
    yield from in_span(query, "created_at", span).select(fields).stream()


def recently_attended(db: Any, uid: str, limit: int) -> Any:
    """``uid``'s latest attended events (their ``attended`` list), newest first."""
    return attended(db, uid).order_by("attended_at", direction="DESCENDING").limit(limit)


def upcoming_attendance_of(db: Any, uids: list[str], now: datetime) -> Any:
    """Every ``attended`` entry of ``uids`` (at most 30) for events starting at or after ``now``."""
    query = where(db.collection_group(ATTENDED), "uid", "in", uids)
    return where(query, "event_start", ">=", now).select(["event_id"])
