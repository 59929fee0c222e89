"""Every trigger, handed each event twice and an older event after a newer one, applies each once.

Firestore triggers are driven in-process through the same use-case function their handler
calls, with explicit event ids, on documents no real trigger watches change (so the only
deliveries are the test's); the Cloudinary webhook is driven over HTTP. Each scenario
delivers ``newer, newer, older, older`` and checks counters, documents, notifications and
pushes. Event ids mix plain ones with ones no Firestore document id may be (``/``, ``..``,
``__x__``), which the ledger hashes.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from google.cloud.firestore import SERVER_TIMESTAMP
from google.cloud.firestore_v1.base_query import FieldFilter

from fakes import cloudinary_server as fake
from support.emulators import Emulators, TopicTap, wait_for

NOW = datetime.now(UTC)


def _ids() -> tuple[str, str]:
    """A newer event's id (plain) and an older one's (not a valid document id by itself)."""
    tag = uuid.uuid4().hex[:12]
    return f"newer-{tag}", f"older/{tag}/../__x__"


def _skills(*names: str) -> list[str]:
    """This test's own skill names: counters are platform-wide, so each test counts only its own."""
    from gitalong.community.model import canonical_skills

    tag = uuid.uuid4().hex[:8]
    return canonical_skills([f"Skill{tag}{name}" for name in names])


def _counts(db: Any, source: str, skills: list[str]) -> dict[str, int]:
    totals = dict.fromkeys(skills, 0)
    for shard in db.collection("stats").document("skills").collection("shards").stream():
        for skill, n in ((shard.to_dict() or {}).get(source) or {}).items():
            if skill in totals:
                totals[skill] += int(n)
    return totals


def _get(db: Any, path: str, name: str) -> Any:
    return (db.document(path).get().to_dict() or {}).get(name)


def _notes(db: Any, uid: str) -> list[dict[str, Any]]:
    return [d.to_dict() for d in db.collection("notifications").document(uid).collection("items").stream()]


def _pushes(db: Any, uid: str) -> int:
    return len(list(db.collection("_fcm_outbox").where(filter=FieldFilter("uid", "==", uid)).stream()))


def _pair(db: Any) -> tuple[str, str, str]:
    """Two users with profiles and push tokens, and their active match (no trigger watches these writes
    but ``users/*``, whose sync is unrelated here)."""
    a, b = sorted((f"ia{uuid.uuid4().hex[:10]}", f"ib{uuid.uuid4().hex[:10]}"))
    for uid, name in ((a, "Ada"), (b, "Bob")):
        db.collection("profiles").document(uid).set({"display_name": name})
    match_id = f"{a}_{b}"
    db.collection("matches").document(match_id).set(
        {"participants": [a, b], "status": "active", "created_at": SERVER_TIMESTAMP,
         "last_message_at": None, "last_message_preview": None, "message_senders": []}
    )
    return a, b, match_id


# --- the scenarios, one per trigger -------------------------------------------------------


def profile_sync(emulators: Emulators, db: Any) -> None:
    """``sync_profile`` / ``retry_profile_sync``: the card is written, and published, once."""
    from gitalong.profiles import sync as profile_sync

    uid = f"u{uuid.uuid4().hex[:20]}"
    user = db.collection("users").document(uid)
    user.set({"display_name": "Ada", "role": "mentor", "skills": ["python"], "bio": "v1"})
    user.update({"bio": "v2"})  # the newer event; the set above is the older one
    wait_for(lambda: _get(db, f"profiles/{uid}", "bio") == "v2", what="the real trigger's card")
    db.collection("profiles").document(uid).delete()  # as if neither event's effect had happened
    newer, older = _ids()
    published: list[str] = []
    statuses, written = [], []
    for event_id in (newer, newer, older, older):
        statuses.append(profile_sync.process(uid, event_id, lambda topic, _: published.append(topic)).status)
        written.append(_get(db, f"profiles/{uid}", "updated_at"))
    assert statuses == ["synced", "duplicate", "unchanged", "unchanged"]
    assert published == ["profile-updated"]
    assert written[0] is not None and written == [written[0]] * 4  # one write of the card
    assert _get(db, f"profiles/{uid}", "bio") == "v2"


