"""Event and attendance triggers: canonical skills, attendee counts, per-user attendance lists."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from support.emulators import wait_for

NOW = datetime.now(UTC)


def _event(db: Any, event_id: str, **fields: Any) -> Any:
    ref = db.collection("events").document(event_id)
    ref.set({"title": "Hack night", "category": "Web", "department": "CS", "created_by": "org",
             "start": NOW + timedelta(days=3), "end": NOW + timedelta(days=3, hours=3), **fields})
    return ref


def _field(ref: Any, name: str) -> Any:
    return (ref.get().to_dict() or {}).get(name)


def _field_is(ref: Any, name: str, value: Any) -> bool:
    return bool(_field(ref, name) == value)


def test_an_event_gets_its_canonical_skills_from_skills_and_category(db: Any, uid: str) -> None:
    ref = _event(db, f"ev{uid}", skills=["python", "Python ", "js"], category="Web")
    skills = wait_for(lambda: _field(ref, "canonical_skills"), what="canonical skills")
    assert len(skills) == 3  # python once, js, the category
    assert _field(ref, "sync_error") is None


def test_an_event_ending_before_it_starts_is_flagged_and_counts_for_no_skill(db: Any, uid: str) -> None:
    ref = _event(db, f"ev{uid}", skills=["python"], end=NOW)
    error = wait_for(lambda: _field(ref, "sync_error"), what="sync_error")
    assert "end" in error
    assert _field(ref, "canonical_skills") == []


def test_attendance_is_counted_once_per_attendee_and_listed_for_the_user(db: Any, uid: str) -> None:
    ref = _event(db, f"ev{uid}")
    people = [f"{uid}a", f"{uid}b", f"{uid}c"]
    for person in people:
        ref.collection("attendees").document(person).set({"created_at": NOW})
    wait_for(lambda: _field(ref, "attendee_count") == 3, what="3 attendees counted")
    for person in people:
        summary = db.collection("analytics").document(person)
        wait_for(partial(_field_is, summary, "events_attended", 1), what=f"{person} attendance counted")
        mirror = summary.collection("attended").document(ref.id).get().to_dict()
        assert mirror["title"] == "Hack night" and mirror["uid"] == person

    # rewriting an attendance changes no count; removing one does
    ref.collection("attendees").document(people[0]).set({"created_at": NOW, "note": "again"})
    ref.collection("attendees").document(people[1]).delete()
    mirror = db.collection("analytics").document(people[1]).collection("attended").document(ref.id)
    wait_for(lambda: not mirror.get().exists, what="attendance list entry removed")
    wait_for(lambda: _field(ref, "attendee_count") == 2, what="count back to 2")
    assert _field(db.collection("analytics").document(people[1]), "events_attended") == 0
    assert _field(db.collection("analytics").document(people[0]), "events_attended") == 1


def test_a_redelivered_or_reordered_attendance_event_counts_once(db: Any, uid: str) -> None:
    from gitalong.community import events

    # GIVEN the same "created" event delivered twice, and a "deleted" arriving before its "created"
    events.on_attendee_written("evA", uid, "cloud-event-1", False, True)
    events.on_attendee_written("evA", uid, "cloud-event-1", False, True)
    events.on_attendee_written("evB", uid, "cloud-event-3", True, False)
    events.on_attendee_written("evB", uid, "cloud-event-2", False, True)

    # THEN evA counts once and evB nets out
    assert _field(db.collection("analytics").document(uid), "events_attended") == 1
