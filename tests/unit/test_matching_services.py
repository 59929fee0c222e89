"""Pure parts of the matching services: scoring a pool, one-sided fallback, stable shards."""

from __future__ import annotations

from gitalong.matching.encode import card_vectors
from gitalong.services.matching_store import vec
from gitalong.services.recommendations import score_candidates
from gitalong.services.recompute import shard_of


def _card(offer: str, need: str) -> dict[str, object]:
    return {"skills_to_offer": offer, "services_needed": need, **card_vectors(offer, need, [])}


def test_pool_is_ranked_by_the_harmonic_mean_of_both_directions() -> None:
    me = _card("Flutter mobile apps", "Django backend")
    pool = {"both": _card("Django backend", "Flutter apps"), "one": _card("Django backend", "accounting")}
    ranked = score_candidates(me, vec(me, "offer_vec"), vec(me, "need_vec"), pool)
    assert [r["id"] for r in ranked] == ["both", "one"]
    top = ranked[0]
    a, b = top["offer_score"], top["need_score"]
    assert abs(top["score"] - 2 * a * b / (a + b)) < 1e-5


def test_a_viewer_with_only_an_offer_is_ranked_by_who_needs_it() -> None:
    me = _card("Flutter mobile apps", "")
    pool = {"needs_it": _card("accounting", "Flutter apps"), "offers_it": _card("Flutter apps", "accounting")}
    ranked = score_candidates(me, vec(me, "offer_vec"), vec(me, "need_vec"), pool)
    assert ranked[0]["id"] == "needs_it" and ranked[0]["score"] > 0.3 and ranked[1]["score"] < 0.1


def test_malformed_stored_vectors_read_as_zeros() -> None:
    assert not vec({"offer_vec": [1.0, 2.0]}, "offer_vec").any()
    assert not vec({"offer_vec": "nope"}, "offer_vec").any()
    assert not vec(None, "offer_vec").any()


def test_shards_are_stable_and_cover_every_user() -> None:
    uids = [f"user{i}" for i in range(1000)]
    shards = [shard_of(u, 8) for u in uids]
    assert shards == [shard_of(u, 8) for u in uids]
    assert set(shards) == set(range(8))
