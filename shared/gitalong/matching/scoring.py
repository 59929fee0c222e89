"""Reciprocal scores: how well two people serve each other's needs.

For a viewer A and a candidate B, with L2-normalized vectors:

- ``offer_score = sim(B.offer, A.need)``: how well their offer meets my need;
- ``need_score = sim(A.offer, B.need)``: how well my offer meets their need;
- ``score = 2ab / (a + b)``: the harmonic mean (RECON-style reciprocal score), high
  only when *both* directions are good. Negative similarities count as 0.
"""

from __future__ import annotations

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


def reciprocal(my_offer: F32, my_need: F32, their_offer: F32, their_need: F32) -> tuple[F32, F32, F32]:
    """``(score, offer_score, need_score)`` of one viewer against candidate rows."""
    offer_score = (their_offer @ my_need).astype(np.float32)
    need_score = (their_need @ my_offer).astype(np.float32)
    return harmonic(offer_score, need_score), offer_score, need_score


def reciprocal_with_fallback(
    my_offer: F32, my_need: F32, their_offers: F32, their_needs: F32
) -> tuple[F32, F32, F32]:
    """:func:`reciprocal`, except that a viewer with only one side is ranked by that side alone.

    Someone who wrote only what they need (or only lists skills to offer) still gets a
    ranking: by how well the others meet it (or need it). Both sides empty: all zeros.
    """
    offer_score = (their_offers @ my_need).astype(np.float32)
    need_score = (their_needs @ my_offer).astype(np.float32)
    if not my_need.any():
        return np.maximum(need_score, 0).astype(np.float32), offer_score, need_score
    if not my_offer.any():
        return np.maximum(offer_score, 0).astype(np.float32), offer_score, need_score
    return harmonic(offer_score, need_score), offer_score, need_score
