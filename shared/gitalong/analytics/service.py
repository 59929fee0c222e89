"""Analytics use cases: the caller's metrics, the daily engagement roll-up, skill statistics.

Storage (see docs/analytics.md): ``analytics/{uid}`` (per-user running counts),
``analytics/{uid}/attended/{eventId}``, ``analytics/{uid}/connections/{matchId}``,
``analytics/{uid}/daily/{yyyy-mm-dd}``, ``stats/daily/days/{yyyy-mm-dd}``, ``stats/skills``
with its counter shards ``stats/skills/shards/{n}`` and snapshots ``stats/skills/history/{date}``.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from gitalong.analytics import model as domain
from gitalong.core.errors import InvalidArgument
from gitalong.infra import firestore, ledger

logger = logging.getLogger(__name__)

SKILL_SHARDS = 10
"""Counter shards of ``stats/skills``: each absorbs ~1 write/s, so ~10 skill-count writes/s in all."""
RESPONSE_RATE_CAP = 5000
"""At most this many received right swipes are checked for ``response_rate`` (newest first)."""


def _db() -> Any:
    return firestore.client()


# --- skill counters ------------------------------------------------------------------


def skill_shard_ref(entity_id: str) -> Any:
    """The ``stats/skills/shards/{n}`` counter shard an entity's skill counts go to."""
    n = int(hashlib.sha1(entity_id.encode()).hexdigest(), 16) % SKILL_SHARDS
    return _db().collection("stats").document("skills").collection("shards").document(str(n))


def add_skill_deltas(writer: Any, source: str, entity_id: str, before: set[str], after: set[str]) -> int:
    """Queue ``+1``/``-1`` per skill that ``entity_id`` gained/lost for ``source`` on ``writer`` (a
    transaction or batch); returns how many."""
    from gitalong.infra.firestore import Increment

    deltas = {skill: Increment(1) for skill in after - before}
    deltas.update({skill: Increment(-1) for skill in before - after})
    if deltas:
        writer.set(skill_shard_ref(entity_id), {source: deltas}, merge=True)
    return len(deltas)


# --- get_analytics ------------------------------------------------------------------


def _count(query: Any) -> int:
    result = query.count(alias="n").get()
    return int(result[0][0].value)


def _in_range(query: Any, field: str, span: domain.DateRange | None) -> Any:
    from gitalong.infra.firestore import FieldFilter

    if span is None:
        return query
    return query.where(filter=FieldFilter(field, ">=", span.since)).where(filter=FieldFilter(field, "<", span.until))


def _eq(query: Any, field: str, value: Any, op: str = "==") -> Any:
    from gitalong.infra.firestore import FieldFilter

    return query.where(filter=FieldFilter(field, op, value))


def _counters(uid: str) -> dict[str, int]:
    """The swipes area's sharded counters for ``uid``."""
    from gitalong.infra import counters

    values = counters.read(uid)
    return {k: int(v or 0) for k, v in dict(values).items()}


def _response_rate(uid: str, span: domain.DateRange | None) -> float | None:
    """Share of right/super swipes received (in ``span``) whose swiper the user swiped on since."""
    db = _db()
    query = _in_range(_eq(db.collection("swipes"), "target_id", uid), "created_at", span)
    query = _eq(query, "direction", ["right", "super"], "in")
    snaps = query.select(["swiper_id"]).limit(RESPONSE_RATE_CAP).stream()
    swipers = [(snap.to_dict() or {}).get("swiper_id") for snap in snaps]
    swipers = [s for s in swipers if isinstance(s, str)]
    if not swipers:
        return None
    refs = [db.collection("swipes").document(f"{uid}_{s}") for s in swipers]
    answered = sum(1 for snap in db.get_all(refs, field_paths=["direction"]) if snap.exists)
    return domain.ratio(answered, len(swipers))


