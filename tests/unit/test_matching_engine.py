"""Reciprocal scoring, batched top-K with exclusions, diversity and reasons."""

from __future__ import annotations

import numpy as np

from gitalong.matching.diversity import mmr
from gitalong.matching.reasons import reciprocal_reasons, shared_skills
from gitalong.matching.scoring import half_harmonic_inplace, harmonic, reciprocal_with_fallback
from gitalong.matching.topk import Exclusions, reciprocal_topk


def _unit(rng: np.random.Generator, n: int, d: int = 16) -> np.ndarray:
    x = rng.standard_normal((n, d)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_harmonic_mean_is_high_only_when_both_directions_are() -> None:
    h = harmonic([0.9, 0.9, 0.5, -0.3], [0.9, 0.1, 0.5, 0.8])
    assert np.allclose(h, [0.9, 0.18, 0.5, 0.0], atol=1e-5)


def test_in_place_harmonic_equals_the_plain_formula() -> None:
    rng = np.random.default_rng(1)
    a, b = rng.uniform(-1, 1, (3, 7)).astype(np.float32), rng.uniform(-1, 1, (3, 7)).astype(np.float32)
    expected = harmonic(a, b)
    assert np.allclose(2 * half_harmonic_inplace(a.copy(), b.copy(), np.empty_like(a)), expected, atol=1e-6)


def test_reciprocal_scores_name_each_direction() -> None:
    me_offer, me_need = np.array([1, 0], np.float32), np.array([0, 1], np.float32)
    their_offer = np.array([[0, 1], [1, 0]], np.float32)  # first offers what I need
    their_need = np.array([[1, 0], [1, 0]], np.float32)  # both need what I offer
    score, offer_score, need_score = reciprocal_with_fallback(me_offer, me_need, their_offer, their_need)
    assert offer_score.tolist() == [1.0, 0.0]
    assert need_score.tolist() == [1.0, 1.0]
    assert score[0] > 0.99 and score[1] < 1e-6


def test_batched_top_k_matches_brute_force_and_respects_exclusions_and_self() -> None:
    rng = np.random.default_rng(7)
    n, k = 300, 10
    offer, need = _unit(rng, n), _unit(rng, n)
    excl_lists = [list(rng.choice(n, size=20, replace=False)) for _ in range(n)]
    idx, scores = reciprocal_topk(
        offer,
        need,
        offer,
        need,
        k,
        Exclusions.from_lists(excl_lists),
        viewer_cols=np.arange(n),
        memory_budget_bytes=40 * 12 * n,  # forces blocks of 40 viewers
    )
    full = harmonic(need @ offer.T, offer @ need.T)
    for i in range(n):
        full[i, excl_lists[i]] = -np.inf
        full[i, i] = -np.inf
        expected = np.argsort(-full[i], kind="stable")[:k]
        assert np.allclose(scores[i], full[i, expected], atol=1e-5)
        assert i not in idx[i] and not set(idx[i]) & set(excl_lists[i])


def test_top_k_pads_with_minus_one_when_everything_is_excluded() -> None:
    rng = np.random.default_rng(3)
    offer, need = _unit(rng, 4), _unit(rng, 4)
    idx, scores = reciprocal_topk(offer[:1], need[:1], offer, need, 5, Exclusions.from_lists([[1, 2]]), [0])
    assert idx[0].tolist()[:1] == [3] and idx[0].tolist()[1:] == [-1] * 4
    assert np.isneginf(scores[0, 1:]).all()


def test_diversity_skips_near_duplicates_while_keeping_the_best_first() -> None:
    v = np.array([[1, 0], [1, 0], [0.99, 0.141], [0, 1]], np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    order = mmr([0.9, 0.89, 0.88, 0.5], v, 2)
    assert order == [0, 3]


def test_reasons_say_what_each_side_offers_and_the_shared_skills() -> None:
    me = {"skills": ["Python", "Go"], "services_needed": "help with Flutter apps", "city": "Lagos"}
    them = {"skills": ["Flutter", "Python"], "services_needed": "someone to teach me Go", "city": "Lagos"}
    reasons = reciprocal_reasons(me, them, 0.6, 0.5)
    assert reasons[0] == "offers Flutter, which you need"
    assert reasons[1] == "needs Go, which you offer"
    assert reasons[2] == "1 shared skill: Python"
    assert shared_skills(me, them) == ["Python"]


def test_reasons_are_never_empty() -> None:
    assert reciprocal_reasons({}, {}, 0.0, 0.0) == ["close match on skills and interests"]


def test_threshold_top_k_equals_a_full_sort_including_rows_with_few_finite_values() -> None:
    from gitalong.matching.topk import top_k_rows

    rng = np.random.default_rng(11)
    a = rng.standard_normal((50, 1003)).astype(np.float32)
    a[3, :] = -np.inf
    a[4, :] = -np.inf
    a[4, [7, 900]] = [0.5, 0.25]
    a[5, :] = 1.0  # all ties
    idx, sc = top_k_rows(a, 8)
    for r in range(50):
        expected = np.sort(a[r])[::-1][:8]
        assert np.array_equal(sc[r], expected)
        finite = np.isfinite(sc[r])
        assert np.array_equal(a[r, idx[r][finite]], sc[r][finite])
        assert (idx[r][~finite] == -1).all()
    assert idx[4].tolist()[:3] == [7, 900, -1]
    assert len(set(idx[5].tolist())) == 8
