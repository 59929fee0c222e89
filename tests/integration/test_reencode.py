"""The re-encode job on the real emulators: ``reencode-profiles`` → ``reencode-shard`` → cards, counts, recompute."""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Iterator
from functools import partial
from typing import Any

import pytest
from google.cloud.firestore_v1.vector import Vector

from gitalong.matching import ENCODER_ID
from support.emulators import Emulators, TopicTap, wait_for

OLD_ENCODER = "hashed-ngrams@0"
VECTORS = ("offer_vec", "need_vec", "skills_vec")
PEOPLE = [
    ("I build Flutter mobile apps and teach Dart", "need help with a Django REST backend", ["Flutter", "Dart"]),
    ("Django and REST API backend development", "want to learn Flutter", ["Django", "Python"]),
    ("guitar lessons for beginners", "help with my portfolio website", ["Music"]),
    ("kubernetes cluster operations", "a mentor for public speaking", ["Kubernetes", "Docker"]),
    ("UX research and Figma prototypes", "someone to build my React app", ["Figma"]),
]


def _user(i: int) -> dict[str, Any]:
    offer, need, skills = PEOPLE[i % len(PEOPLE)]
    return {
        "display_name": f"Person {i}",
        "city": "Lagos",
        "role": "student",
        "skills": skills,
        "skills_to_offer": offer,
        "services_needed": need,
    }


def _card(db: Any, uid: str) -> dict[str, Any] | None:
    snap = db.collection("profiles").document(uid).get()
    return snap.to_dict() if snap.exists else None


def _vectors(card: dict[str, Any]) -> dict[str, list[float]]:
    return {name: list(card[name]) for name in VECTORS}


def _same_vectors(a: dict[str, Any], b: dict[str, Any]) -> bool:
    va, vb = _vectors(a), _vectors(b)
    return all(max(abs(x - y) for x, y in zip(va[n], vb[n], strict=True)) < 1e-6 for n in VECTORS)


def _current_card(db: Any, uid: str) -> dict[str, Any] | None:
    """The card of ``uid`` once it carries the current encoder's vectors."""
    card = _card(db, uid)
    return card if card and card.get("encoder") == ENCODER_ID else None


def _seed(db: Any, uids: list[str]) -> dict[str, dict[str, Any]]:
    """Write ``users/{uid}`` for each and return the cards the trigger made of them."""
    for i, user_id in enumerate(uids):
        db.collection("users").document(user_id).set(_user(i))
    return {
        user_id: wait_for(partial(_current_card, db, user_id), what=f"card of {user_id}") for user_id in uids
    }


def _age(db: Any, uid: str) -> None:
    """Make a card look written by an older encoder: its id, its source hash, other vectors."""
    rnd = random.Random(uid)
    noise = [rnd.gauss(0, 1) for _ in range(384)]
    norm = sum(x * x for x in noise) ** 0.5
    db.collection("profiles").document(uid).update(
        {
            "encoder": OLD_ENCODER,
            "source_hash": "from-the-old-encoder",
            "offer_vec": Vector([x / norm for x in noise]),
            "need_vec": Vector([-x / norm for x in noise]),
        }
    )


def _job(db: Any, run_id: str) -> dict[str, Any]:
    return db.collection("jobs").document(run_id).get().to_dict() or {}


def _steady(probe: Any, seconds: float) -> Any:
    """``probe()``, asserted to stay the same for ``seconds`` (messages may arrive out of order)."""
    first = probe()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert probe() == first
        time.sleep(0.25)
    return first


def _complete(db: Any, run_id: str, timeout: float, what: str) -> dict[str, Any]:
    return wait_for(lambda: (j := _job(db, run_id)).get("status") == "complete" and j, timeout=timeout, what=what)


@pytest.fixture
def updates() -> Iterator[TopicTap]:
    tap = TopicTap("profile-updated")
    yield tap
    tap.close()


