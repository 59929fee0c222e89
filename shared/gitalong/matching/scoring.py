"""Reciprocal scores: how well two people serve each other's needs.

For a viewer A and a candidate B, with L2-normalized vectors:

- ``offer_score = sim(B.offer, A.need)``: how well their offer meets my need;
- ``need_score = sim(A.offer, B.need)``: how well my offer meets their need;
- ``score = 2ab / (a + b)``: the harmonic mean (RECON-style reciprocal score), high
  only when *both* directions are good. Negative similarities count as 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

F32 = npt.NDArray[np.float32]
EPS = np.float32(1e-9)


def harmonic(a: npt.ArrayLike, b: npt.ArrayLike) -> F32:
    """Element-wise harmonic mean of two similarity arrays, negatives clipped to 0."""
    a32 = np.maximum(np.asarray(a, dtype=np.float32), 0)
    b32 = np.maximum(np.asarray(b, dtype=np.float32), 0)
    return (2 * a32 * b32 / (a32 + b32 + EPS)).astype(np.float32)


def half_harmonic_inplace(a: F32, b: F32, scratch: F32) -> F32:
    """``ab / (a + b)`` (half the harmonic mean) written into ``a``; ``b`` and ``scratch`` are clobbered.

    Five passes and no temporaries: the batch engine calls it on a few rows at a time (in
    cache), which keeps a shard's peak memory at two blocks of ``viewers x candidates``
    float32. Similarities are floored at ``EPS`` (so a pair with a non-positive side scores
    about ``EPS/2``, never more); the caller doubles only the top-K it keeps.
    """
    np.maximum(a, EPS, out=a)
    np.maximum(b, EPS, out=b)
    np.add(a, b, out=scratch)
    a *= b
    a /= scratch
    return a


@dataclass(frozen=True)
class Population:
    """The candidates' vectors with their hubness: how close each text is to everyone's, on average.

    Some texts ("I can help with anything tech") are close to everything and would be
    everyone's match. The correction (CSLS, Conneau et al. 2018, with the population's
    centroid in place of each text's k nearest) scores a pair by how much closer it is than
    both texts usually are: ``(2 sim(i, j) - r(i) - r(j) + 2) / 4``, where ``r`` of a need is its
    similarity to the mean offer and ``r`` of an offer its similarity to the mean need. About
    0.5 for an ordinary pair, higher the better; 0 when either text is empty. Measured on the
    paraphrase set (docs/matching.md): hit@1 0.45 -> 0.51 on dev, 0.43 -> 0.48 held out.
    """

    offers: F32
    needs: F32
    offer_centroid: F32
    need_centroid: F32
    r_offers: F32
    r_needs: F32
    has_offer: npt.NDArray[np.bool_]
    has_need: npt.NDArray[np.bool_]

    @classmethod
    def of(cls, offers: F32, needs: F32) -> Population:
        has_offer = np.asarray(offers.any(axis=1), dtype=np.bool_)
        has_need = np.asarray(needs.any(axis=1), dtype=np.bool_)
        offer_centroid = _mean(offers, has_offer)
        need_centroid = _mean(needs, has_need)
        return cls(offers, needs, offer_centroid, need_centroid, (offers @ need_centroid).astype(np.float32),
                   (needs @ offer_centroid).astype(np.float32), has_offer, has_need)

    def corrected(self, raw: F32, r_viewer: float, r_candidates: F32, present: npt.NDArray[np.bool_]) -> F32:
        """Hubness-corrected scores of one viewer's text against every candidate's (0 where either is empty)."""
        out = ((2 * raw - r_viewer - r_candidates + 2) / 4).astype(np.float32)
        out[~present] = 0.0
        return out

    def viewer_hubs(self, my_offer: F32, my_need: F32) -> tuple[float, float]:
        """``(r of my offer, r of my need)`` in this population."""
        return float(my_offer @ self.need_centroid), float(my_need @ self.offer_centroid)


def _mean(rows: F32, present: npt.NDArray[np.bool_]) -> F32:
    count = int(present.sum())
    if count == 0:
        return np.zeros(rows.shape[1], dtype=np.float32)
    return (rows.sum(axis=0) / count).astype(np.float32)


def reciprocal_with_fallback(
    my_offer: F32, my_need: F32, their_offers: F32, their_needs: F32, population: Population | None = None
) -> tuple[F32, F32, F32]:
    """``(score, offer_score, need_score)`` of one viewer against candidate rows.

    With a ``population`` (the served engine) both sides are hubness-corrected (see
    :class:`Population`; its rows must be ``their_offers``/``their_needs``); without, raw
    similarities. A viewer with only one side is ranked by that side alone: someone who wrote
    only what they need (or only lists skills) still gets a ranking. Both empty: all zeros.
    """
    offer_score = (their_offers @ my_need).astype(np.float32)
    need_score = (their_needs @ my_offer).astype(np.float32)
    if population is not None:
        r_my_offer, r_my_need = population.viewer_hubs(my_offer, my_need)
        offer_score = population.corrected(offer_score, r_my_need, population.r_offers,
                                           population.has_offer & bool(my_need.any()))
        need_score = population.corrected(need_score, r_my_offer, population.r_needs,
                                          population.has_need & bool(my_offer.any()))
    if not my_need.any():
        return np.maximum(need_score, 0).astype(np.float32), offer_score, need_score
    if not my_offer.any():
        return np.maximum(offer_score, 0).astype(np.float32), offer_score, need_score
    return harmonic(offer_score, need_score), offer_score, need_score


def augmented_for_batch(
    population: Population, viewer_rows: npt.ArrayLike
) -> tuple[F32, F32, F32, F32]:
    """Vectors whose plain dot products are :meth:`Population.corrected` scores, for the batch engine.

    Returns ``(viewer_offers, viewer_needs, candidate_offers, candidate_needs)`` of width
    ``d + 2`` (viewers: only ``viewer_rows`` of the population): ``[n/2, (2 - r(n))/4, -1/4] .
    [o, 1, r(o)] = (2 n.o - r(n) - r(o) + 2) / 4``, all zeros for an empty text, so
    ``reciprocal_topk`` ranks exactly as the live path does.
    """
    rows = np.asarray(viewer_rows, dtype=np.int64)

    def viewer(vectors: F32, r: F32, present: npt.NDArray[np.bool_]) -> F32:
        out = np.concatenate([vectors / 2, ((2 - r) / 4)[:, None], np.full((len(vectors), 1), -0.25)], axis=1)
        out[~present] = 0.0
        return out.astype(np.float32)

    def candidate(vectors: F32, r: F32, present: npt.NDArray[np.bool_]) -> F32:
        out = np.concatenate([vectors, np.ones((len(vectors), 1)), r[:, None]], axis=1).astype(np.float32)
        out[~present] = 0.0
        return out

    p = population
    return (
        viewer(p.offers[rows], p.r_offers[rows], p.has_offer[rows]),
        viewer(p.needs[rows], p.r_needs[rows], p.has_need[rows]),
        candidate(p.offers, p.r_offers, p.has_offer),
        candidate(p.needs, p.r_needs, p.has_need),
    )
