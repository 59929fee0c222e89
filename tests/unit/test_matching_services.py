"""Pure parts of the matching services: scoring a pool, one-sided fallback, stable shards."""

from __future__ import annotations

from gitalong.matching.encode import card_vectors
from gitalong.matching.index import CandidateIndex
from gitalong.matching.recompute import shard_of
from gitalong.matching.store import vec


def _card(offer: str, need: str) -> dict[str, object]:
    return {"skills_to_offer": offer, "services_needed": need, **card_vectors(offer, need, [])}


def _ranked(me: dict[str, object], pool: dict[str, dict[str, object]]) -> list[tuple[str, float, float, float]]:
    index = CandidateIndex()
    for cid, card in pool.items():
        index.upsert(cid, vec(card, "offer_vec"), vec(card, "need_vec"), vec(card, "skills_vec"))
    return index.reciprocal(vec(me, "offer_vec"), vec(me, "need_vec"), len(pool))


def test_pool_is_ranked_by_the_harmonic_mean_of_both_directions() -> None:
    me = _card("Flutter mobile apps", "Django backend")
    pool = {"both": _card("Django backend", "Flutter apps"), "one": _card("Django backend", "accounting"),
            "none": _card("knitting", "accounting")}
    ranked = _ranked(me, pool)
    assert [r[0] for r in ranked] == ["both", "one", "none"]
    _, score, a, b = ranked[0]
    assert abs(score - 2 * a * b / (a + b)) < 1e-5


def test_a_viewer_with_only_an_offer_is_ranked_by_who_needs_it() -> None:
    me = _card("Flutter mobile apps", "")
    pool = {"needs_it": _card("accounting", "Flutter apps"), "offers_it": _card("Flutter apps", "accounting"),
            "other": _card("knitting", "gardening")}
    ranked = _ranked(me, pool)
    assert ranked[0][0] == "needs_it" and ranked[0][1] > ranked[1][1] + 0.1


def test_malformed_stored_vectors_read_as_zeros() -> None:
    assert not vec({"offer_vec": [1.0, 2.0]}, "offer_vec").any()
    assert not vec({"offer_vec": "nope"}, "offer_vec").any()
    assert not vec(None, "offer_vec").any()


def test_shards_are_stable_and_cover_every_user() -> None:
    uids = [f"user{i}" for i in range(1000)]
    shards = [shard_of(u, 8) for u in uids]
    assert shards == [shard_of(u, 8) for u in uids]
    assert set(shards) == set(range(8))
