"""Matching callables against the real emulators: live and precomputed paths, filters, bad input."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from support.cards import seed
from support.emulators import Emulators, wait_for


def _id(tag: str) -> str:
    return f"{tag}{uuid.uuid4().hex[:12]}"


@pytest.fixture
def population(db: Any, uid: str) -> dict[str, str]:
    """Me (Flutter dev needing a Django backend) and six others around me."""
    seed(
        db,
        uid,
        "I build Flutter mobile apps and teach Dart",
        "need help building a Django REST backend",
        ["Flutter", "Dart"],
    )
    people = {
        "best": seed(
            db,
            _id("best"),
            "Django and REST API backend development",
            "want to learn Flutter mobile apps",
            ["Django", "Python"],
        ),
        "one_sided": seed(db, _id("one"), "Django backend APIs", "looking for a marketing and SEO expert", ["Django"]),
        "other_way": seed(
            db, _id("other"), "social media marketing campaigns", "need a Flutter app built", ["Marketing"]
        ),
        "swiped": seed(db, _id("swiped"), "Django REST backend", "Flutter mobile app help", ["Django"]),
        "blocker": seed(db, _id("blocker"), "Django backend services", "Flutter app development", ["Django"]),
        "deleted": seed(db, _id("deleted"), "Django backend APIs", "Flutter apps", ["Django"], deleted=True),
    }
    db.collection("swipes").document(f"{uid}_{people['swiped']}").set(
        {"swiper_id": uid, "target_id": people["swiped"], "target_type": "user", "direction": "left"}
    )
    db.collection("blocks").document(f"{people['blocker']}_{uid}").set(
        {"blocker_id": people["blocker"], "blocked_id": uid}
    )
    return people


def test_live_recommendations_rank_the_two_sided_match_first_and_filter_everyone_excluded(
    emulators: Emulators, uid: str, population: dict[str, str]
) -> None:
    res = emulators.call("get_recommendations", {"limit": 10}, uid=uid)
    assert res.status == "OK", res.error
    assert res.result["source"] == "live"
    ids = [r["id"] for r in res.result["recommendations"]]
    assert ids[0] == population["best"]
    assert uid not in ids
    for gone in ("swiped", "blocker", "deleted"):
        assert population[gone] not in ids
    top = res.result["recommendations"][0]
    assert "offers Django, which you need" in top["reasons"]
    assert "email" not in top["profile"] and top["profile"]["display_name"] == population["best"]


def test_nightly_run_precomputes_every_shard_and_a_redelivered_shard_changes_nothing(
    emulators: Emulators, db: Any, uid: str, population: dict[str, str]
) -> None:
    # Seen on a fresh clone: beside the POST below, a second nightly_recompute ran with the
    # current time as its schedule time; inside one minute both name the same run (idempotent),
    # across a minute boundary they are two runs and the later one keeps the documents. Not
    # understood yet (docs/matching.md): start well inside a minute, bounded by a deadline.
    wait_for(lambda: datetime.now(UTC).second < 40, timeout=25, interval=0.5, what="a fresh minute")
    when = datetime.now(UTC).replace(second=0, microsecond=0)
    run_id = "nightly-" + when.strftime("%Y%m%dT%H%M")
    assert emulators.run_scheduled("nightly_recompute", when).status_code == 200
    job_ref = db.collection("jobs").document(run_id)
    job = wait_for(
        lambda: (j := job_ref.get().to_dict()) and j.get("status") == "complete" and j,
        timeout=60,
        what="nightly run complete",
    )
    assert job["shards_done"] == list(range(job["shards"])) or sorted(job["shards_done"]) == list(range(job["shards"]))
    assert job["users_done"] == 6  # the deleted card is not a user to recommend for
    rec = db.collection("recommendations").document(uid).get().to_dict()
    assert rec["run_id"] == run_id and rec["items"][0]["id"] == population["best"]
    assert population["swiped"] not in rec["candidate_ids"] and population["blocker"] not in rec["candidate_ids"]

    res = emulators.call("get_recommendations", {"limit": 3}, uid=uid)
    assert res.result["source"] == "precomputed" and res.result["recommendations"][0]["id"] == population["best"]

    # a swipe since the run drops that person from the precomputed answer
    db.collection("swipes").document(f"{uid}_{population['best']}").set(
        {"swiper_id": uid, "target_id": population["best"], "target_type": "user", "direction": "right"}
    )
    res = emulators.call("get_recommendations", {"limit": 3}, uid=uid)
    assert res.result["source"] == "precomputed"
    assert population["best"] not in [r["id"] for r in res.result["recommendations"]]

    # redelivery of shard 0: same job counts, documents rewritten for the same run
    before = job_ref.get().to_dict()
    emulators.publish("recompute-shard", {"shard": 0, "shards": job["shards"], "run_id": run_id})
    wait_for(
        lambda: (job_ref.get().to_dict() or {}).get("shard_seconds", {}) != before.get("shard_seconds"),
        timeout=30,
        what="redelivered shard processed",
    )
    after = job_ref.get().to_dict()
    assert after["users_done"] == before["users_done"] and after["status"] == "complete"
    assert sorted(after["shards_done"]) == sorted(before["shards_done"])


def test_a_run_of_several_shards_completes_once_every_shard_is_done_with_every_user_counted(
    db: Any, uid: str, population: dict[str, str]
) -> None:
    """Shards finish close together and each records itself in one transaction: none of them
    overwrites another's count."""
    from gitalong.matching import recompute

    run_id = f"test-{uuid.uuid4().hex[:8]}"
    job = recompute.start_run(run_id, shards=4)  # publishes 4 recompute-shard messages
    assert job["shards"] == 4 and job["status"] == "running"
    job_ref = db.collection("jobs").document(run_id)
    done = wait_for(lambda: (j := job_ref.get().to_dict()) and j.get("status") == "complete" and j,
                    timeout=180, what="four shards complete")
    assert sorted(done["shards_done"]) == [0, 1, 2, 3]
    assert done["users_done"] == 6 == sum(done["shard_users"].values())
    assert set(done["shard_seconds"]) == {"0", "1", "2", "3"} and done["duration_seconds"] >= 0
    for user in (uid, population["best"]):
        assert db.collection("recommendations").document(user).get().get("run_id") == run_id


