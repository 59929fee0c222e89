"""``unmatch``, ``block_user`` and ``report_user``."""

from __future__ import annotations

import uuid
from typing import Any

from support.emulators import Emulators


def _user(db: Any) -> str:
    uid = f"bu{uuid.uuid4().hex[:12]}"
    db.collection("profiles").document(uid).set({"display_name": uid})
    return uid


def _match(emulators: Emulators, db: Any) -> tuple[str, str, str]:
    a, b = _user(db), _user(db)
    emulators.call("record_swipe", {"target_id": b, "direction": "right"}, uid=a)
    result = emulators.call("record_swipe", {"target_id": a, "direction": "right"}, uid=b)
    assert result.result["matched"] is True
    return a, b, result.result["match_id"]


def test_unmatch_sets_the_match_inactive_for_both_and_a_new_swipe_does_not_revive_it(
    emulators: Emulators, db: Any
) -> None:
    a, b, match_id = _match(emulators, db)
    assert emulators.call("unmatch", {"match_id": match_id}, uid=b).result == {"ok": True}
    match = db.collection("matches").document(match_id).get().to_dict()
    assert match["status"] == "inactive" and match["ended_by"] == b and match["participants"] == sorted([a, b])
    assert emulators.call("unmatch", {"match_id": match_id}, uid=a).result == {"ok": True}  # idempotent
    again = emulators.call("record_swipe", {"target_id": b, "direction": "super"}, uid=a)
    assert again.result["matched"] is False
    assert db.collection("matches").document(match_id).get().get("status") == "inactive"


def test_only_a_participant_can_unmatch_and_an_unknown_match_is_not_found(emulators: Emulators, db: Any) -> None:
    _, _, match_id = _match(emulators, db)
    assert emulators.call("unmatch", {"match_id": match_id}, uid=_user(db)).status == "NOT_FOUND"
    assert emulators.call("unmatch", {"match_id": "nobody_here"}, uid=_user(db)).status == "NOT_FOUND"
    assert emulators.call("unmatch", {"match_id": "a/../b"}, uid=_user(db)).field_errors == ["match_id"]
    assert db.collection("matches").document(match_id).get().get("status") == "active"


def test_blocking_ends_the_match_removes_swipes_and_recommendations_and_refuses_swipes(
    emulators: Emulators, db: Any
) -> None:
    a, b, match_id = _match(emulators, db)
    project = f"p{uuid.uuid4().hex[:8]}"
    db.collection("projects").document(project).set({"owner_id": a, "title": "P"})
    assert emulators.call("record_swipe", {"target_id": project, "direction": "right", "target_type": "project"},
                          uid=b).status == "OK"
    for owner, other in ((a, b), (b, a)):
        db.collection("recommendations").document(owner).set(
            {"items": [{"id": other, "score": 0.9, "reasons": []}, {"id": "keep", "score": 0.5, "reasons": []}],
             "candidate_ids": [other, "keep"]})

    assert emulators.call("block_user", {"target_id": b}, uid=a).result == {"ok": True}

    block = db.collection("blocks").document(f"{a}_{b}").get().to_dict()
    assert block["blocker_id"] == a and block["blocked_id"] == b and block["created_at"] is not None
    assert db.collection("matches").document(match_id).get().get("status") == "inactive"
    assert [s.id for s in db.collection("swipes").stream()] == []
    for owner in (a, b):
        recs = db.collection("recommendations").document(owner).get().to_dict()
        assert [i["id"] for i in recs["items"]] == ["keep"] and recs["candidate_ids"] == ["keep"]
    assert emulators.call("record_swipe", {"target_id": a, "direction": "right"}, uid=b).status == "FAILED_PRECONDITION"
    assert emulators.call("record_swipe", {"target_id": b, "direction": "right"}, uid=a).status == "FAILED_PRECONDITION"
    from gitalong.safety.blocks import blocked_ids

    assert blocked_ids(a) == {b} and blocked_ids(b) == {a}
    assert emulators.call("block_user", {"target_id": a}, uid=a).status == "INVALID_ARGUMENT"


def test_a_report_is_stored_with_reporter_target_reason_and_time(emulators: Emulators, db: Any) -> None:
    me, them = _user(db), _user(db)
    result = emulators.call("report_user", {"target_id": them, "reason": "  spam links  "}, uid=me)
    report = db.collection("reports").document(result.result["report_id"]).get().to_dict()
    assert (report["reporter_id"], report["target_id"], report["reason"]) == (me, them, "spam links")
    assert report["created_at"] is not None
    too_long = emulators.call("report_user", {"target_id": them, "reason": "x" * 501}, uid=me)
    assert too_long.field_errors == ["reason"]
    assert emulators.call("report_user", {"target_id": "ghost", "reason": "?"}, uid=me).status == "NOT_FOUND"
    assert emulators.call("report_user", {"target_id": me, "reason": "?"}, uid=me).status == "INVALID_ARGUMENT"