def profile_skills(emulators: Emulators, db: Any) -> None:
    """``count_profile_skills``: each skill a profile gained counts once."""
    from gitalong.analytics import skills

    uid = f"u{uuid.uuid4().hex[:20]}"
    a, b = _skills("a", "b")
    v1, v2 = {"skills": [a]}, {"skills": [a, b]}
    newer, older = _ids()
    events = [(newer, v1, v2), (newer, v1, v2), (older, None, v1), (older, None, v1)]
    changed = [skills.profile_skill_deltas(event_id, uid, before, after) for event_id, before, after in events]
    assert changed == [1, 0, 1, 0]
    assert _counts(db, "profiles", [a, b]) == {a: 1, b: 1}


def _event(skills: list[str]) -> dict[str, Any]:
    return {"title": "Hack night", "start": NOW + timedelta(days=3), "skills": skills}


def event_skills(emulators: Emulators, db: Any) -> None:
    """``sync_event``: skill counts move once per change; derived fields follow the event as it is now."""
    from gitalong.community import events

    a, b = _skills("a", "b")
    event_id = f"ev{uuid.uuid4().hex[:12]}"  # never written: the test's deliveries are the only ones
    newer, older = _ids()
    for cloud_id, before, after in [(newer, _event([a]), _event([a, b]))] * 2 + [(older, None, _event([a]))] * 2:
        events.on_event_written(event_id, cloud_id, before, after)
    assert _counts(db, "events", [a, b]) == {a: 1, b: 1}
    assert not db.collection("events").document(event_id).get().exists  # a late event re-creates nothing

    # a real event, synced by the real trigger; an older event arriving late does not roll it back
    c, d = _skills("c", "d")
    real = db.collection("events").document(f"ev{uuid.uuid4().hex[:12]}")
    real.set(_event([c, d]))
    wait_for(lambda: _get(db, real.path, "canonical_skills") == sorted([c, d]), what="the real trigger's skills")
    events.on_event_written(real.id, f"late-{uuid.uuid4().hex}", None, _event([c]))
    assert _get(db, real.path, "canonical_skills") == sorted([c, d])


def attendance(emulators: Emulators, db: Any) -> None:
    """``count_attendance``: each attendance change moves ``attendee_count`` and the user's count once."""
    from gitalong.community import events

    event = db.collection("events").document(f"ev{uuid.uuid4().hex[:12]}")
    event.set(_event([]))
    wait_for(lambda: _get(db, event.path, "canonical_skills") is not None, what="the event synced")
    first, second = f"u{uuid.uuid4().hex[:20]}", f"u{uuid.uuid4().hex[:20]}"
    for uid in (first, second):
        db.collection("analytics").document(uid).set({"events_attended": 0})
    left, joined = _ids()  # `first` joined (older), then left (newer); `second` joined once
    again = f"again-{uuid.uuid4().hex[:12]}"
    deliveries = [(first, left, True, False)] * 2 + [(first, joined, False, True)] * 2
    deliveries += [(second, again, False, True)] * 2
    for uid, cloud_id, before, after in deliveries:
        events.on_attendee_written(event.id, uid, cloud_id, before, after)
    assert _get(db, event.path, "attendee_count") == 1
    assert _get(db, f"analytics/{first}", "events_attended") == 0
    assert _get(db, f"analytics/{second}", "events_attended") == 1