def test_a_profile_updated_message_refreshes_that_users_recommendations(
    emulators: Emulators, db: Any, uid: str, population: dict[str, str]
) -> None:
    emulators.publish("profile-updated", {"uid": uid})
    ref = db.collection("recommendations").document(uid)
    rec = wait_for(lambda: ref.get().to_dict(), timeout=30, what="recommendations written")
    assert rec["run_id"].startswith("profile-updated:")
    assert rec["candidate_ids"][0] == population["best"]


def test_find_reciprocal_matches_reports_both_directions_and_their_harmonic_mean(
    emulators: Emulators, uid: str, population: dict[str, str]
) -> None:
    res = emulators.call("find_reciprocal_matches", {"limit": 5}, uid=uid)
    assert res.status == "OK", res.error
    top = res.result["matches"][0]
    assert top["id"] == population["best"]
    a, b = top["offer_score"], top["need_score"]
    assert abs(top["score"] - 2 * a * b / (a + b)) < 1e-4
    ids = [m["id"] for m in res.result["matches"]]
    assert population["blocker"] not in ids and population["swiped"] not in ids and uid not in ids
    # explicit texts override the profile: offering marketing ranks the marketer's counterpart first
    res = emulators.call(
        "find_reciprocal_matches", {"offer_text": "SEO and marketing", "need_text": "Django backend"}, uid=uid
    )
    assert res.result["matches"][0]["id"] == population["one_sided"]


