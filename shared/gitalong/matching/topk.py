"""Batched reciprocal top-K for many viewers at once, with per-viewer exclusions.

All viewers x all candidates is computed block by block with two matrix products; then, a
few rows at a time while they are in cache, the in-place harmonic mean, the exclusions
(self, swiped, blocked: fancy-indexing assignments from a CSR list) and the group maxima
that let top-K partition only a few columns. No Python loop runs over pairs; the loops are
over blocks of viewers and chunks of their rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from gitalong.matching.scoring import half_harmonic_inplace

F32 = npt.NDArray[np.float32]
I64 = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Exclusions:
    """Per-viewer excluded candidate columns in CSR form: row i excludes ``cols[ptr[i]:ptr[i+1]]``."""

    ptr: I64
    cols: I64

    @classmethod
    def from_lists(cls, lists: Sequence[Sequence[int] | np.ndarray]) -> Exclusions:
        lengths = np.fromiter((len(x) for x in lists), dtype=np.int64, count=len(lists))
        ptr = np.zeros(len(lists) + 1, dtype=np.int64)
        np.cumsum(lengths, out=ptr[1:])
        cols = np.fromiter((c for x in lists for c in x), dtype=np.int64, count=int(ptr[-1]))
        return cls(ptr, cols)

    def block(self, start: int, stop: int) -> tuple[I64, I64]:
        """``(rows, cols)`` of the exclusions of viewers ``start..stop``, rows relative to start."""
        lo, hi = int(self.ptr[start]), int(self.ptr[stop])
        counts = np.diff(self.ptr[start : stop + 1])
        rows = np.repeat(np.arange(stop - start, dtype=np.int64), counts)
        return rows, self.cols[lo:hi]


def _block_size(n_candidates: int, budget_bytes: int) -> int:
    # two float32 buffers of block x N (offer side, need side); the scratch is a few rows
    return max(1, min(4096, budget_bytes // max(1, 8 * n_candidates)))


_CHUNK = 16  # columns per group in top_k_rows
_NONE = np.empty(0, dtype=np.int64)
_ROWS_PER_CHUNK = 16
"""Rows scored at a time inside a block: three such row slices (~6 MB at N = 100k) stay in
the L3 cache through the harmonic mean, the exclusions and the group maxima, instead of
streaming the whole block from memory once per pass (a third faster)."""


def reciprocal_topk(
    viewer_offer: F32,
    viewer_need: F32,
    cand_offer: F32,
    cand_need: F32,
    k: int,
    exclusions: Exclusions | None = None,
    viewer_cols: npt.ArrayLike | None = None,
    memory_budget_bytes: int = 256 * 2**20,
) -> tuple[I64, F32]:
    """Top-``k`` candidate columns per viewer by reciprocal score, best first.

    ``viewer_cols[i]`` is viewer i's own column among the candidates (or -1): never
    recommended to itself. Excluded and self entries never appear; when fewer than ``k``
    candidates remain the row is padded with index -1 and score -inf.
    Returns ``(indices [V, k], scores [V, k])``.
    """
    n_viewers, n_cand = viewer_offer.shape[0], cand_offer.shape[0]
    k_eff = min(k, n_cand)
    out_idx = np.full((n_viewers, k), -1, dtype=np.int64)
    out_score = np.full((n_viewers, k), -np.inf, dtype=np.float32)
    if n_viewers == 0 or n_cand == 0 or k_eff == 0:
        return out_idx, out_score
    cand_offer_t = np.asarray(cand_offer, dtype=np.float32).T  # a view: BLAS reads it transposed, no copy
    cand_need_t = np.asarray(cand_need, dtype=np.float32).T
    selfs = None if viewer_cols is None else np.asarray(viewer_cols, dtype=np.int64)
    bs = _block_size(n_cand, memory_budget_bytes)
    buf_a = np.empty((bs, n_cand), dtype=np.float32)
    buf_b = np.empty((bs, n_cand), dtype=np.float32)
    scratch = np.empty((_ROWS_PER_CHUNK, n_cand), dtype=np.float32)
    for start in range(0, n_viewers, bs):
        stop = min(n_viewers, start + bs)
        a, b = buf_a[: stop - start], buf_b[: stop - start]
        np.matmul(np.asarray(viewer_need[start:stop], dtype=np.float32), cand_offer_t, out=a)
        np.matmul(np.asarray(viewer_offer[start:stop], dtype=np.float32), cand_need_t, out=b)
        rows, cols = exclusions.block(start, stop) if exclusions is not None else (_NONE, _NONE)
        own = None if selfs is None else selfs[start:stop]
        maxima = _score_block(a, b, scratch, rows, cols, own, k_eff)
        idx, sc = top_k_rows(a, k_eff, maxima)
        out_idx[start:stop, :k_eff] = idx
        out_score[start:stop, :k_eff] = 2 * sc
    return out_idx, out_score


def _score_block(a: F32, b: F32, scratch: F32, rows: I64, cols: I64, own: I64 | None, k: int) -> F32 | None:
    """Turn ``a`` into half harmonic scores with exclusions and self at -inf, a few rows at a
    time; returns the rows' group maxima for :func:`top_k_rows` (``None`` if it won't use them)."""
    m, n = a.shape
    groups = n // _CHUNK
    maxima = np.empty((m, groups), dtype=np.float32) if groups >= 2 * k else None
    bounds = np.searchsorted(rows, np.arange(0, m + _ROWS_PER_CHUNK, _ROWS_PER_CHUNK))  # CSR rows are sorted
    for chunk, r in enumerate(range(0, m, _ROWS_PER_CHUNK)):
        x, y = a[r : r + _ROWS_PER_CHUNK], b[r : r + _ROWS_PER_CHUNK]
        half_harmonic_inplace(x, y, scratch[: x.shape[0]])
        lo, hi = bounds[chunk], bounds[chunk + 1]
        x[rows[lo:hi] - r, cols[lo:hi]] = -np.inf
        if own is not None:
            mine = own[r : r + _ROWS_PER_CHUNK]
            ok = np.nonzero(mine >= 0)[0]
            x[ok, mine[ok]] = -np.inf
        if maxima is not None:
            _group_maxima(x, groups, out=maxima[r : r + x.shape[0]])
    return maxima


def _group_maxima(a: F32, groups: int, out: F32 | None = None) -> F32:
    """Per row, the max of each column group ``j % groups`` (an element-wise max of ``_CHUNK``
    contiguous slabs of the first ``groups * _CHUNK`` columns): ``[m, groups]``."""
    return a[:, : groups * _CHUNK].reshape(a.shape[0], _CHUNK, groups).max(axis=1, out=out)


def top_k_rows(a: F32, k: int, maxima: F32 | None = None) -> tuple[I64, F32]:
    """Per-row top-``k`` (indices, values), best first; -1 where a row has fewer finite values.

    ``argpartition`` over whole rows costs as much as the matrix product here, so columns
    are first split into ``g = n // 16`` groups (column ``j`` in group ``j % g``: the max is
    then an element-wise max of 16 contiguous slabs). The row's top-``k`` values all lie in
    its ``k`` groups with the largest maxima (a value outside them is beaten by those ``k``
    maxima), so only those ``16k`` columns are partitioned and sorted. ``maxima``: the group
    maxima when the caller already has them (``[m, g]``, used only when ``g >= 2k``).
    """
    m, n = a.shape
    k = min(k, n)
    groups = n // _CHUNK
    if groups < 2 * k:
        cand = np.argpartition(a, n - k, axis=1)[:, n - k :] if k < n else np.tile(np.arange(n), (m, 1))
    else:
        if maxima is None:
            maxima = _group_maxima(a, groups)
        best = np.argpartition(maxima, groups - k, axis=1)[:, groups - k :]
        cand = (best[:, :, None] + groups * np.arange(_CHUNK)[None, None, :]).reshape(m, k * _CHUNK)
        if groups * _CHUNK < n:
            tail = np.arange(groups * _CHUNK, n)
            cand = np.concatenate([cand, np.broadcast_to(tail, (m, tail.shape[0]))], axis=1)
        vals = np.take_along_axis(a, cand, axis=1)
        sel = np.argpartition(vals, vals.shape[1] - k, axis=1)[:, vals.shape[1] - k :]
        cand = np.take_along_axis(cand, sel, axis=1)
    vals = np.take_along_axis(a, cand, axis=1)
    order = np.argsort(-vals, axis=1, kind="stable")
    idx = np.take_along_axis(cand, order, axis=1).astype(np.int64)
    sc = np.take_along_axis(vals, order, axis=1)
    idx[~np.isfinite(sc)] = -1
    return idx, sc