def showcase_post(emulators: Emulators, db: Any) -> None:
    """``sync_showcase_post``: the author's post and each skill count once; derived fields stay current."""
    from gitalong.community import showcase

    author = f"u{uuid.uuid4().hex[:20]}"
    a, b = _skills("a", "b")
    post_id = f"p{uuid.uuid4().hex[:12]}"  # never written
    v1, v2 = {"user_id": author, "content": "hi", "skills": [a]}, {"user_id": author, "content": "hi", "skills": [a, b]}
    newer, older = _ids()
    for cloud_id, before, after in [(newer, v1, v2)] * 2 + [(older, None, v1)] * 2:
        showcase.on_post_written(post_id, cloud_id, before, after)
    assert _get(db, f"analytics/{author}", "posts_created") == 1
    assert _counts(db, "posts", [a, b]) == {a: 1, b: 1}
    assert not db.collection("showcase_posts").document(post_id).get().exists

    c, d = _skills("c", "d")
    other = f"u{uuid.uuid4().hex[:20]}"
    real = db.collection("showcase_posts").document(f"p{uuid.uuid4().hex[:12]}")
    real.set({"user_id": other, "content": "v2", "skills": [c, d]})
    wait_for(lambda: _get(db, real.path, "canonical_skills") == [c, d], what="the real trigger's skills")
    late = {"user_id": other, "content": "v1", "skills": [c]}
    showcase.on_post_written(real.id, f"late-{uuid.uuid4().hex}", None, late)
    assert _get(db, real.path, "canonical_skills") == [c, d]


def chat_message(emulators: Emulators, db: Any) -> None:
    """``on_chat_message``: the match is updated, the other side notified and pushed, once per message."""
    from gitalong.infra import counters
    from gitalong.swipes import matches

    a, b, match_id = _pair(db)
    for uid in (a, b):
        db.collection("users").document(uid).set({"display_name": uid, "fcm_tokens": [f"phone-{uid}"]})
    newer, older = _ids()
    late = {"sender_id": b, "text": "older", "created_at": NOW - timedelta(seconds=5)}
    new = {"sender_id": a, "text": "newer", "created_at": NOW}
    outcomes, updated = [], []
    for event_id, message_id, message in [(newer, "m2", new)] * 2 + [(older, "m1", late)] * 2:
        outcomes.append(matches.on_message_created(match_id, message_id, event_id, message))
        updated.append(_get(db, f"matches/{match_id}", "updated_at"))
    assert outcomes == ["processed", "duplicate", "processed", "duplicate"]
    assert updated[0] == updated[1] and updated[1] != updated[2] and updated[2] == updated[3]
    assert _get(db, f"matches/{match_id}", "last_message_preview") == "newer"
    assert [n["data"]["message_id"] for n in _notes(db, b)] == ["m2"]
    assert [n["data"]["message_id"] for n in _notes(db, a)] == ["m1"]
    assert (_pushes(db, a), _pushes(db, b)) == (1, 1)
    assert counters.read(a)["conversations_started"] == counters.read(b)["conversations_started"] == 1


def connection(emulators: Emulators, db: Any) -> None:
    """``track_connection``: no ledger by design (every field is a min/max), and still once and order-free."""
    from gitalong.analytics import connections

    a, b, match_id = _pair(db)
    newer, older = (a, NOW), (b, NOW - timedelta(seconds=5))
    changed = [connections.record_message(match_id, sender, at) for sender, at in [newer, newer, older, older]]
    assert changed == [True, False, True, False]
    mine = db.document(f"analytics/{a}/connections/{match_id}").get().to_dict()
    assert mine["first_sent_at"] == NOW and mine["first_received_at"] == NOW - timedelta(seconds=5)
    assert mine["successful"] is True and mine["successful_at"] == NOW


def match_created(emulators: Emulators, db: Any) -> None:
    """The ``match-created`` outbox: no ledger by design (a publish and pushes); delivered twice, each once."""
    from gitalong.swipes import matches

    a, b, match_id = _pair(db)
    for uid in (a, b):
        db.collection("users").document(uid).set({"display_name": uid, "fcm_tokens": [f"phone-{uid}"]})
    tap = TopicTap("match-created")
    try:
        db.collection("outbox").document(f"match-created_{match_id}").set(
            {"kind": "match-created", "match_id": match_id, "participants": [a, b],
             "created_at": SERVER_TIMESTAMP, "attempts": 0})
        assert matches.deliver_match_created(match_id) and matches.deliver_match_created(match_id)
        mine = [m for m in tap.pull(timeout=2.0) if m.get("match_id") == match_id]
    finally:
        tap.close()
    assert mine == [{"match_id": match_id, "participants": [a, b]}]
    assert [n["type"] for n in _notes(db, a)] == [n["type"] for n in _notes(db, b)] == ["match"]
    assert (_pushes(db, a), _pushes(db, b)) == (1, 1)


