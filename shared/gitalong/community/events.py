"""Event use cases: keep event skills, attendee counts and per-user attendance lists true."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from gitalong.analytics import store as analytics_store
from gitalong.analytics.skills import add_skill_deltas
from gitalong.community import model as domain
from gitalong.community import store
from gitalong.infra import firestore, ledger
from gitalong.profiles import store as profiles_store

if TYPE_CHECKING:
    from gitalong.contract.callables import RecommendEventsRequest

logger = logging.getLogger(__name__)

DERIVED_FIELDS = ("canonical_skills", "attendee_count", "sync_error")
"""Fields of ``events/{eventId}`` only functions write."""


def _source(event: Mapping[str, Any] | None) -> dict[str, Any] | None:
    return None if event is None else {k: v for k, v in event.items() if k not in DERIVED_FIELDS}


def on_event_written(
    event_id: str, cloud_event_id: str, before: Mapping[str, Any] | None, after: Mapping[str, Any] | None
) -> None:
    """An event changed: adjust the skill counts, write its canonical skills or ``sync_error``.

    One transaction (ledger kind ``event-skills``): the counts move by the difference
    between ``before`` and ``after`` (so any delivery order adds up), the derived fields are
    computed from the event as it is *now* (so a late, older event never rolls them back,
    and never re-creates a deleted event), and the ledger entry makes a redelivery a no-op.
    Writes of the derived fields alone (ours) are recognized and ignored.
    """
    source_before, source_after = _source(before), _source(after)
    if source_before == source_after:
        return
    ref = store.event_ref(firestore.client(), event_id)
    old, new = domain.event_skills(source_before), domain.event_skills(source_after)

    def effect(tx: Any, snaps: dict[str, Any]) -> list[dict[str, str]] | None:
        add_skill_deltas(tx, "events", f"event:{event_id}", old, new)
        current = snaps[ref.path]
        if not current.exists:
            return None
        now = current.to_dict() or {}
        source = _source(now) or {}
        problems = domain.event_problems(source)
        fields: dict[str, Any] = {
            "canonical_skills": sorted(domain.event_skills(source)),
            "sync_error": problems[0]["message"] if problems else None,
        }
        if any(now.get(k) != v for k, v in fields.items()):
            tx.update(ref, fields)
        return problems

    applied = ledger.apply_once(cloud_event_id, "event-skills", effect, reads=[ref], subject=ref.path)
    if not applied.first:
        logger.info("event %s: event %s was applied before, nothing to do", event_id, cloud_event_id)
        return
    if applied.result is None:
        logger.info("event %s gone: its skills no longer count", event_id)
        return
    logger.info(
        "event %s synced: skills %s%s",
        event_id,
        sorted(new),
        f", invalid: {applied.result}" if applied.result else "",
    )


def on_attendee_written(event_id: str, uid: str, cloud_event_id: str, before_exists: bool, after_exists: bool) -> None:
    """An attendance came or went: count it once, and mirror the current state for the user.

    The count change (+1/-1 from before/after) commits with the event's ledger entry (kind
    ``attendance``), so a redelivery counts nothing and any order adds up; the mirror
    ``analytics/{uid}/attended/{eventId}`` follows the attendee document as it is *now*, so
    out-of-order deliveries converge. The event document is read before the transaction, not
    in it: every attendee's transaction writes it (a blind increment), and reading it there
    would make a burst of sign-ups queue on its lock.
    """
    db = firestore.client()
    from gitalong.infra.firestore import Increment

    event_ref = store.event_ref(db, event_id)
    user_record = analytics_store.summary_ref(db, uid)
    delta = int(after_exists) - int(before_exists)
    if delta:
        event_exists = event_ref.get(field_paths=["title"]).exists

        def effect(tx: Any, snaps: dict[str, Any]) -> None:
            if event_exists:
                tx.update(event_ref, {"attendee_count": Increment(delta)})
            if delta > 0 or snaps[user_record.path].exists:  # a decrement never re-creates a deleted record
                tx.set(user_record, {"events_attended": Increment(delta)}, merge=True)

        subject = f"{event_ref.path}/attendees/{uid}"
        applied = ledger.apply_once(cloud_event_id, "attendance", effect, reads=[user_record], subject=subject)
        if applied.first:
            logger.info("attendance %s/%s counted %+d", event_id, uid, delta)
    _mirror_attendance(event_id, uid)


def _mirror_attendance(event_id: str, uid: str) -> None:
    db = firestore.client()
    event_ref = store.event_ref(db, event_id)
    attendee_ref = store.attendee_ref(db, event_id, uid)
    snaps = {s.reference.path: s for s in db.get_all([event_ref, attendee_ref])}
    attendee, event_snap = snaps[attendee_ref.path], snaps[event_ref.path]
    mirror = analytics_store.attended(db, uid).document(event_id)
    if not attendee.exists:
        mirror.delete()
        return
    data = attendee.to_dict() or {}
    event = (event_snap.to_dict() or {}) if event_snap.exists else {}
    mirror.set(
        {
            "uid": uid,
            "event_id": event_id,
            "title": event.get("title"),
            "category": event.get("category"),
            "event_start": event.get("start"),
            "attended_at": data.get("created_at") or attendee.create_time,
        }
    )


# --- recommend_events ---------------------------------------------------------------

UPCOMING_SCAN = 100
SIMILAR_USERS = 30
RECENT_EVENTS = 10
CO_ATTENDEES_PER_EVENT = 50


def recommend_events(uid: str, request: RecommendEventsRequest, now: datetime | None = None) -> dict[str, Any]:
    """Rank upcoming events for ``uid`` by skill overlap and by what similar users attend.

    Similar users are the ones who attended the same events as the caller. Past events and
    events the caller attends already are left out. Bounded reads: the caller's profile,
    ``UPCOMING_SCAN`` upcoming events, ``RECENT_EVENTS`` × ``CO_ATTENDEES_PER_EVENT`` attendees,
    and one collection-group query for what the similar users attend.
    """
    from gitalong.community.model import canonical_skills

    now = now or datetime.now(UTC)
    db = firestore.client()
    profile = profiles_store.card_ref(db, uid).get().to_dict() or {}
    mine = set(canonical_skills([*(profile.get("skills") or []), *(profile.get("tech_stack") or [])]))
    upcoming = list(store.upcoming_events(db, now, UPCOMING_SCAN).stream())
    if not upcoming:
        return {"events": []}
    attendee_refs = [store.attendee_ref(db, snap.id, uid) for snap in upcoming]
    attending = {
        s.reference.parent.parent.id for s in db.get_all(attendee_refs, field_paths=["created_at"]) if s.exists
    }
    going = _similar_users_going(uid, now)
    ranked = []
    for snap in upcoming:
        if snap.id in attending:
            continue
        event = snap.to_dict() or {}
        if event.get("sync_error"):
            continue
        skills = set(event.get("canonical_skills") or domain.event_skills(event))
        overlap = domain.skill_overlap(mine, skills)
        similar = going.get(snap.id, 0)
        reasons = []
        shared = sorted(s for s in skills if s.lower() in {m.lower() for m in mine})
        if shared:
            reasons.append("skills: " + ", ".join(shared[:5]))
        if similar:
            reasons.append(f"{similar} people who attend your events are going")
        ranked.append((domain.event_score(overlap, similar), event.get("start"), snap.id, reasons, event))
    ranked.sort(key=lambda r: (-r[0], r[1], r[2]))
    return {
        "events": [
            {"id": event_id, "score": score, "reasons": reasons, "event": _card(event)}
            for score, _, event_id, reasons, event in ranked[: request.limit]
        ]
    }


def _similar_users_going(uid: str, now: datetime) -> Counter[str]:
    """Upcoming event id → how many of the caller's most frequent co-attendees attend it."""
    db = firestore.client()
    co: Counter[str] = Counter()
    for snap in analytics_store.recently_attended(db, uid, RECENT_EVENTS).stream():
        attendees = store.event_ref(db, snap.id).collection(store.ATTENDEES)
        co.update(a.id for a in attendees.select([]).limit(CO_ATTENDEES_PER_EVENT).stream() if a.id != uid)
    similar = [user for user, _ in co.most_common(SIMILAR_USERS)]
    if not similar:
        return Counter()
    query = analytics_store.upcoming_attendance_of(db, similar, now)
    return Counter(str((s.to_dict() or {}).get("event_id")) for s in query.stream())


def _card(event: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "title": event.get("title") or "",
        "category": event.get("category"),
        "department": event.get("department"),
        "start": event.get("start"),
        "end": event.get("end"),
        "attendee_count": int(event.get("attendee_count") or 0),
        "skills": sorted(event.get("canonical_skills") or []),
    }
