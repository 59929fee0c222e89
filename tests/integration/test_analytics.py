"""get_analytics and the daily engagement job on a scripted week of activity.

The week is Monday 2026-03-02 .. Sunday 2026-03-08 (UTC); a few things happen just outside
it (03-01 23:59, 03-09) to pin the range boundaries. Expected figures are hand-computed
in the comments next to the data.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from google.cloud.firestore_v1.base_query import FieldFilter

from support.emulators import Emulators, wait_for

WEEK = {"start_date": "2026-03-02", "end_date": "2026-03-08"}


def at(day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def seed_week(db: Any, u: str) -> dict[str, str]:
    """The scripted week for user ``u``; returns the other users' ids by letter."""
    o = {k: f"{u}{k}" for k in "BCDEFGH"}
    batch = db.batch()

    def swipe(a: str, b: str, direction: str, when: datetime) -> None:
        batch.set(db.collection("swipes").document(f"{a}_{b}"), {
            "swiper_id": a, "target_id": b, "target_type": "user", "direction": direction,
            "created_at": when, "updated_at": when})

    swipe(u, o["B"], "right", at(2, 10))      # given 1
    swipe(o["B"], u, "right", at(2, 11))      # received 1, right, answered (u swiped B)
    swipe(u, o["C"], "left", at(3, 9))        # given 2
    swipe(o["C"], u, "right", at(3, 10))      # received 2, right, answered (u swiped C, left)
    swipe(o["D"], u, "super", at(4))          # received 3, right, unanswered
    swipe(o["E"], u, "left", at(5))           # received 4, not a right swipe
    swipe(u, o["E"], "right", at(5, 13))      # given 3
    swipe(o["F"], u, "right", at(1, 23, 59))  # before the week
    swipe(u, o["F"], "right", at(9, 0))       # after the week
    matches = {"B": at(2, 11), "G": at(6), "H": at(9, 1)}  # 2 in the week
    for k, when in matches.items():
        a, b = sorted([u, o[k]])
        batch.set(db.collection("matches").document(f"{a}_{b}"),
                  {"participants": [a, b], "status": "active", "created_at": when})
    for k in ("A", "B", "C"):  # events that happened before the week
        batch.set(db.collection("events").document(f"{u}ev{k}"), {
            "title": f"Event {k}", "category": "Python", "start": at(1), "end": at(1, 14), "created_by": "org"})
    batch.set(db.collection("showcase_posts").document(f"{u}p1"),
              {"user_id": u, "content": "one", "skills": ["python"], "created_at": at(3)})
    batch.set(db.collection("showcase_posts").document(f"{u}p2"),
              {"user_id": u, "content": "two", "skills": ["go", "python"], "created_at": at(8, 23, 30)})
    batch.set(db.collection("showcase_posts").document(f"{u}p3"),
              {"user_id": u, "content": "three", "skills": ["rust"], "created_at": at(9, 0, 30)})
    batch.commit()
    # attendance and messages after their events/matches exist (their triggers read them)
    events = db.collection("events")
    events.document(f"{u}evA").collection("attendees").document(u).set({"created_at": at(4)})
    events.document(f"{u}evB").collection("attendees").document(u).set({"created_at": at(7)})
    events.document(f"{u}evC").collection("attendees").document(u).set({"created_at": at(10)})  # after
    events.document(f"{u}evB").collection("attendees").document(o["D"]).set({"created_at": at(7, 13)})

    def message(k: str, sender: str, when: datetime) -> None:
        a, b = sorted([u, o[k]])
        db.collection("matches").document(f"{a}_{b}").collection("messages").add(
            {"sender_id": sender, "text": "hi", "created_at": when})

    message("B", u, at(2, 12))        # B: u writes ...
    message("B", o["B"], at(3, 9))    # ... B answers: successful on 03-03
    message("G", u, at(6, 12))        # G: only u writes: not successful
    message("H", u, at(9, 2))         # H: both write on 03-09: successful, after the week
    message("H", o["H"], at(9, 3))
    return o


def _connections_settled(db: Any, u: str) -> bool:
    docs = [s.to_dict() or {} for s in db.collection("analytics").document(u).collection("connections").stream()]
    summary = db.collection("analytics").document(u).get().to_dict() or {}
    return (sum(1 for d in docs if d.get("successful")) == 2 and len(docs) == 3
            and summary.get("events_attended") == 3 and summary.get("posts_created") == 3)