def _notify(emulators: Emulators, note: dict[str, Any], timestamp: int) -> str:
    body = json.dumps(note)
    headers = {"Content-Type": "application/json", "X-Cld-Timestamp": str(timestamp),
               "X-Cld-Signature": fake.notification_signature(body, timestamp)}
    response = emulators.session.post(emulators.url("cloudinary_webhook"), data=body.encode(), headers=headers,
                                      timeout=60)
    assert response.status_code == 200, response.text
    return str(response.json()["outcome"])


def cloudinary_notification(emulators: Emulators, db: Any) -> None:
    """``cloudinary_webhook``: each verified notification updates the record (and avatar) once."""
    uid = f"u{uuid.uuid4().hex[:20]}"
    signed = emulators.call("create_upload_signature", {"kind": "avatar"}, uid=uid)
    assert signed.status == "OK", signed.error
    media_id, public_id = signed.result["media_id"], f"{signed.result['folder']}/{signed.result['public_id']}"
    base = f"https://res.cloudinary.com/{fake.CLOUD_NAME}/image/upload"
    upload = {"notification_type": "upload", "public_id": public_id, "resource_type": "image", "format": "png",
              "bytes": 1234, "width": 64, "height": 48, "version": 1, "secure_url": f"{base}/v1/{public_id}.png"}
    eager = {"notification_type": "eager", "public_id": public_id, "batch_id": "b1",
             "eager": [{"secure_url": f"{base}/c_fill,h_300,w_400/v1/{public_id}.png"},
                       {"secure_url": f"{base}/c_fill,h_600,w_800/v1/{public_id}.png"}]}
    older = int(time.time()) - 60
    outcomes, updated = [], []
    for note, timestamp in [(eager, older + 30)] * 2 + [(upload, older)] * 2:
        outcomes.append(_notify(emulators, note, timestamp))
        updated.append(_get(db, f"media/{media_id}", "updated_at"))
    assert [o.endswith("eager versions ready") for o in outcomes] == [True, False, False, False]
    assert outcomes[1] == outcomes[3] == "already processed" and outcomes[2].endswith("ready")
    assert updated[0] == updated[1] and updated[1] != updated[2] and updated[2] == updated[3]
    record = db.collection("media").document(media_id).get().to_dict()
    assert record["status"] == "ready" and record["bytes"] == 1234 and "w_400" in record["thumbnail_url"]
    assert _get(db, f"profiles/{uid}", "avatar_url") == upload["secure_url"]


SCENARIOS: dict[str, Callable[[Emulators, Any], None]] = {
    "profile-sync": profile_sync,
    "profile-skills": profile_skills,
    "event-skills": event_skills,
    "attendance": attendance,
    "showcase-post": showcase_post,
    "chat-message": chat_message,
    "cloudinary-notification": cloudinary_notification,
    "track-connection (no ledger)": connection,
    "match-created outbox (no ledger)": match_created,
}


@pytest.fixture
def fresh_fake(cloudinary_fake: fake.Control) -> fake.Control:
    cloudinary_fake.reset()
    return cloudinary_fake


@pytest.mark.parametrize("trigger", list(SCENARIOS))
def test_each_trigger_applies_an_event_delivered_twice_or_after_a_newer_one_exactly_once(
    trigger: str, emulators: Emulators, db: Any, fresh_fake: fake.Control
) -> None:
    SCENARIOS[trigger](emulators, db)


def test_every_ledger_kind_in_the_ledger_docstring_has_a_scenario_here() -> None:
    """A trigger that joins the ledger joins this test too."""
    import re

    from gitalong.infra import ledger

    documented = set(re.findall(r"^``([a-z-]+)``\s", ledger.__doc__ or "", flags=re.M))
    assert documented == {k for k in SCENARIOS if " " not in k}
