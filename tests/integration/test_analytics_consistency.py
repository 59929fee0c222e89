"""The weekly consistency check repairs derived data and records a report."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from gitalong.infra import counters
from support.emulators import Emulators, wait_for


def test_the_weekly_check_repairs_what_it_finds_and_reports_it(emulators: Emulators, db: Any, uid: str) -> None:
    # GIVEN an orphan card, a recommendation of a deleted user and a wrong attendee count
    live, gone = f"{uid}live", f"{uid}gone"
    db.collection("users").document(live).set({"display_name": "Live"})
    wait_for(lambda: db.collection("profiles").document(live).get().exists, what="live card")
    db.collection("profiles").document(gone).set({"display_name": "Gone"})  # no users/{gone}
    owner = f"{uid}owner"  # no profile: the matching area's refresh leaves this list alone
    db.collection("recommendations").document(owner).set({
        "items": [{"id": gone, "score": 0.9, "reasons": []}, {"id": live, "score": 0.5, "reasons": []}],
        "candidate_ids": [gone, live]})
    event = db.collection("events").document(f"{uid}ev")
    event.set({"title": "Meetup", "start": datetime(2026, 3, 1, tzinfo=UTC)})
    event.collection("attendees").document(live).set({"created_at": datetime(2026, 3, 1, tzinfo=UTC)})
    wait_for(lambda: (event.get().to_dict() or {}).get("attendee_count") == 1, what="attendance counted")
    event.update({"attendee_count": 7})
    # ... and a swipe counter that disagrees with the swipes: 2 documents, counted 5
    for target in (f"{uid}t1", f"{uid}t2"):
        db.collection("swipes").document(f"{live}_{target}").set(
            {"swiper_id": live, "target_id": target, "direction": "right"})
    db.collection("counters").document(live).collection("shards").document("3").set({"swipes_given": 5})

    # WHEN
    when = datetime(2026, 3, 9, 3, 30, tzinfo=UTC)
    assert emulators.run_scheduled("weekly_consistency", when).status_code == 200

    # THEN the damage is repaired ...
    assert not db.collection("profiles").document(gone).get().exists
    rec = db.collection("recommendations").document(owner).get().to_dict()
    assert [i["id"] for i in rec["items"]] == [live] and rec["candidate_ids"] == [live]
    assert (event.get().to_dict() or {})["attendee_count"] == 1
    assert counters.read(live)["swipes_given"] == 2
    # ... and reported. The emulator may add a header-less run (schedule time = now) next to
    # ours, which may find (and harmlessly re-fix) the same damage: add up every run's report.
    runs = db.collection("stats").document("consistency").collection("runs")
    assert runs.document("20260309T033000Z").get().to_dict()["status"] == "done"
    reports = wait_for(lambda: [r.to_dict() for r in runs.stream()] if all(
        r.to_dict().get("status") == "done" for r in runs.stream()) else None, what="every run done")

    def total(check: str, what: str) -> int:
        return sum(r["checks"][check][what] for r in reports)

    assert total("profiles_without_users", "found") >= 1
    assert total("profiles_without_users", "fixed") == total("profiles_without_users", "found")
    assert total("recommendations_to_deleted_users", "fixed") >= 1
    assert total("attendee_counts", "fixed") >= 1
    assert total("counters_vs_documents", "found") >= 1
    assert total("counters_vs_documents", "fixed") == total("counters_vs_documents", "found")
    assert total("users_without_profiles", "found") == 0
    assert all("error" not in r["checks"][name] for r in reports for name in r["checks"])


def test_the_weekly_check_rebuilds_a_card_that_went_missing(db: Any, uid: str) -> None:
    from gitalong.maintenance import consistency

    # GIVEN a user whose card was lost after the trigger built it
    lost = f"{uid}lost"
    db.collection("users").document(lost).set({"display_name": "Lost", "skills_to_offer": "I teach Flutter"})
    wait_for(lambda: db.collection("profiles").document(lost).get().exists, what="card built")
    db.collection("profiles").document(lost).delete()

    # WHEN the check for users without cards runs
    check = consistency.users_without_profiles()

    # THEN the card is rebuilt from the user document, with its vectors, and the repair is reported
    card = db.collection("profiles").document(lost).get().to_dict()
    assert card is not None and card["display_name"] == "Lost" and card["skills_to_offer"] == "I teach Flutter"
    assert "offer_vec" in card and card["source_hash"]
    assert lost in check["examples"] or check["found"] > len(check["examples"])
    assert check["fixed"] >= 1
