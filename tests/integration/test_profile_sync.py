"""``users/{uid}`` → ``profiles/{uid}`` through the real trigger, Pub/Sub and Firestore emulators."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Any

import pytest
from google.cloud.firestore_v1.vector import Vector

from support.emulators import Emulators, TopicTap, wait_for

ADA = {
    "display_name": "Ada",
    "email": "ada@example.test",
    "bio": "Compilers and mobile apps.",
    "city": "Lagos",
    "role": "mentor",
    "skills": ["js", "JavaScript", "ML", " flutter ", "Quantum Knitting"],
    "tech_stack": ["node js", "golang"],
    "skills_to_offer": "I can teach Flutter and Dart",
    "services_needed": "Looking for help with PyTorch",
    "fcm_tokens": ["token-1"],
    "student_id": "S-123",
}


@pytest.fixture
def updates() -> Iterator[TopicTap]:
    tap = TopicTap("profile-updated")
    yield tap
    tap.close()


def _card(db: Any, uid: str) -> dict[str, Any] | None:
    snap = db.collection("profiles").document(uid).get()
    return snap.to_dict() if snap.exists else None


def _for(uid: str, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [m for m in messages if m.get("uid") == uid]


def test_a_new_profile_gets_a_normalized_public_card_with_vectors_and_one_update_message(
    db: Any, uid: str, updates: TopicTap
) -> None:
    db.collection("users").document(uid).set(ADA)
    card = wait_for(lambda: _card(db, uid), what="profiles card")
    assert card["skills"] == ["JavaScript", "Machine Learning", "Flutter", "Quantum Knitting"]
    assert card["tech_stack"] == ["Node.js", "Go"]
    assert card["display_name"] == "Ada" and card["role"] == "mentor" and card["city"] == "Lagos"
    for private in ("email", "fcm_tokens", "student_id"):
        assert private not in card
    for name in ("offer_vec", "need_vec", "skills_vec"):
        assert isinstance(card[name], Vector) and len(card[name].to_map_value()["value"]) == 384
    assert card["created_at"] and card["updated_at"] and card["source_update_time"]
    assert card["deleted"] is False
    assert len(_for(uid, wait_for(lambda: _for(uid, updates.pull()), what="profile-updated"))) == 1


def test_a_change_to_fcm_tokens_only_neither_rewrites_the_card_nor_publishes(
    db: Any, uid: str, updates: TopicTap
) -> None:
    ref = db.collection("users").document(uid)
    ref.set(ADA)
    wait_for(lambda: _card(db, uid), what="card")
    first = db.collection("profiles").document(uid).get().update_time
    ref.update({"fcm_tokens": ["token-2", "token-3"]})
    ref.update({"bio": "Now with a new bio."})  # a barrier: this one must arrive
    wait_for(lambda: (_card(db, uid) or {}).get("bio") == "Now with a new bio.", what="bio synced")
    # create + bio: two messages, none for the token change (given 2 s to show up)
    assert len(_for(uid, updates.pull(timeout=2.0))) == 2
    assert db.collection("profiles").document(uid).get().update_time > first


def test_unchanged_content_written_again_does_not_touch_the_card(db: Any, uid: str, updates: TopicTap) -> None:
    ref = db.collection("users").document(uid)
    ref.set(ADA)
    wait_for(lambda: _card(db, uid), what="card")
    before = db.collection("profiles").document(uid).get().update_time
    ref.set({**ADA, "skills": ["JavaScript", "machine learning", "Flutter", "quantum  knitting"],
             "fcm_tokens": ["x"]})  # different spelling, same normalized card
    ref.update({"city": "Abuja"})
    wait_for(lambda: (_card(db, uid) or {}).get("city") == "Abuja", what="city synced")
    assert len(_for(uid, updates.pull(timeout=2.0))) == 2
    assert db.collection("profiles").document(uid).get().update_time > before


MALFORMED: list[tuple[str, dict[str, Any], str]] = [
    ("display name is a number", {"display_name": 42}, "display_name"),
    ("display name is blank", {"display_name": "   "}, "display_name"),
    ("display name too long", {"display_name": "n" * 101}, "display_name"),
    ("bio over 1000 characters", {"bio": "b" * 1001}, "bio"),
    ("bio of 1001 emoji", {"bio": "🚀" * 1001}, "bio"),
    ("bio is a list", {"bio": ["not", "text"]}, "bio"),
    ("bio with a control character", {"bio": "hello\x00world"}, "bio"),
    ("city is null-ish map", {"city": {"name": "Lagos"}}, "city"),
    ("unknown role", {"role": "boss"}, "role"),
    ("role in other case", {"role": "Mentor"}, "role"),
    ("skills is a string", {"skills": "python, js"}, "skills"),
    ("51 skills", {"skills": [f"skill {i}" for i in range(51)]}, "skills"),
    ("a skill over 50 characters", {"skills": ["python", "s" * 51]}, "skills"),
    ("an empty skill", {"skills": ["python", ""]}, "skills"),
    ("a blank skill", {"skills": ["python", " \u200b "]}, "skills"),
    ("a skill is a number", {"skills": ["python", 7]}, "skills"),
    ("tech stack of 10000 items", {"tech_stack": ["x"] * 10_000}, "tech_stack"),
    ("skills to offer is a number", {"skills_to_offer": 3.5}, "skills_to_offer"),
    ("services needed too long", {"services_needed": "n" * 2001}, "services_needed"),
    ("github username with spaces", {"github_username": "not a login"}, "github_username"),
    ("department is a list", {"department": ["CS"]}, "department"),
    ("student id is a number", {"student_id": 20261234}, "student_id"),
    ("fcm tokens is a string", {"fcm_tokens": "phone-token"}, "fcm_tokens"),
]


def test_each_of_23_malformed_profiles_gets_a_clear_sync_error_and_keeps_its_last_good_card(db: Any) -> None:
    import uuid

    users = {f"m{uuid.uuid4().hex[:16]}": case for case in MALFORMED}
    for user_id in users:
        db.collection("users").document(user_id).set(ADA)
    good = {u: wait_for(partial(_card, db, u), what=f"card of {u}") for u in users}
    for user_id, (_, change, _) in users.items():
        db.collection("users").document(user_id).update(change)

    def errors() -> dict[str, Any] | None:
        found = {u: (db.collection("users").document(u).get().to_dict() or {}).get("sync_error") for u in users}
        return found if all(found.values()) else None

    try:
        found = wait_for(errors, timeout=60, what=f"sync_error on all {len(users)} users")
    except AssertionError:
        missing = [name for u, (name, _, _) in users.items()
                   if not (db.collection("users").document(u).get().to_dict() or {}).get("sync_error")]
        raise AssertionError(f"no sync_error after 60 s for: {missing}") from None
    wrong = []
    for user_id, (name, _, field) in users.items():
        error = found[user_id]
        if error["fields"] != [field] or field not in error["message"]:
            wrong.append(f"{name}: {error}")
        card = _card(db, user_id) or {}
        if card.get("source_hash") != good[user_id]["source_hash"] or card.get("bio") != ADA["bio"]:
            wrong.append(f"{name}: card changed to {card.get('bio')!r}")
    assert not wrong, "\n".join(wrong)


def test_fixing_an_invalid_profile_clears_sync_error_and_publishes_the_fix(db: Any, uid: str) -> None:
    ref = db.collection("users").document(uid)
    ref.set({**ADA, "role": "wizard"})
    wait_for(lambda: (ref.get().to_dict() or {}).get("sync_error"), what="sync_error")
    assert _card(db, uid) is None
    ref.update({"role": "student"})
    wait_for(lambda: (_card(db, uid) or {}).get("role") == "student", what="card after the fix")
    wait_for(lambda: "sync_error" not in (ref.get().to_dict() or {}), what="sync_error cleared")


def test_the_same_event_delivered_twice_applies_and_publishes_once(db: Any, uid: str) -> None:
    from gitalong.profiles import sync as profile_sync

    db.collection("users").document(uid).set(ADA)
    wait_for(lambda: _card(db, uid), what="card")
    db.collection("profiles").document(uid).delete()  # the effect of event E is not applied yet
    published: list[tuple[str, dict[str, Any]]] = []

    def publisher(topic: str, message: dict[str, Any]) -> None:
        published.append((topic, message))

    first = profile_sync.process(uid, "event-E", publisher)
    card = _card(db, uid)
    second = profile_sync.process(uid, "event-E", publisher)
    assert (first.status, second.status) == ("synced", "duplicate")
    assert _card(db, uid) == card
    assert published == [("profile-updated", {"uid": uid})]
    ledger = db.collection("processed_events").document("profile-sync:event-E").get().to_dict()
    assert ledger["kind"] == "profile-sync" and ledger["expires_at"] > ledger["processed_at"]


def _deliver(emulators: Emulators, uid: str, event_id: str, after: dict[str, str]) -> None:
    """POST a Firestore ``written`` CloudEvent to the trigger, as the Firestore emulator does (waits for it)."""
    import base64
    from datetime import UTC, datetime

    import requests
    from google.events.cloud.firestore_v1.types import Document, DocumentEventData, Value
    from google.protobuf import timestamp_pb2

    now = timestamp_pb2.Timestamp()
    now.GetCurrentTime()
    name = f"projects/demo-gitalong/databases/(default)/documents/users/{uid}"
    fields = {k: Value(string_value=v) for k, v in after.items()}
    body = DocumentEventData.serialize(
        DocumentEventData(value=Document(name=name, fields=fields, create_time=now, update_time=now)))
    headers = {
        "ce-specversion": "1.0", "ce-id": event_id, "ce-type": "google.cloud.firestore.document.v1.written",
        "ce-source": "//firestore.googleapis.com/projects/demo-gitalong/databases/(default)",
        "ce-subject": f"documents/users/{uid}", "ce-time": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "ce-location": "us-central1", "ce-project": "demo-gitalong", "ce-namespace": "(default)",
        "ce-document": f"users/{uid}", "ce-database": "(default)", "Content-Type": "application/protobuf",
    }
    url = f"http://{emulators.endpoints.functions}/functions/projects/demo-gitalong/triggers/us-central1-sync_profile-0"
    # the Firestore emulator sends protobuf payloads base64-encoded; the functions emulator decodes them
    response = requests.post(url, data=base64.b64encode(body), headers=headers, timeout=120)
    assert response.status_code == 200, response.text[:500]


def test_the_same_event_redelivered_to_the_real_trigger_is_applied_and_published_once(
    db: Any, uid: str, emulators: Emulators, updates: TopicTap
) -> None:
    db.collection("users").document(uid).set(ADA)
    wait_for(lambda: _card(db, uid), what="card")
    wait_for(lambda: _for(uid, updates.pull()), what="profile-updated of the create")
    db.collection("profiles").document(uid).delete()  # as if event E's effect never happened
    event_id = f"redelivered-{uid}"
    _deliver(emulators, uid, event_id, {"display_name": "Ada"})
    card = _card(db, uid)
    _deliver(emulators, uid, event_id, {"display_name": "Ada"})
    assert card is not None and _card(db, uid) == card
    assert db.collection("processed_events").document(f"profile-sync:{event_id}").get().exists
    assert len(_for(uid, updates.pull(timeout=2.0))) == 2  # the create, then E once


def test_an_older_update_delivered_after_a_newer_one_does_not_overwrite_it(
    db: Any, uid: str, emulators: Emulators
) -> None:
    ref = db.collection("users").document(uid)
    ref.set({**ADA, "bio": "v1"})
    wait_for(lambda: (_card(db, uid) or {}).get("bio") == "v1", what="v1")
    ref.update({"bio": "v2"})
    wait_for(lambda: (_card(db, uid) or {}).get("bio") == "v2", what="v2")
    card = _card(db, uid)
    # the v1 event reaches the trigger late (carrying the old document)
    _deliver(emulators, uid, f"late-v1-{uid}", {"display_name": "Ada", "bio": "v1"})
    assert _card(db, uid) == card


def test_two_quick_updates_end_with_the_newest_on_the_card(db: Any, uid: str) -> None:
    ref = db.collection("users").document(uid)
    ref.set({**ADA, "bio": "first"})
    ref.update({"bio": "second"})
    ref.update({"bio": "third"})
    wait_for(lambda: (_card(db, uid) or {}).get("bio") == "third", what="newest bio")
    source = ref.get().update_time
    card = _card(db, uid) or {}
    assert card["source_update_time"] <= source


def test_a_card_newer_than_the_source_read_is_never_overwritten(db: Any, uid: str) -> None:
    from datetime import UTC, datetime, timedelta

    from gitalong.profiles import sync as profile_sync

    ref = db.collection("users").document(uid)
    ref.set({**ADA, "bio": "old"})
    wait_for(lambda: (_card(db, uid) or {}).get("bio") == "old", what="card")
    future = datetime.now(UTC) + timedelta(hours=1)
    db.collection("profiles").document(uid).update({"source_update_time": future, "bio": "newer elsewhere"})
    assert profile_sync.process(uid, "evt-stale", lambda t, m: None).status == "stale"
    assert (_card(db, uid) or {})["bio"] == "newer elsewhere"


def test_a_message_on_the_retry_topic_repairs_a_lost_sync(db: Any, uid: str, emulators: Emulators) -> None:
    db.collection("users").document(uid).set(ADA)
    wait_for(lambda: _card(db, uid), what="card")
    db.collection("profiles").document(uid).delete()
    emulators.publish("profile-sync", {"uid": uid, "event_id": "lost-event"})
    card = wait_for(lambda: _card(db, uid), what="card rebuilt by retry_profile_sync")
    assert card["skills"][0] == "JavaScript"


def test_reconciliation_runs_continue_where_the_last_stopped_and_start_over_at_the_end(db: Any) -> None:
    """limit=2 and three users: the second run visits the third user, the third run starts over."""
    import uuid

    from gitalong.profiles import sync as profile_sync

    prefix = f"r{uuid.uuid4().hex[:8]}"
    uids = [f"{prefix}{i}" for i in range(3)]
    for user_id in uids:
        db.collection("users").document(user_id).set(ADA)
    for user_id in uids:
        wait_for(partial(_card, db, user_id), what=f"card of {user_id}")
    for user_id in uids:  # drift on every card: each run repairs exactly those it visits
        db.collection("profiles").document(user_id).update({"source_hash": "stale"})
    publish = lambda topic, message: None  # noqa: E731 - these tests don't look at messages
    first = profile_sync.reconcile(limit=2, publisher=publish)
    second = profile_sync.reconcile(limit=2, publisher=publish)
    assert (first.users, second.users) == (2, 1)
    assert sorted(first.repaired_ids + second.repaired_ids) == uids
    third = profile_sync.reconcile(limit=2, publisher=publish)
    assert third.users == 2 and third.repaired_ids == []  # started over; nothing left to repair


def test_the_scheduled_reconciliation_repairs_drift_and_removes_orphan_cards(
    db: Any, uid: str, emulators: Emulators
) -> None:
    import uuid

    orphan = f"o{uuid.uuid4().hex[:16]}"
    db.collection("users").document(uid).set(ADA)
    wait_for(lambda: _card(db, uid), what="card")
    db.collection("profiles").document(uid).update({"bio": "drifted", "source_hash": "stale"})
    db.collection("profiles").document(orphan).set({"display_name": "Ghost", "source_hash": "x"})
    response = emulators.run_scheduled("reconcile_profiles")
    assert response.status_code == 200, response.text
    wait_for(lambda: (_card(db, uid) or {}).get("bio") == ADA["bio"], what="drift repaired")
    wait_for(lambda: _card(db, orphan) is None, what="orphan card removed")
