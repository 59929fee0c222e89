"""``record_swipe`` end to end: validation, matches, idempotency, projects, rate limits, counters."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from google.cloud.firestore_v1.base_query import FieldFilter

from support.emulators import Emulators, TopicTap, wait_for


def _user(db: Any, name: str = "user", **card: Any) -> str:
    uid = f"{name}{uuid.uuid4().hex[:12]}"
    db.collection("profiles").document(uid).set({"display_name": name.title(), **card})
    return uid


def _swipe(emulators: Emulators, uid: str, target: str, direction: str = "right", **extra: Any) -> Any:
    return emulators.call("record_swipe", {"target_id": target, "direction": direction, **extra}, uid=uid)


def _match_id(a: str, b: str) -> str:
    return "_".join(sorted((a, b)))


@pytest.fixture
def match_created_tap() -> Iterator[Any]:
    """``messages(match_id)``: the ``match-created`` messages for one match, from a pull
    subscription made before anything publishes."""
    tap = TopicTap("match-created")

    def messages(match_id: str, timeout: float = 20.0) -> list[dict[str, Any]]:
        return wait_for(lambda: [m for m in tap.pull(timeout=0.5) if m.get("match_id") == match_id],
                        timeout=timeout, interval=0.2, what=f"match-created for {match_id}")

    yield messages
    tap.close()


# --- validation -----------------------------------------------------------------------


def test_swiping_on_yourself_is_an_invalid_argument_naming_target_id(emulators: Emulators, db: Any) -> None:
    me = _user(db)
    result = _swipe(emulators, me, me)
    assert result.status == "INVALID_ARGUMENT"
    assert result.field_errors == ["target_id"]


def test_a_bad_direction_or_target_type_is_an_invalid_argument(emulators: Emulators, db: Any) -> None:
    me, other = _user(db), _user(db)
    assert _swipe(emulators, me, other, "up").field_errors == ["direction"]
    assert _swipe(emulators, me, other, target_type="team").field_errors == ["target_type"]
    assert _swipe(emulators, me, "../etc").field_errors == ["target_id"]
    assert _swipe(emulators, me, other, surprise=1).status == "INVALID_ARGUMENT"
    assert not list(db.collection("swipes").stream())


def test_an_unknown_target_is_an_invalid_argument_naming_target_id(emulators: Emulators, db: Any) -> None:
    me = _user(db)
    assert _swipe(emulators, me, "nobody-here").field_errors == ["target_id"]
    assert _swipe(emulators, me, "no-project", target_type="project").field_errors == ["target_id"]
    assert not list(db.collection("swipes").stream())


def test_a_target_that_is_deleting_their_account_or_a_deleted_project_is_not_found(
    emulators: Emulators, db: Any
) -> None:
    me, gone = _user(db), _user(db, deleted=True)
    project = f"p{uuid.uuid4().hex[:10]}"
    db.collection("projects").document(project).set({"owner_id": gone, "title": "Old", "deleted": True})
    assert _swipe(emulators, me, gone).status == "NOT_FOUND"
    assert _swipe(emulators, me, project, target_type="project").status == "NOT_FOUND"
    assert not list(db.collection("swipes").stream())


def test_a_signed_out_caller_is_unauthenticated(emulators: Emulators) -> None:
    result = emulators.call("record_swipe", {"target_id": "x", "direction": "left"})
    assert result.status == "UNAUTHENTICATED"


def test_a_block_in_either_direction_refuses_the_swipe(emulators: Emulators, db: Any) -> None:
    me, them = _user(db), _user(db)
    db.collection("blocks").document(f"{them}_{me}").set({"blocker_id": them, "blocked_id": me})
    assert _swipe(emulators, me, them).status == "FAILED_PRECONDITION"
    assert _swipe(emulators, them, me).status == "FAILED_PRECONDITION"
    assert not list(db.collection("swipes").stream())


# --- matches --------------------------------------------------------------------------


def test_mutual_right_swipes_create_one_active_match_and_publish_it(
    emulators: Emulators, db: Any, match_created_tap: Any
) -> None:
    ada, bob = _user(db, "ada"), _user(db, "bob")
    db.collection("users").document(bob).set({"display_name": "Bob", "fcm_tokens": ["tok-bob", "dead-old"]})
    first = _swipe(emulators, ada, bob)
    assert first.result["matched"] is False and first.result["match_id"] is None
    swipe = db.collection("swipes").document(f"{ada}_{bob}").get().to_dict()
    assert swipe["swiper_id"] == ada and swipe["target_id"] == bob and swipe["direction"] == "right"
    assert swipe["target_type"] == "user" and swipe["swipe_id"] == first.result["swipe_id"]

    second = _swipe(emulators, bob, ada, "super")
    mid = _match_id(ada, bob)
    assert second.result == {"swipe_id": second.result["swipe_id"], "matched": True, "match_id": mid}
    match = db.collection("matches").document(mid).get().to_dict()
    assert match["participants"] == sorted([ada, bob]) and match["status"] == "active"
    assert match["created_at"] is not None

    assert match_created_tap(mid) == [{"match_id": mid, "participants": sorted([ada, bob])}]
    for uid in (ada, bob):
        note = db.collection("notifications").document(uid).collection("items").document(f"match_{mid}").get()
        assert note.exists and note.get("type") == "match" and note.get("read") is False
    pushes = [d.to_dict() for d in db.collection("_fcm_outbox").where(filter=FieldFilter("uid", "==", bob)).stream()]
    assert [p["tokens"] for p in pushes] == [["tok-bob"]]
    wait_for(lambda: db.collection("users").document(bob).get().get("fcm_tokens") == ["tok-bob"],
             what="dead token removed")
    assert not list(db.collection("outbox").stream())


def test_a_left_swipe_after_a_match_changes_the_swipe_but_keeps_the_match(emulators: Emulators, db: Any) -> None:
    ada, bob = _user(db), _user(db)
    _swipe(emulators, ada, bob)
    assert _swipe(emulators, bob, ada).result["matched"] is True
    again = _swipe(emulators, bob, ada, "left")
    assert again.result["matched"] is False
    assert db.collection("swipes").document(f"{bob}_{ada}").get().get("direction") == "left"
    assert db.collection("matches").document(_match_id(ada, bob)).get().get("status") == "active"


def test_a_left_swipe_never_matches(emulators: Emulators, db: Any) -> None:
    ada, bob = _user(db), _user(db)
    _swipe(emulators, ada, bob)
    assert _swipe(emulators, bob, ada, "left").result["matched"] is False
    assert not db.collection("matches").document(_match_id(ada, bob)).get().exists


def test_the_same_swipe_id_twice_returns_the_first_result_and_writes_nothing_more(
    emulators: Emulators, db: Any
) -> None:
    ada, bob = _user(db), _user(db)
    first = _swipe(emulators, ada, bob, "right", swipe_id="retry-1")
    before = db.collection("swipes").document(f"{ada}_{bob}").get()
    retry = _swipe(emulators, ada, bob, "left", swipe_id="retry-1")
    assert retry.result == first.result == {"swipe_id": "retry-1", "matched": False, "match_id": None}
    after = db.collection("swipes").document(f"{ada}_{bob}").get()
    assert after.get("direction") == "right" and after.update_time == before.update_time
    from gitalong.infra import counters

    assert counters.read(ada)["swipes_given"] == 1


# --- projects -------------------------------------------------------------------------


def test_project_interest_reaches_the_owner_and_matches_only_when_the_owner_swipes_right(
    emulators: Emulators, db: Any
) -> None:
    owner, fan = _user(db, "owner"), _user(db, "fan")
    project = f"p{uuid.uuid4().hex[:10]}"
    db.collection("projects").document(project).set({"owner_id": owner, "title": "Rocket"})
    assert _swipe(emulators, owner, project, target_type="project").status == "INVALID_ARGUMENT"

    liked = _swipe(emulators, fan, project, target_type="project")
    assert liked.result["matched"] is False
    swipe = db.collection("swipes").document(f"{fan}_{project}").get().to_dict()
    assert swipe["project_owner_id"] == owner and swipe["target_type"] == "project"
    from gitalong.swipes.record import interested_users

    assert [s["swiper_id"] for s in interested_users(owner, project)] == [fan]
    note = db.collection("notifications").document(owner).collection("items").document(f"interest_{fan}_{project}")
    assert "Rocket" in note.get().get("body")
    assert not db.collection("matches").document(_match_id(owner, fan)).get().exists

    back = _swipe(emulators, owner, fan)
    assert back.result == {"swipe_id": back.result["swipe_id"], "matched": True, "match_id": _match_id(owner, fan)}


# --- rate limits and counters ---------------------------------------------------------


def test_a_swipe_takes_a_token_from_both_buckets_and_an_empty_bucket_refuses(
    emulators: Emulators, db: Any
) -> None:
    me, first, second = _user(db), _user(db), _user(db)
    bucket = db.collection("rate_limits").document(f"{me}_swipe")
    later = time.time() + 3600  # stamped in the future: no refill while the test runs
    bucket.set({"buckets": {"minute": {"tokens": 1.0, "at": later}, "day": {"tokens": 500.0, "at": later}}})
    assert _swipe(emulators, me, first).status == "OK"
    stored = bucket.get().get("buckets")
    assert stored["minute"]["tokens"] == 0.0 and stored["day"]["tokens"] == 499.0

    bucket.set({"buckets": {"minute": {"tokens": 0.0, "at": later}, "day": {"tokens": 500.0, "at": later}}})
    refused = _swipe(emulators, me, second)
    assert refused.status == "RESOURCE_EXHAUSTED"
    assert refused.error["details"]["retry_after_seconds"] == 1  # 100/min: a token every 0.6 s
    assert not db.collection("swipes").document(f"{me}_{second}").get().exists
    assert bucket.get().get("buckets")["minute"]["tokens"] == 0.0


def test_the_day_bucket_refuses_for_as_long_as_it_takes_to_refill(emulators: Emulators, db: Any) -> None:
    me, target = _user(db), _user(db)
    now = time.time()
    db.collection("rate_limits").document(f"{me}_swipe").set(
        {"buckets": {"minute": {"tokens": 100.0, "at": now}, "day": {"tokens": 0.0, "at": now}}}
    )
    refused = _swipe(emulators, me, target)
    assert refused.status == "RESOURCE_EXHAUSTED"
    assert 80 <= refused.error["details"]["retry_after_seconds"] <= 87  # 1 token of 1000/day


def test_counters_count_swipes_given_received_and_matches(emulators: Emulators, db: Any) -> None:
    from gitalong.infra import counters

    ada, bob, cy = _user(db), _user(db), _user(db)
    _swipe(emulators, ada, bob)
    _swipe(emulators, ada, bob, "super")  # a changed swipe is not a new one
    _swipe(emulators, cy, bob, "left")
    _swipe(emulators, bob, ada)
    assert counters.read(bob) == {"swipes_given": 1, "swipes_received": 2, "matches": 1, "conversations_started": 0}
    assert counters.read(ada) == {"swipes_given": 1, "swipes_received": 1, "matches": 1, "conversations_started": 0}


def test_a_match_whose_side_effects_failed_is_delivered_by_the_outbox_flush(
    emulators: Emulators, db: Any, match_created_tap: Any
) -> None:
    from datetime import UTC, datetime, timedelta

    ada, bob = sorted((_user(db, "ada"), _user(db, "bob")))
    mid = _match_id(ada, bob)
    # what a call that crashed right after its commit leaves behind: the match and its outbox entry
    db.collection("matches").document(mid).set({"participants": [ada, bob], "status": "active"})
    db.collection("outbox").document(f"match-created_{mid}").set(
        {"kind": "match-created", "match_id": mid, "participants": [ada, bob],
         "created_at": datetime.now(UTC) - timedelta(minutes=5), "attempts": 1}
    )
    assert emulators.run_scheduled("flush_match_outbox").status_code == 200
    assert match_created_tap(mid) == [{"match_id": mid, "participants": [ada, bob]}]
    for uid in (ada, bob):
        assert db.collection("notifications").document(uid).collection("items").document(f"match_{mid}").get().exists
    assert not db.collection("outbox").document(f"match-created_{mid}").get().exists
