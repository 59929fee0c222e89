"""Account deletion: ``delete_account`` and deleting ``users/{uid}`` remove everything of the user."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from functools import partial
from typing import Any

import pytest
import requests

from support.emulators import Emulators, wait_for


def _new_id() -> str:
    return f"u{uuid.uuid4().hex[:20]}"


def seed(db: Any, uid: str, other: str, third: str, swipes: int = 0) -> None:
    """Documents of ``uid`` in every collection the cascade covers, plus some that must survive."""
    col = db.collection
    # an invalid role: the sync only sets sync_error, so no profile-updated races the deletion
    col("users").document(uid).set({"display_name": "Gone Soon", "skills": ["python"], "role": "none"})
    col("profiles").document(uid).set({"display_name": "Gone Soon"})
    col("swipes").document(f"{uid}_{other}").set({"swiper_id": uid, "target_id": other, "direction": "right"})
    col("swipes").document(f"{other}_{uid}").set({"swiper_id": other, "target_id": uid, "direction": "right"})
    col("swipes").document(f"{other}_{third}").set({"swiper_id": other, "target_id": third, "direction": "left"})
    batch = db.batch()
    for i in range(swipes):  # more than one batch of 500
        target = f"t{i:04d}"
        batch.set(col("swipes").document(f"{uid}_{target}"), {"swiper_id": uid, "target_id": target})
        if i % 400 == 399:
            batch.commit()
            batch = db.batch()
    batch.commit()
    match_id = "_".join(sorted([uid, other]))
    col("matches").document(match_id).set({"participants": sorted([uid, other]), "status": "active"})
    for i in range(3):
        col("matches").document(match_id).collection("messages").document(f"m{i}").set(
            {"sender_id": uid if i % 2 else other, "text": f"hi {i}"})
    survivor = "_".join(sorted([other, third]))
    col("matches").document(survivor).set({"participants": sorted([other, third]), "status": "active"})
    col("recommendations").document(uid).set(
        {"items": [{"id": other, "score": 0.9, "reasons": []}], "candidate_ids": [other]})
    col("recommendations").document(other).set(
        {"items": [{"id": uid, "score": 0.8, "reasons": ["x"]}, {"id": third, "score": 0.5, "reasons": []}],
         "candidate_ids": [uid, third]})
    col("notifications").document(uid).collection("items").document("n1").set({"type": "match", "read": False})
    col("counters").document(uid).collection("shards").document("0").set({"swipes_given": 3})
    col("blocks").document(f"{uid}_{third}").set({"blocker_id": uid, "blocked_id": third})
    col("reports").document(f"r-{uid}").set({"reporter_id": uid, "target_id": third, "reason": "spam"})
    col("reports").document(f"r-about-{third}").set({"reporter_id": third, "target_id": uid, "reason": "rude"})
    own_event = col("events").document(f"ev{uuid.uuid4().hex[:12]}")
    own_event.set({"title": "My study group", "category": "Study", "created_by": uid})
    own_event.collection("attendees").document(other).set({"created_at": datetime.now(UTC)})
    # swipe state, attendance and a showcase post: their triggers must not re-create anything of the user
    col("swipe_requests").document(f"{uid}_k1").set({"uid": uid, "swipe_id": "k1", "target_id": other})
    col("project_interest").document(f"{uid}_{other}").set(
        {"swiper_id": uid, "owner_id": other, "project_ids": []})  # a right swipe since taken back
    col("notifications").document(other).collection("items").document(f"interest_{uid}_p1").set(
        {"type": "project_interest", "read": False, "data": {"project_id": "p1", "user_id": uid}})
    col("notifications").document(other).collection("items").document(f"interest_{third}_p1").set(
        {"type": "project_interest", "read": False, "data": {"project_id": "p1", "user_id": third}})
    col("project_interest").document(f"{third}_{uid}").set({"swiper_id": third, "owner_id": uid})
    col("rate_limits").document(f"{uid}_swipe").set({"buckets": {"minute": {"tokens": 99}}})
    col("media_quota").document(uid).set({"uid": uid})
    event = col("events").document(f"ev{uuid.uuid4().hex[:12]}")
    event.set({"title": "Flutter meetup", "category": "Mobile", "created_by": other})
    event.collection("attendees").document(uid).set({"created_at": datetime.now(UTC)})
    col("showcase_posts").document(f"post{uuid.uuid4().hex[:12]}").set(
        {"user_id": uid, "content": "My first app", "skills": ["flutter"], "media_ids": []})
    wait_for(lambda: col("analytics").document(uid).collection("attended").document(event.id).get().exists,
             timeout=90, what="the attendance list of the user")
    wait_for(lambda: (col("analytics").document(uid).get().to_dict() or {}).get("posts_created") == 1,
             timeout=90, what="the post counted for the user")
    # other areas' triggers derive connection records and notifications from the messages: let them settle
    for participant in (uid, other):
        connection = col("analytics").document(participant).collection("connections").document(match_id)
        wait_for(partial(_exists, connection), timeout=90, what="analytics connection records")
    for recipient, message in ((other, "m1"), (uid, "m0"), (uid, "m2")):
        item = col("notifications").document(recipient).collection("items").document(f"msg_{match_id}_{message}")
        wait_for(partial(_exists, item), timeout=90, what="message notifications")
    wait_for(lambda: (col("users").document(uid).get().to_dict() or {}).get("sync_error"), what="user sync")


def _exists(ref: Any) -> bool:
    return bool(ref.get().exists)


def references_to(db: Any, uid: str) -> list[str]:
    """Every document, in every collection and subcollection, whose id or any field names ``uid``."""
    found: list[str] = []

    def mentions(value: Any) -> bool:
        if isinstance(value, str):
            return uid in value
        if isinstance(value, dict):
            return any(mentions(v) for v in value.values())
        if isinstance(value, list):
            return any(mentions(v) for v in value)
        return False

    def walk(collection: Any) -> None:
        for ref in collection.list_documents():
            snap = ref.get()
            if uid in ref.id or (snap.exists and mentions(snap.to_dict())):
                found.append(ref.path)
            for sub in ref.collections():
                walk(sub)

    for collection in db.collections():
        if collection.id != "processed_events":
            walk(collection)
    return found


def _create_auth_user(emulators: Emulators, uid: str) -> None:
    url = f"http://{emulators.endpoints.auth}/identitytoolkit.googleapis.com/v1/projects/demo-gitalong/accounts"
    response = requests.post(url, json={"localId": uid, "email": f"{uid}@example.test", "password": "secret12"},
                             headers={"Authorization": "Bearer owner"}, timeout=30)
    assert response.status_code == 200, response.text


def _auth_user_exists(emulators: Emulators, uid: str) -> bool:
    url = f"http://{emulators.endpoints.auth}/identitytoolkit.googleapis.com/v1/projects/demo-gitalong/accounts:lookup"
    response = requests.post(url, json={"localId": [uid]}, headers={"Authorization": "Bearer owner"}, timeout=30)
    return bool(response.json().get("users"))


def test_delete_account_removes_every_document_of_the_user_and_the_auth_user(
    db: Any, emulators: Emulators, uid: str
) -> None:
    other, third = _new_id(), _new_id()
    _create_auth_user(emulators, uid)
    seed(db, uid, other, third)
    assert len(references_to(db, uid)) >= 10
    result = emulators.call("delete_account", {"confirm": True}, uid=uid)
    assert result.status == "OK" and result.result == {"ok": True}, result.error
    assert references_to(db, uid) == []
    assert not _auth_user_exists(emulators, uid)
    # what belongs to others survives, minus the deleted user
    recs = db.collection("recommendations").document(other).get().to_dict()
    assert recs["candidate_ids"] == [third] and [i["id"] for i in recs["items"]] == [third]
    assert db.collection("swipes").document(f"{other}_{third}").get().exists
    assert db.collection("matches").document("_".join(sorted([other, third]))).get().exists
    other_inbox = db.collection("notifications").document(other).collection("items")
    assert other_inbox.document(f"interest_{third}_p1").get().exists


@pytest.mark.parametrize("data", [None, {}, {"confirm": False}, {"confirm": "yes"}])
def test_delete_account_without_an_explicit_confirm_is_refused_and_deletes_nothing(
    db: Any, emulators: Emulators, uid: str, data: Any
) -> None:
    db.collection("profiles").document(uid).set({"display_name": "Still here"})
    result = emulators.call("delete_account", data, uid=uid)
    assert result.status == "INVALID_ARGUMENT"
    assert db.collection("profiles").document(uid).get().exists


def test_delete_account_needs_a_signed_in_user(emulators: Emulators) -> None:
    assert emulators.call("delete_account", {"confirm": True}).status == "UNAUTHENTICATED"


def test_deleting_the_user_document_runs_the_same_cascade(db: Any, uid: str) -> None:
    other, third = _new_id(), _new_id()
    seed(db, uid, other, third)
    db.collection("users").document(uid).delete()
    try:
        wait_for(lambda: references_to(db, uid) == [], timeout=120, what="cascade after users/{uid} was deleted")
    except AssertionError:
        left = {path: db.document(path).get().to_dict() for path in references_to(db, uid)}
        raise AssertionError(f"left after the cascade: {left}") from None


def test_the_cascade_batches_large_sets_and_is_safe_to_run_again(db: Any, uid: str, monkeypatch: Any) -> None:
    from gitalong.account import deletion as account_deletion

    other, third = _new_id(), _new_id()
    seed(db, uid, other, third, swipes=620)
    first = account_deletion.delete_user_data(uid)
    assert first["swipes_given"] >= 621
    again = account_deletion.delete_user_data(uid)  # a re-run (e.g. after a partial failure) is a no-op
    assert sum(again.values()) == 0
    assert references_to(db, uid) == []


def test_removing_the_user_from_many_recommendation_lists_is_not_capped_by_the_retry_budget(
    db: Any, uid: str, monkeypatch: Any
) -> None:
    from gitalong.account import deletion as account_deletion

    monkeypatch.setattr(account_deletion, "BATCH", 2)  # 11 lists: more than 5 attempts x 2 per batch
    owners = [_new_id() for _ in range(11)]
    batch = db.batch()
    for owner in owners:
        batch.set(db.collection("recommendations").document(owner),
                  {"items": [{"id": uid, "score": 0.5, "reasons": []}], "candidate_ids": [uid]})
    batch.commit()
    assert account_deletion._remove_from_recommendations(db, uid) == 11
    assert all(db.collection("recommendations").document(o).get().get("candidate_ids") == [] for o in owners)


def test_a_cascade_interrupted_half_way_is_finished_by_running_it_again(db: Any, uid: str, monkeypatch: Any) -> None:
    from gitalong.account import deletion as account_deletion
    from gitalong.contract.callables import RecordSwipeRequest
    from gitalong.core.errors import NotFound
    from gitalong.swipes import record as swipes

    other, third = _new_id(), _new_id()
    seed(db, uid, other, third)

    def fail(*args: Any, **kwargs: Any) -> int:
        raise RuntimeError("simulated crash while cleaning recommendations")

    with monkeypatch.context() as patch:
        patch.setattr(account_deletion, "_remove_from_recommendations", fail)
        with pytest.raises(RuntimeError):
            account_deletion.delete_user_data(uid)
    assert db.collection("users").document(uid).get().exists  # the marker survives a crash
    assert db.collection("profiles").document(uid).get().get("deleted") is True  # hidden from the start
    with pytest.raises(NotFound):  # so no new swipe (or match) can land behind the cascade
        swipes.record_swipe(other, RecordSwipeRequest.model_validate({"target_id": uid, "direction": "right"}))
    account_deletion.delete_user_data(uid)
    assert references_to(db, uid) == []


def test_media_records_go_through_the_media_service(db: Any, uid: str, monkeypatch: Any) -> None:
    from gitalong.account import deletion as account_deletion

    try:
        from fakes import cloudinary_server
    except ImportError:
        pytest.skip("no fake Cloudinary in this checkout")
    cloudinary_server.ensure_running()
    for key, value in cloudinary_server.emulator_env().items():
        monkeypatch.setenv(key, value)
    db.collection("media").document("m1").set(
        {"owner_id": uid, "public_id": f"gitalong/{uid}/avatar/m1", "resource_type": "image", "kind": "showcase",
         "status": "ready"})
    account_deletion.delete_user_data(uid)
    assert not db.collection("media").document("m1").get().exists
