"""Diversity: keep the top of a list from being near-duplicates (maximal marginal relevance)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

F32 = npt.NDArray[np.float32]


def mmr(
    scores: npt.ArrayLike, vectors: npt.ArrayLike, limit: int, lam: float = 0.8, dup_threshold: float = 0.97
) -> list[int]:
    """Positions of ``limit`` items chosen greedily by ``lam*score - (1-lam)*max_sim_to_chosen``.

    ``vectors`` are L2-normalized item vectors (rows). An item whose similarity to an
    already chosen one is at least ``dup_threshold`` is taken only when nothing else is
    left. Deterministic; ties keep the input order.
    """
    s = np.asarray(scores, dtype=np.float32)
    v = np.asarray(vectors, dtype=np.float32)
    n = s.shape[0]
    if n == 0 or limit <= 0:
        return []
    sims = v @ v.T if n > 1 else np.ones((1, 1), dtype=np.float32)
    chosen: list[int] = []
    max_sim = np.full(n, -np.inf, dtype=np.float32)
    available = np.ones(n, dtype=bool)
    while len(chosen) < min(limit, n):
        penalty = np.where(np.isfinite(max_sim), max_sim, 0.0)
        value = lam * s - (1 - lam) * penalty
        value = np.where(max_sim >= dup_threshold, value - 10.0, value)
        value = np.where(available, value, -np.inf)
        best = int(np.argmax(value))
        chosen.append(best)
        available[best] = False
        max_sim = np.maximum(max_sim, sims[best])
    return chosen