def metrics_for(uid: str, span: domain.DateRange | None, only: str | None = None) -> dict[str, Any]:
    """The caller's metrics over ``span`` (all time when None); just ``only`` when given.

    Every figure is a count aggregation or a read of per-user documents: nothing scans a
    collection. All-time swipe and match totals come from the swipes area's counters when
    that module is installed.
    """
    db = _db()
    wanted = set(domain_metrics()) if only is None else {only}
    summary_ref = db.collection("analytics").document(uid)
    summary = (summary_ref.get().to_dict() or {}) if span is None else {}
    counters = (
        _counters(uid) if span is None and wanted & {"swipes_given", "swipes_received", "total_matches"} else None
    )
    out: dict[str, Any] = {}
    swipes = db.collection("swipes")
    if "swipes_given" in wanted:
        out["swipes_given"] = (
            counters.get("swipes_given", 0)
            if counters is not None
            else _count(_in_range(_eq(swipes, "swiper_id", uid), "created_at", span))
        )
    if "swipes_received" in wanted:
        out["swipes_received"] = (
            counters.get("swipes_received", 0)
            if counters is not None
            else _count(_in_range(_eq(swipes, "target_id", uid), "created_at", span))
        )
    if "total_matches" in wanted:
        out["total_matches"] = (
            counters.get("matches", 0)
            if counters is not None
            else _count(
                _in_range(_eq(db.collection("matches"), "participants", uid, "array_contains"), "created_at", span)
            )
        )
    if "successful_connections" in wanted:
        connections = _eq(summary_ref.collection("connections"), "successful", True)
        out["successful_connections"] = _count(_in_range(connections, "successful_at", span))
    if "response_rate" in wanted:
        out["response_rate"] = _response_rate(uid, span)
    if "events_attended" in wanted:
        out["events_attended"] = (
            int(summary.get("events_attended", 0))
            if span is None
            else _count(_in_range(summary_ref.collection("attended"), "attended_at", span))
        )
    if "posts_created" in wanted:
        out["posts_created"] = (
            int(summary.get("posts_created", 0))
            if span is None
            else _count(_in_range(_eq(db.collection("showcase_posts"), "user_id", uid), "created_at", span))
        )
    if "profile_views" in wanted:
        out["profile_views"] = _profile_views(uid, span, summary)
    return out


def _profile_views(uid: str, span: domain.DateRange | None, summary: Mapping[str, Any]) -> int | None:
    """Profile views where recorded (``analytics/{uid}.profile_views``, or per day in the daily docs)."""
    if span is None:
        views = summary.get("profile_views")
        return int(views) if isinstance(views, int) else None
    days = _db().collection("analytics").document(uid).collection("daily")
    query = _eq(_eq(days, "date", span.start.isoformat(), ">="), "date", span.end.isoformat(), "<=")
    recorded = [(s.to_dict() or {}).get("profile_views") for s in query.select(["profile_views"]).stream()]
    numbers = [v for v in recorded if isinstance(v, int)]
    return sum(numbers) if numbers else None


def domain_metrics() -> tuple[str, ...]:
    """Every metric name, as the contract's ``Metric`` type lists them."""
    from typing import get_args

    from gitalong.contract.callables import Metric

    return tuple(get_args(Metric))


def get_analytics(uid: str, request: Any, today: date | None = None) -> dict[str, Any]:
    """The ``get_analytics`` callable: validate the range, then measure."""
    today = today or datetime.now(UTC).date()
    problems = domain.range_problems(request.start_date, request.end_date)
    span = None if problems else domain.resolve_range(request.start_date, request.end_date, today)
    if span is not None:
        problems = domain.range_problems(span.start, span.end)
        if problems and request.start_date is not None and request.end_date is None:
            problems = [{"field": "start_date", "message": problems[0]["message"]}]
    if problems:
        raise InvalidArgument("invalid date range", problems)
    metrics = metrics_for(uid, span, request.metric)
    logger.info("analytics for %s over %s: %s", uid, span or "all time", metrics)
    return {
        "metrics": metrics,
        "start_date": span.start if span else None,
        "end_date": span.end if span else None,
    }


# --- successful connections (a message trigger) -------------------------------------


