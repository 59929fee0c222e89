"""The live candidate index follows the cards: new ones appear, deleted ones go, other encoders never mix."""

from __future__ import annotations

import uuid
from typing import Any

from support.cards import seed
from support.emulators import Emulators


def _id(tag: str) -> str:
    return f"{tag}{uuid.uuid4().hex[:12]}"


def _match_ids(emulators: Emulators, uid: str) -> list[str]:
    res = emulators.call("find_reciprocal_matches", {"limit": 10}, uid=uid)
    assert res.status == "OK", res.error
    return [m["id"] for m in res.result["matches"]]


def test_a_card_written_after_the_index_loaded_is_found_on_the_next_call(
    emulators: Emulators, db: Any, uid: str
) -> None:
    seed(db, uid, "I teach piano", "someone to fix my bicycle")
    first = seed(db, _id("a"), "bicycle repair and servicing", "piano lessons for my daughter")
    assert _match_ids(emulators, uid)[0] == first  # loads (or refreshes) the index
    later = seed(db, _id("b"), "I repair bikes: brakes, gears, wheels", "learn to play the piano")
    assert later in _match_ids(emulators, uid)


def test_deleted_and_removed_cards_are_never_answered(emulators: Emulators, db: Any, uid: str) -> None:
    seed(db, uid, "I teach piano", "someone to fix my bicycle")
    marked = seed(db, _id("m"), "bicycle repair and servicing", "piano lessons")
    removed = seed(db, _id("r"), "I fix bikes", "learn the piano")
    assert {marked, removed} <= set(_match_ids(emulators, uid))
    from google.cloud.firestore import SERVER_TIMESTAMP

    db.collection("profiles").document(marked).update({"deleted": True, "updated_at": SERVER_TIMESTAMP})
    db.collection("profiles").document(removed).delete()
    ids = _match_ids(emulators, uid)
    assert marked not in ids and removed not in ids


def test_a_card_of_another_encoder_is_never_compared_with_this_one(emulators: Emulators, db: Any, uid: str) -> None:
    seed(db, uid, "I teach piano", "someone to fix my bicycle", ["Piano"])
    current = seed(db, _id("c"), "bicycle repair and servicing", "piano lessons", ["Piano"])
    old = seed(db, _id("o"), "bicycle repair and servicing", "piano lessons", ["Piano"], encoder="some-old-model@0")
    assert _match_ids(emulators, uid) == [current]
    res = emulators.call("search_profiles", {"query": "bike mechanic"}, uid=uid)
    assert res.status == "OK" and old not in [r["id"] for r in res.result["results"]]
    res = emulators.call("get_recommendations", {"limit": 10}, uid=uid)
    assert res.status == "OK" and old not in [r["id"] for r in res.result["recommendations"]]


def test_many_removed_cards_never_crowd_out_the_live_ones(emulators: Emulators, db: Any, uid: str) -> None:
    seed(db, uid, "I teach piano", "someone to fix my bicycle")
    gone = [seed(db, _id("g"), f"bicycle repair #{i}", "piano lessons") for i in range(30)]
    assert len(_match_ids(emulators, uid)) == 10  # the index now holds all thirty
    batch = db.batch()
    for card in gone:
        batch.delete(db.collection("profiles").document(card))
    batch.commit()
    survivor = seed(db, _id("s"), "I service and repair bicycles", "teach me piano")
    assert _match_ids(emulators, uid) == [survivor]
    res = emulators.call("search_profiles", {"query": "bicycle repair", "mode": "offers"}, uid=uid)
    assert res.status == "OK" and [r["id"] for r in res.result["results"]] == [survivor]
