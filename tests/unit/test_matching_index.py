"""The in-process candidate index ranks exactly as brute force does, and forgets what it is told to."""

from __future__ import annotations

import numpy as np

from gitalong.matching import VECTOR_DIM
from gitalong.matching.index import CandidateIndex
from gitalong.matching.scoring import Population, augmented_for_batch, reciprocal_with_fallback
from gitalong.matching.topk import reciprocal_topk


def _unit(rng: np.random.Generator, n: int) -> np.ndarray:
    v = rng.standard_normal((n, VECTOR_DIM)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _filled(n: int = 3000, seed: int = 3) -> tuple[CandidateIndex, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    offers, needs, skills = _unit(rng, n), _unit(rng, n), _unit(rng, n)
    index = CandidateIndex(capacity=16)  # grows by doubling past this
    for i in range(n):
        index.upsert(f"u{i}", offers[i], needs[i], skills[i], city="Lagos" if i % 3 else "Accra")
    return index, offers, needs, skills


def test_reciprocal_top_k_is_the_brute_force_top_k_over_everyone() -> None:
    index, offers, needs, _ = _filled()
    me_offer, me_need = offers[7], needs[7]
    got = index.reciprocal(me_offer, me_need, 25, exclude={"u7"})
    score, _, _ = reciprocal_with_fallback(me_offer, me_need, offers, needs, Population.of(offers, needs))
    score[7] = -np.inf
    expected = np.argsort(-score, kind="stable")[:25]
    assert [g[0] for g in got] == [f"u{i}" for i in expected]
    top = got[0]
    assert abs(top[1] - 2 * top[2] * top[3] / (top[2] + top[3])) < 1e-5


def test_excluded_discarded_and_replaced_people_are_ranked_as_told() -> None:
    index, offers, needs, skills = _filled(500)
    best = index.reciprocal(offers[0], needs[0], 3, exclude={"u0"})[0][0]
    assert best not in [g[0] for g in index.reciprocal(offers[0], needs[0], 3, exclude={"u0", best})]
    index.discard(best)
    assert best not in index and best not in [g[0] for g in index.reciprocal(offers[0], needs[0], 500)]
    # a new person exactly complementary to u0 comes first
    index.upsert("twin", needs[0], offers[0], skills[0])
    assert index.reciprocal(offers[0], needs[0], 1, exclude={"u0"})[0][0] == "twin"
    assert len(index) == 500  # the discarded row was reused


def test_nearest_filters_by_city_and_takes_the_better_of_several_fields() -> None:
    index, offers, needs, _ = _filled(600)
    hits = index.nearest(offers[4], ("offer_vec",), 5, city="Lagos")
    assert hits[0][0] == "u4" and all(int(h[0][1:]) % 3 for h in hits)
    both = index.nearest(needs[9], ("offer_vec", "need_vec"), 1)
    assert both[0][0] == "u9" and abs(both[0][1] - 1.0) < 1e-5
    assert index.nearest(offers[3], ("offer_vec",), 5, city="Nowhere") == []


def test_an_empty_index_and_a_viewer_with_nothing_answer_empty_or_zero() -> None:
    empty = CandidateIndex()
    zero = np.zeros(VECTOR_DIM, dtype=np.float32)
    assert empty.reciprocal(zero, zero, 5) == [] and empty.nearest(zero, ("offer_vec",), 5) == []
    index, *_ = _filled(50)
    assert all(score == 0 for _, score, _, _ in index.reciprocal(zero, zero, 5))


def test_the_batch_engine_ranks_with_the_same_hubness_correction_as_the_live_index() -> None:
    index, offers, needs, _ = _filled(2000, seed=5)
    viewers = [3, 17, 400]
    v_offers, v_needs, c_offers, c_needs = augmented_for_batch(Population.of(offers, needs), viewers)
    idx, scores = reciprocal_topk(v_offers, v_needs, c_offers, c_needs, 10, viewer_cols=viewers)
    for row, v in enumerate(viewers):
        live = index.reciprocal(offers[v], needs[v], 10, exclude={f"u{v}"})
        assert [f"u{c}" for c in idx[row]] == [g[0] for g in live]
        assert np.allclose(scores[row], [g[1] for g in live], atol=1e-4)