def test_a_run_re_encodes_every_outdated_card_once_without_a_profile_update_per_user_then_starts_one_recompute(
    db: Any, emulators: Emulators, updates: TopicTap
) -> None:
    prefix = f"re{uuid.uuid4().hex[:8]}"
    old = [f"{prefix}old{i}" for i in range(3)]
    fresh, bad, ghost = f"{prefix}fresh", f"{prefix}bad", f"{prefix}ghost"
    trigger_cards = _seed(db, [*old, fresh, bad])
    db.collection("users").document(bad).update({"role": "boss"})  # invalid now: its last good card stays
    wait_for(lambda: (db.collection("users").document(bad).get().to_dict() or {}).get("sync_error"), what="sync_error")
    for user_id in [*old, bad]:
        _age(db, user_id)
    db.collection("profiles").document(ghost).set({"display_name": "Ghost", "encoder": OLD_ENCODER, "deleted": False})
    untouched = {u: db.collection("profiles").document(u).get() for u in (fresh, bad, ghost)}
    updates.pull(timeout=1.0)  # whatever the seeding published
    updates.received.clear()

    run_id = f"reencode-test-{uuid.uuid4().hex[:8]}"
    emulators.publish("reencode-profiles", {"run_id": run_id})
    job = _complete(db, run_id, timeout=240, what="re-encode run complete")

    assert job["kind"] == "reencode" and job["encoder"] == ENCODER_ID and job["shards"] == 1
    assert job["shards_done"] == [0] and (job["cards_total"], job["cards_outdated"], job["cards_done"]) == (6, 5, 5)
    assert job["counts"] == {"synced": 3, "invalid": 1, "deleted": 1, "unchanged": 0, "stale": 0, "failed": 0}
    assert job["shard_counts"] == {"0": {"synced": 3, "invalid": 1, "deleted": 1}}
    assert job["duration_seconds"] >= 0 and job["finished_at"] >= job["started_at"]
    for user_id in old:  # rebuilt from the source: exactly what the trigger writes
        card = _card(db, user_id) or {}
        assert card["encoder"] == ENCODER_ID and card["source_hash"] == trigger_cards[user_id]["source_hash"]
        assert _same_vectors(card, trigger_cards[user_id])
        assert card["updated_at"] > trigger_cards[user_id]["updated_at"]
    for user_id, before in untouched.items():  # current, invalid, orphan: not written
        after = db.collection("profiles").document(user_id).get()
        assert after.update_time == before.update_time
        assert (after.to_dict() or {}).get("updated_at") == (before.to_dict() or {}).get("updated_at")
    assert _card(db, bad)["encoder"] == OLD_ENCODER  # type: ignore[index]  # waits for a valid profile
    assert not [m for m in updates.pull(timeout=2.0) if m.get("uid") in old], "one profile-updated per user: a storm"

    rec_id = f"{run_id}-recommendations"
    wait_for(lambda: _job(db, run_id).get("recommendations_started_at"), timeout=30, what="recompute started")
    assert _job(db, run_id)["recommendations_run"] == rec_id
    assert db.collection("jobs").document(rec_id).get().exists
    _complete(db, rec_id, timeout=180, what="the recommendations recompute")  # nothing left running

    # the same shard delivered again: no count moves, no card is rewritten. Run here, with the
    # handler's own call: the emulator's Pub/Sub lost this one redelivery on 1 of ~6 fresh-clone
    # runs (no execution began within 60 s; not understood yet), and what is tested is the shard.
    from gitalong.matching import reencode

    before = _job(db, run_id)
    written = {u: db.collection("profiles").document(u).get().update_time for u in old}
    reencode.run_shard(0, 1, run_id)
    after = _job(db, run_id)
    assert after["shard_last_at"] != before["shard_last_at"], "the shard did not run again"
    for name in ("counts", "shard_counts", "cards_done", "shards_done", "status", "finished_at", "recommendations_run"):
        assert after[name] == before[name], name
    assert {u: db.collection("profiles").document(u).get().update_time for u in old} == written

    # malformed messages on both topics change nothing; a repeated start (the barrier) is harmless
    start_messages: list[dict[str, Any]] = [{"run_id": "a/b"}, {"run_id": 7}, {"run_id": ""}]
    for message in start_messages:
        emulators.publish("reencode-profiles", message)
    shard_messages: list[dict[str, Any]] = [
        {},
        {"shard": "zero", "shards": 1, "run_id": run_id},
        {"shard": 1, "shards": 1, "run_id": run_id},
        {"shard": 0, "shards": 65, "run_id": run_id},
        {"shard": 0, "shards": 1},
        {"shard": 0, "shards": 1, "run_id": "a/b"},
        {"shard": 0, "shards": 2, "run_id": run_id},  # not this run's shard count
        {"shard": 0, "shards": 1, "run_id": f"{run_id}-never-started"},
    ]
    for message in shard_messages:
        emulators.publish("reencode-shard", message)
    before = after
    emulators.publish("reencode-profiles", {"run_id": run_id})
    wait_for(lambda: _job(db, run_id)["shard_last_at"] != before["shard_last_at"], timeout=60, what="repeated start")
    fields = ("counts", "shard_counts", "cards_done", "shards_done", "status", "finished_at", "started_at")
    after = _steady(lambda: {name: _job(db, run_id)[name] for name in fields}, seconds=3.0)  # stragglers too
    assert after == {name: before[name] for name in fields}
    assert sorted(s.id for s in db.collection("jobs").list_documents()) == sorted([run_id, rec_id])
    assert {u: db.collection("profiles").document(u).get().update_time for u in old} == written