def test_search_finds_by_meaning_and_filters_by_mode_and_city(emulators: Emulators, db: Any, uid: str) -> None:
    seed(db, uid, "Python", "data help")
    guitar = seed(db, _id("g"), "guitar lessons for beginners", "help with my website", city="Accra")
    seed(db, _id("k"), "kubernetes cluster operations", "guitar lessons", city="Lagos")
    res = emulators.call("search_profiles", {"query": "instrument teacher", "mode": "offers"}, uid=uid)
    assert res.status == "OK", res.error
    assert res.result["results"][0]["id"] == guitar
    res = emulators.call("search_profiles", {"query": "instrument teacher", "mode": "offers", "city": "Lagos"}, uid=uid)
    assert guitar not in [r["id"] for r in res.result["results"]]
    res = emulators.call("search_profiles", {"query": "instrument teacher", "mode": "needs"}, uid=uid)
    assert res.result["results"][0]["id"] != guitar


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"query": "   "}, "query"),
        ({"query": "x" * 10_000}, "query"),
        ({"query": "flutter", "limit": 0}, "limit"),
        ({"query": "flutter", "limit": 10_000}, "limit"),
        ({"query": "flutter", "mode": "telepathy"}, "mode"),
    ],
)
def test_bad_search_input_is_invalid_argument_naming_the_field(
    emulators: Emulators, uid: str, data: dict[str, Any], field: str
) -> None:
    res = emulators.call("search_profiles", data, uid=uid)
    assert res.status == "INVALID_ARGUMENT"
    assert field in res.field_errors


def test_similar_users_lists_shared_skills(emulators: Emulators, db: Any, uid: str) -> None:
    seed(db, uid, skills=["Flutter", "Python", "Docker"])
    twin = seed(db, _id("twin"), skills=["Flutter", "Python", "Figma"])
    seed(db, _id("far"), skills=["Marketing"])
    res = emulators.call("similar_users", {"limit": 5}, uid=uid)
    assert res.status == "OK", res.error
    top = res.result["similar_users"][0]
    assert top["id"] == twin and top["shared_skills"] == ["Flutter", "Python"]


def test_a_user_with_an_empty_profile_gets_popular_people_in_their_city_and_is_told_so(
    emulators: Emulators, db: Any, uid: str
) -> None:
    seed(db, uid, city="Nairobi")
    star, other = seed(db, _id("star"), "Go", "Rust", city="Nairobi"), seed(db, _id("o"), "Go", "Rust", city="Nairobi")
    seed(db, _id("far"), "Go", "Rust", city="Lima")
    for fan in ("f1", "f2"):
        db.collection("swipes").document(f"{fan}_{star}").set(
            {"swiper_id": fan, "target_id": star, "target_type": "user", "direction": "right"}
        )
    res = emulators.call("get_recommendations", {"limit": 2}, uid=uid)
    assert res.status == "OK", res.error
    recs = res.result["recommendations"]
    assert [r["id"] for r in recs] == [star, other]
    assert recs[0]["reasons"][0] == "popular in Nairobi"


def test_project_recommendations_match_needed_skills_to_what_i_offer(emulators: Emulators, db: Any, uid: str) -> None:
    seed(db, uid, "Flutter mobile development", "", ["Flutter", "Dart"])
    db.collection("projects").document("p-app").set(
        {"owner_id": "someone", "title": "Campus app", "description": "a mobile app", "skills_needed": ["Flutter"]}
    )
    db.collection("projects").document("p-ml").set(
        {"owner_id": "someone", "title": "Model zoo", "description": "PyTorch models", "skills_needed": ["PyTorch"]}
    )
    db.collection("projects").document("p-mine").set(
        {"owner_id": uid, "title": "Mine", "description": "Flutter", "skills_needed": ["Flutter"]}
    )
    res = emulators.call("get_recommendations", {"target_type": "project"}, uid=uid)
    assert res.status == "OK", res.error
    ids = [r["id"] for r in res.result["recommendations"]]
    assert ids[0] == "p-app" and "p-mine" not in ids
    assert res.result["recommendations"][0]["reasons"] == ["needs Flutter, which you offer"]


def test_limit_out_of_range_is_invalid_argument(emulators: Emulators, uid: str) -> None:
    for limit in (0, 10_000):
        res = emulators.call("get_recommendations", {"limit": limit}, uid=uid)
        assert res.status == "INVALID_ARGUMENT" and "limit" in res.field_errors