def test_metrics_of_the_scripted_week_match_the_hand_computed_numbers(
        emulators: Emulators, db: Any, uid: str) -> None:
    seed_week(db, uid)
    wait_for(lambda: _connections_settled(db, uid), timeout=60, what="triggers to process the week")

    week = emulators.call("get_analytics", WEEK, uid=uid)

    assert week.status == "OK", week.error
    assert week.result["metrics"] == {
        "swipes_given": 3,
        "swipes_received": 4,
        "total_matches": 2,
        "successful_connections": 1,
        "response_rate": 0.6667,  # B and C answered, D not
        "events_attended": 2,
        "posts_created": 2,
        "profile_views": None,
    }
    assert (week.result["start_date"], week.result["end_date"]) == ("2026-03-02", "2026-03-08")

    all_time = emulators.call("get_analytics", {}, uid=uid).result
    assert all_time["start_date"] is None
    assert all_time["metrics"]["successful_connections"] == 2
    assert all_time["metrics"]["events_attended"] == 3
    assert all_time["metrics"]["posts_created"] == 3
    assert all_time["metrics"]["response_rate"] == 0.75  # F too: u swiped F back on 03-09

    one = emulators.call("get_analytics", {"metric": "response_rate", **WEEK}, uid=uid).result["metrics"]
    assert one["response_rate"] == 0.6667
    assert [k for k, v in one.items() if v is not None] == ["response_rate"]

    monday = emulators.call("get_analytics", {"start_date": "2026-03-02", "end_date": "2026-03-02"}, uid=uid)
    assert monday.result["metrics"]["swipes_given"] == 1
    assert monday.result["metrics"]["total_matches"] == 1
    assert monday.result["metrics"]["successful_connections"] == 0  # B answered on Tuesday


@pytest.mark.parametrize(("data", "field"), [
    ({"start_date": "2026-03-08", "end_date": "2026-03-02"}, "end_date"),
    ({"start_date": "2025-01-01", "end_date": "2026-03-02"}, "end_date"),
    ({"start_date": "2020-01-01"}, "start_date"),
    ({"start_date": "not-a-date"}, "start_date"),
    ({"metric": "likes"}, "metric"),
])
def test_invalid_date_ranges_and_metrics_are_refused(
        emulators: Emulators, uid: str, data: dict[str, str], field: str) -> None:
    result = emulators.call("get_analytics", data, uid=uid)
    assert result.status == "INVALID_ARGUMENT"
    assert result.field_errors == [field]


def test_get_analytics_needs_a_signed_in_user(emulators: Emulators) -> None:
    assert emulators.call("get_analytics", {}).status == "UNAUTHENTICATED"


def _daily_docs(db: Any, key: str) -> dict[str, dict[str, Any]]:
    docs = {s.reference.path: s.to_dict() or {}
            for s in db.collection_group("daily").where(filter=FieldFilter("date", "==", key)).stream()}
    day = db.collection("stats").document("daily").collection("days").document(key).get()
    docs[day.reference.path] = day.to_dict() or {}
    return docs


def test_the_daily_job_computes_a_day_and_a_rerun_changes_nothing(emulators: Emulators, db: Any, uid: str) -> None:
    o = seed_week(db, uid)
    stale = db.collection("analytics").document(f"{uid}Z").collection("daily").document("2026-03-03")
    stale.set({"date": "2026-03-03", "swipes_given": 99})  # a leftover the day's data does not back
    views = db.collection("analytics").document(uid).collection("daily").document("2026-03-03")
    views.set({"date": "2026-03-03", "profile_views": 5})  # recorded by something else: kept

    response = emulators.run_scheduled("daily_engagement", datetime(2026, 3, 4, 1, 15, tzinfo=UTC))
    assert response.status_code == 200, response.text

    day = db.collection("stats").document("daily").collection("days").document("2026-03-03").get().to_dict()
    # Tuesday: u→C left, C→u right; B's message; u's post "one" (python)
    assert {k: day[k] for k in ("active_users", "swipes", "right_swipes", "matches", "messages", "posts")} == {
        "active_users": 3, "swipes": 2, "right_swipes": 1, "matches": 0, "messages": 1, "posts": 1}
    assert day["top_skills"] == [{"skill": "Python", "count": 1}]
    mine = db.collection("analytics").document(uid).collection("daily").document("2026-03-03").get().to_dict()
    assert mine == {"date": "2026-03-03", "profile_views": 5, "swipes_given": 1, "swipes_received": 1,
                    "right_swipes_received": 1, "matches": 0, "messages_sent": 0, "events_attended": 0,
                    "posts_created": 1, "active": 1}
    b = db.collection("analytics").document(o["B"]).collection("daily").document("2026-03-03").get().to_dict()
    assert b["messages_sent"] == 1
    assert stale.get().to_dict()["swipes_given"] == 0
    assert views.get().to_dict()["profile_views"] == 5
    week = emulators.call("get_analytics", {"metric": "profile_views", **WEEK}, uid=uid)
    assert week.result["metrics"]["profile_views"] == 5

    first = _daily_docs(db, "2026-03-03")
    assert emulators.run_scheduled("daily_engagement", datetime(2026, 3, 4, 1, 15, tzinfo=UTC)).status_code == 200
    assert _daily_docs(db, "2026-03-03") == first


def test_all_time_swipe_and_match_totals_come_from_the_sharded_counters(
        emulators: Emulators, db: Any, uid: str) -> None:
    shards = db.collection("counters").document(uid).collection("shards")
    shards.document("0").set({"swipes_given": 4, "swipes_received": 2, "matches": 1})
    shards.document("3").set({"swipes_given": 1, "matches": 1})

    metrics = emulators.call("get_analytics", {}, uid=uid).result["metrics"]

    assert (metrics["swipes_given"], metrics["swipes_received"], metrics["total_matches"]) == (5, 2, 2)
