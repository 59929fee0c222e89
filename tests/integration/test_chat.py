"""The chat trigger: last message on the match, a notification (and push) for the other side."""

from __future__ import annotations

import uuid
from typing import Any

from google.cloud.firestore import SERVER_TIMESTAMP
from google.cloud.firestore_v1.base_query import FieldFilter

from support.emulators import Emulators, wait_for


def _matched_pair(db: Any, status: str = "active") -> tuple[str, str, str]:
    a, b = sorted((f"ca{uuid.uuid4().hex[:10]}", f"cb{uuid.uuid4().hex[:10]}"))
    for uid, name in ((a, "Ada"), (b, "Bob")):
        db.collection("profiles").document(uid).set({"display_name": name})
    db.collection("matches").document(f"{a}_{b}").set(
        {"participants": [a, b], "status": status, "created_at": SERVER_TIMESTAMP,
         "last_message_at": None, "last_message_preview": None}
    )
    return a, b, f"{a}_{b}"


def _send(db: Any, match_id: str, sender: str, text: str) -> str:
    message_id = uuid.uuid4().hex
    db.collection("matches").document(match_id).collection("messages").document(message_id).set(
        {"sender_id": sender, "text": text, "created_at": SERVER_TIMESTAMP}
    )
    return message_id


def _notes(db: Any, uid: str) -> list[dict[str, Any]]:
    return [d.to_dict() for d in db.collection("notifications").document(uid).collection("items").stream()]


def test_a_message_updates_the_match_and_notifies_and_pushes_to_the_other_participant(
    emulators: Emulators, db: Any
) -> None:
    a, b, match_id = _matched_pair(db)
    db.collection("users").document(b).set({"display_name": "Bob", "fcm_tokens": ["phone-b"]})
    text = "Hi Bob! " + "x" * 300
    message_id = _send(db, match_id, a, text)

    match = wait_for(lambda: (m := db.collection("matches").document(match_id).get().to_dict())
                     and m.get("last_message_preview") and m, timeout=90, what="last message on the match")
    assert match["last_message_preview"].startswith("Hi Bob! xxx") and len(match["last_message_preview"]) == 100
    assert match["last_message_at"] is not None
    notes = wait_for(lambda: _notes(db, b), what="notification for the other side")
    assert [(n["type"], n["title"], n["data"]["message_id"], n["read"]) for n in notes] == [
        ("message", "Ada", message_id, False)]
    assert _notes(db, a) == []
    outbox = db.collection("_fcm_outbox").where(filter=FieldFilter("uid", "==", b))
    pushes = wait_for(lambda: [d.to_dict() for d in outbox.stream()], what="recorded push")
    assert pushes[0]["tokens"] == ["phone-b"] and pushes[0]["data"]["match_id"] == match_id


def test_a_conversation_starts_when_both_sides_have_written(emulators: Emulators, db: Any) -> None:
    from gitalong.infra import counters

    a, b, match_id = _matched_pair(db)
    _send(db, match_id, a, "one")
    _send(db, match_id, a, "two")
    wait_for(lambda: len(_notes(db, b)) == 2, timeout=90, what="two notifications for b")
    assert counters.read(a)["conversations_started"] == 0
    _send(db, match_id, b, "three")
    wait_for(lambda: counters.read(a)["conversations_started"] == 1, what="conversation counted")
    assert counters.read(b)["conversations_started"] == 1


def test_messages_from_strangers_or_on_ended_matches_change_nothing(emulators: Emulators, db: Any) -> None:
    from gitalong.swipes import matches

    a, b, match_id = _matched_pair(db)
    _, d, ended = _matched_pair(db, status="inactive")
    stranger = {"sender_id": "intruder", "text": "spam", "created_at": None}
    assert matches.on_message_created(match_id, "m1", "e1", stranger) == "ignored: sender is not a participant"
    late = {"sender_id": d, "text": "anyone there?", "created_at": None}
    assert matches.on_message_created(ended, "m2", "e2", late) == "ignored: match inactive"
    assert db.collection("matches").document(match_id).get().get("last_message_preview") is None
    assert db.collection("matches").document(ended).get().get("last_message_preview") is None
    assert _notes(db, a) == _notes(db, b) == _notes(db, "intruder") == []


def test_an_older_message_delivered_late_does_not_replace_the_newer_preview(emulators: Emulators, db: Any) -> None:
    from datetime import UTC, datetime, timedelta

    from gitalong.swipes import matches

    a, b, match_id = _matched_pair(db)
    now = datetime.now(UTC)
    matches.on_message_created(match_id, "new", "e-new", {"sender_id": a, "text": "newer", "created_at": now})
    old = {"sender_id": b, "text": "older", "created_at": now - timedelta(seconds=5)}
    assert matches.on_message_created(match_id, "old", "e-old", old) == "processed"
    assert db.collection("matches").document(match_id).get().get("last_message_preview") == "newer"


def test_the_same_event_twice_notifies_once(emulators: Emulators, db: Any) -> None:
    from gitalong.swipes import matches

    a, b, match_id = _matched_pair(db)
    message = {"sender_id": a, "text": "once", "created_at": None}
    assert matches.on_message_created(match_id, "m1", "event-1", message) == "processed"
    assert matches.on_message_created(match_id, "m1", "event-1", message) == "duplicate"
    assert [n["body"] for n in _notes(db, b)] == ["once"]