def test_a_run_over_three_shards_counts_each_card_in_exactly_one_and_completes_after_the_last(db: Any) -> None:
    from gitalong.matching import reencode

    prefix = f"rs{uuid.uuid4().hex[:8]}"
    uids = [f"{prefix}{i}" for i in range(7)]
    trigger_cards = _seed(db, uids)
    for user_id in uids:
        _age(db, user_id)
    run_id = f"reencode-shards-{uuid.uuid4().hex[:8]}"
    started = reencode.start_run(run_id, shards=3)  # publishes three reencode-shard messages
    assert started["status"] == "running" and started["cards_outdated"] == 7
    job = _complete(db, run_id, timeout=240, what="three shards complete")
    assert sorted(job["shards_done"]) == [0, 1, 2] and job["cards_done"] == 7 and job["counts"]["synced"] == 7
    per_shard = {k: v.get("synced", 0) for k, v in job["shard_counts"].items()}
    assert sum(per_shard.values()) == 7 and set(job["shard_seconds"]) <= {"0", "1", "2"}
    for user_id in uids:
        card = _card(db, user_id) or {}
        assert card["encoder"] == ENCODER_ID and _same_vectors(card, trigger_cards[user_id])
    _complete(db, f"{run_id}-recommendations", timeout=180, what="the one recommendations recompute")


def test_the_scheduled_reconciliation_re_encodes_a_card_left_on_an_old_encoder(db: Any, emulators: Emulators) -> None:
    user_id = f"rc{uuid.uuid4().hex[:12]}"
    trigger_card = _seed(db, [user_id])[user_id]
    _age(db, user_id)
    response = emulators.run_scheduled("reconcile_profiles")
    assert response.status_code == 200, response.text
    card = wait_for(
        lambda: (c := _card(db, user_id)) and c.get("encoder") == ENCODER_ID and c, timeout=60, what="card re-encoded"
    )
    assert card["source_hash"] == trigger_card["source_hash"] and _same_vectors(card, trigger_card)


def test_a_card_whose_only_staleness_is_its_encoder_is_still_re_encoded(db: Any, emulators: Emulators) -> None:
    """Its source hash is current (say a hand edit): the encoder name alone must count as drift."""
    user_id = f"re{uuid.uuid4().hex[:12]}"
    trigger_card = _seed(db, [user_id])[user_id]
    db.collection("profiles").document(user_id).update({"encoder": OLD_ENCODER})
    response = emulators.run_scheduled("reconcile_profiles")
    assert response.status_code == 200, response.text
    card = wait_for(
        lambda: (c := _card(db, user_id)) and c.get("encoder") == ENCODER_ID and c, timeout=60, what="card re-encoded"
    )
    assert card["source_hash"] == trigger_card["source_hash"] and _same_vectors(card, trigger_card)
