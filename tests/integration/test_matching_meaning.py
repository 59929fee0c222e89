"""Matching by meaning, end to end: the right person comes first among many, however they spell it.

The crowd is the paraphrase evaluation's people (eval/paraphrase/people.json), written as
cards exactly as the profile trigger writes them; the two people under test are not in it.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from support.emulators import Emulators

ROOT = Path(__file__).resolve().parents[2]


def _card(person: dict[str, Any], name: str) -> dict[str, Any]:
    from google.cloud.firestore import SERVER_TIMESTAMP

    from gitalong.profiles.model import validate
    from gitalong.profiles.sync import card_document

    profile, errors = validate({"display_name": name, **person})
    assert profile is not None, errors
    return {**card_document(profile), "updated_at": SERVER_TIMESTAMP, "created_at": SERVER_TIMESTAMP}


def _crowd() -> list[dict[str, Any]]:
    data = json.loads((ROOT / "eval" / "paraphrase" / "people.json").read_text())
    people = [p for pair in data["pairs"] for p in (pair["a"], pair["b"])]
    keep = ("skills_to_offer", "services_needed", "skills", "tech_stack", "city", "role")
    return [{k: v for k, v in p.items() if k in keep and v not in (None, "")} for p in people]


@pytest.fixture
def seed_crowd(db: Any) -> list[str]:
    ids = []
    crowd = _crowd()
    for start in range(0, len(crowd), 100):  # a batch of 100 cards stays under gRPC's 4 MB
        batch = db.batch()
        for i, person in enumerate(crowd[start : start + 100], start):
            uid = f"crowd{i:04d}{uuid.uuid4().hex[:6]}"
            batch.set(db.collection("profiles").document(uid), _card(person, uid))
            ids.append(uid)
        batch.commit()
    return ids


SPELLINGS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "plain": (
        {"skills_to_offer": "I build furniture and do woodwork",
         "services_needed": "I need someone to make a site for my workshop"},
        {"skills_to_offer": "web developer", "services_needed": "wants to learn carpentry"},
    ),
    "typos": (
        {"skills_to_offer": "i bild furnature and do wood work",
         "services_needed": "ned somone to make a websit for my workshp"},
        {"skills_to_offer": "web develper, html css js", "services_needed": "want to lern carpentery"},
    ),
    "skills only": (
        {"services_needed": "a website for my joinery workshop", "skills": ["Woodworking", "Furniture making"]},
        {"skills_to_offer": "I make websites", "services_needed": "teach me carpentry"},
    ),
}


BEST_RANK = {"plain": 2, "typos": 2, "skills only": 1}
"""Where the woodworker ranks for the developer, as measured. With the hubness correction a
carpenter of the crowd who teaches (and needs help with a site-supervisor exam) comes first
for the plain and typo spellings; without it the woodworker is first in all three, but the
correction is better on the paraphrase set's dev and held-out pairs (docs/matching.md)."""


@pytest.mark.parametrize("spelling", sorted(SPELLINGS))
def test_the_woodworker_is_among_the_web_developers_first_reciprocal_matches_among_hundreds(
    emulators: Emulators, db: Any, seed_crowd: list[str], spelling: str
) -> None:
    woodworker, developer = SPELLINGS[spelling]
    wood_id, dev_id = f"wood{uuid.uuid4().hex[:10]}", f"dev{uuid.uuid4().hex[:10]}"
    db.collection("profiles").document(wood_id).set(_card(woodworker, "Woodworker"))
    db.collection("profiles").document(dev_id).set(_card(developer, "Developer"))
    best = BEST_RANK[spelling]

    res = emulators.call("find_reciprocal_matches", {"limit": 5}, uid=dev_id)
    assert res.status == "OK", res.error
    ids = [m["id"] for m in res.result["matches"]]
    assert wood_id in ids[:best], [m["profile"]["display_name"] for m in res.result["matches"]]

    res = emulators.call("get_recommendations", {"limit": 5}, uid=dev_id)
    assert res.status == "OK", res.error
    recs = res.result["recommendations"]
    # the served list is also diversified (MMR), which may move the woodworker one place down
    assert res.result["source"] == "live" and wood_id in [r["id"] for r in recs[: best + 1]]
    assert all(r["reasons"] for r in recs)


def test_search_finds_people_by_what_their_text_means_and_says_why(
    emulators: Emulators, db: Any, seed_crowd: list[str], uid: str
) -> None:
    teacher = f"t{uuid.uuid4().hex[:10]}"
    db.collection("profiles").document(teacher).set(
        _card({"skills_to_offer": "I give guitar lessons to beginners", "skills": ["Guitar"]}, "Teacher")
    )
    res = emulators.call("search_profiles", {"query": "someone to teach me an instrument", "mode": "offers"}, uid=uid)
    assert res.status == "OK", res.error
    top = res.result["results"][0]
    assert top["id"] == teacher and top["reasons"] and "email" not in top["profile"]


@pytest.mark.parametrize(
    "query",
    ["😀🎉🔥", "!!! ???", "\u200b\u200b", "a\x00b\x07c"],
)
def test_a_query_without_words_or_with_control_characters_is_refused_or_answered_never_internal(
    emulators: Emulators, uid: str, query: str
) -> None:
    res = emulators.call("search_profiles", {"query": query}, uid=uid)
    assert res.status in ("OK", "INVALID_ARGUMENT"), res.error
    if res.status == "INVALID_ARGUMENT":
        assert "query" in res.field_errors


def test_mixed_scripts_and_the_longest_allowed_texts_get_an_answer(emulators: Emulators, uid: str) -> None:
    res = emulators.call("search_profiles", {"query": "Flutter 开发 разработчик مطور " * 15}, uid=uid)
    assert res.status == "OK", res.error
    res = emulators.call("find_reciprocal_matches", {"offer_text": "x " * 1000, "need_text": "é" * 2000}, uid=uid)
    assert res.status == "OK", res.error
    res = emulators.call("find_reciprocal_matches", {"offer_text": "x" * 10_000}, uid=uid)
    assert res.status == "INVALID_ARGUMENT" and "offer_text" in res.field_errors


def test_a_profile_whose_texts_are_all_whitespace_stores_zero_vectors_not_nans(
    emulators: Emulators, db: Any, uid: str
) -> None:
    import math

    from support.emulators import wait_for

    db.collection("users").document(uid).set(
        {"display_name": "Blank", "skills_to_offer": "   \n\t ", "services_needed": "\u3000 "}
    )
    card = wait_for(lambda: (s := db.collection("profiles").document(uid).get()).exists and s.to_dict(),
                    timeout=60, what="card written")
    for field in ("offer_vec", "need_vec"):
        values = list(card[field])
        assert all(not math.isnan(x) for x in values) and not any(values)
    res = emulators.call("find_reciprocal_matches", {}, uid=uid)
    assert res.status == "OK" and res.result["matches"] == []