def record_message(match_id: str, sender_id: str, created_at: datetime | None) -> bool:
    """Note that ``sender_id`` wrote in ``match_id``; mark the connection successful once both did.

    Keeps ``analytics/{uid}/connections/{matchId}`` for both participants:
    ``first_sent_at`` (earliest message of the owner), ``first_received_at`` (of the other),
    ``successful``/``successful_at`` (the later of the two firsts). Idempotent and order-free:
    every field is a min/max over the messages seen, so a redelivered or late message changes
    nothing and this trigger needs no ledger entry. Returns True when something changed.
    """
    db = _db()
    match = db.collection("matches").document(match_id).get()
    participants = list((match.to_dict() or {}).get("participants") or []) if match.exists else []
    if sender_id not in participants or len(participants) != 2:
        logger.info("message in %s from %s: not a participant of a live match, ignored", match_id, sender_id)
        return False
    other = participants[1] if participants[0] == sender_id else participants[0]
    when = created_at or datetime.now(UTC)
    match_created = (match.to_dict() or {}).get("created_at")
    mine = db.collection("analytics").document(sender_id).collection("connections").document(match_id)
    theirs = db.collection("analytics").document(other).collection("connections").document(match_id)
    from gitalong.infra.transactions import run_transaction

    def apply(tx: Any) -> bool:
        docs = {snap.reference.path: (snap.to_dict() or {}) for snap in tx.get_all([mine, theirs])}
        a, b = docs.get(mine.path, {}), docs.get(theirs.path, {})
        new_a = _earliest(a, "first_sent_at", when)
        new_b = _earliest(b, "first_received_at", when)
        if new_a is None and new_b is None:
            return False
        for ref, doc, owner, peer, update in ((mine, a, sender_id, other, new_a), (theirs, b, other, sender_id, new_b)):
            merged = {**doc, **(update or {})}
            fields = {
                "match_id": match_id,
                "uid": owner,
                "other_id": peer,
                "match_created_at": match_created,
                **(update or {}),
            }
            sent, received = merged.get("first_sent_at"), merged.get("first_received_at")
            fields["successful"] = bool(sent and received)
            fields["successful_at"] = max(sent, received) if sent and received else None
            tx.set(ref, fields, merge=True)
        return True

    changed = run_transaction(apply)
    logger.info("message in %s from %s: connection %s", match_id, sender_id, "updated" if changed else "unchanged")
    return changed


def _earliest(doc: Mapping[str, Any], field: str, when: datetime) -> dict[str, Any] | None:
    current = doc.get(field)
    if current is not None and current <= when:
        return None
    return {field: when}


# --- the daily engagement job -------------------------------------------------------


def _day_docs(query: Any, span: domain.DateRange, fields: list[str]) -> Iterator[Any]:
    yield from _in_range(query, "created_at", span).select(fields).stream()


def read_day(day: date) -> domain.DailyActivity:
    """The day's changes, by ``created_at`` range queries (each query is listed in docs/analytics.md)."""
    from gitalong.community.model import counted_skills

    db = _db()
    span = domain.day_range(day)
    activity = domain.DailyActivity()
    activity.swipes = [
        s.to_dict() or {}
        for s in _day_docs(db.collection("swipes"), span, ["swiper_id", "target_id", "target_type", "direction"])
    ]
    activity.matches = [s.to_dict() or {} for s in _day_docs(db.collection("matches"), span, ["participants"])]
    activity.messages = [s.to_dict() or {} for s in _day_docs(db.collection_group("messages"), span, ["sender_id"])]
    activity.attendances = [
        s.id
        for s in _day_docs(db.collection_group("attendees"), span, ["created_at"])
        if s.reference.parent.parent is not None and s.reference.parent.parent.parent.id == "events"
    ]
    posts: list[Mapping[str, Any]] = []
    for snap in _day_docs(
        db.collection("showcase_posts"), span, ["user_id", "content", "skills", "media_ids", "category"]
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
    db = _db()
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
        ref = db.collection("analytics").document(uid).collection("daily").document(key)
        batch.set(ref, {"date": key, **metrics}, merge=True)
        pending += 1
        flush()
    stale = [
        s.reference
        for s in _eq(db.collection_group("daily"), "date", key).select([]).stream()
        if s.reference.parent.parent is not None
        and s.reference.parent.parent.id not in per_user
        and s.reference.parent.parent.parent.id == "analytics"
    ]
    zero = {"date": key, **dict.fromkeys(domain.USER_DAILY_FIELDS, 0), "active": 0}
    for ref in stale:
        batch.set(ref, zero, merge=True)
        pending += 1
        flush()
    batch.set(db.collection("stats").document("daily").collection("days").document(key), platform)
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


# --- skill popularity ---------------------------------------------------------------


def refresh_skill_stats(as_of: date) -> dict[str, Any]:
    """Fold the counter shards into ``stats/skills`` and snapshot totals at ``as_of``.

    Week-over-week change compares with the snapshot of ``as_of - 7 days``. Reads the
    ``SKILL_SHARDS`` shard documents and two snapshots, whatever the data size.
    """
    db = _db()
    root = db.collection("stats").document("skills")
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
