"""recommend_events: upcoming events ranked by skill overlap and by what similar users attend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from support.emulators import Emulators, wait_for

NOW = datetime.now(UTC)


def test_upcoming_events_are_ranked_and_past_or_attended_ones_left_out(
        emulators: Emulators, db: Any, uid: str) -> None:
    # GIVEN a Python developer who went to a past meetup with s1 and s2
    db.collection("profiles").document(uid).set({"display_name": "Ada", "skills": ["python"]})
    events = db.collection("events")

    def event(key: str, category: str, days: float) -> Any:
        ref = events.document(f"{uid}{key}")
        ref.set({"title": key, "category": category, "start": NOW + timedelta(days=days),
                 "end": NOW + timedelta(days=days, hours=2)})
        return ref

    past, py, go, cooking, attended = (event("past", "python", -7), event("py", "python", 5),
                                       event("go", "go", 2), event("cook", "cooking", 1),
                                       event("att", "python", 3))
    s1, s2 = f"{uid}s1", f"{uid}s2"
    for person in (uid, s1, s2):
        past.collection("attendees").document(person).set({"created_at": NOW - timedelta(days=7)})
    for person in (s1, s2):  # ... who are both going to the Go event
        go.collection("attendees").document(person).set({"created_at": NOW})
    attended.collection("attendees").document(uid).set({"created_at": NOW})
    mirrors = db.collection_group("attended")
    wait_for(lambda: len(list(mirrors.stream())) == 6, what="attendance lists")

    # WHEN
    result = emulators.call("recommend_events", {"limit": 5}, uid=uid)

    # THEN: skills first (0.7), then what similar users attend (0.3 x 2/3), then the rest
    assert result.status == "OK", result.error
    ranked = [(e["id"], e["score"]) for e in result.result["events"]]
    assert ranked == [(py.id, 0.7), (go.id, 0.2), (cooking.id, 0.0)]
    top = result.result["events"][0]
    assert top["event"]["title"] == "py" and top["reasons"] == ["skills: Python"]
    assert result.result["events"][1]["reasons"] == ["2 people who attend your events are going"]


def test_recommend_events_refuses_a_limit_over_50(emulators: Emulators, uid: str) -> None:
    result = emulators.call("recommend_events", {"limit": 51}, uid=uid)
    assert result.status == "INVALID_ARGUMENT" and result.field_errors == ["limit"]
