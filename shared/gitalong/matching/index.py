"""An in-process index of every card's vectors: exact top-k over all people in one mat-vec.

Rows hold ``offer_vec``, ``need_vec`` and ``skills_vec`` (float32, contiguous per field, grown
by doubling) and the card's city. :meth:`CandidateIndex.reciprocal` ranks *everyone* by the
reciprocal score (no candidate pool to miss someone who is only moderately close in both
directions); :meth:`CandidateIndex.nearest` is plain top-k on one field. Pure numpy; the
Firestore side that fills and refreshes it is :mod:`gitalong.matching.candidate_index`.

Cost per query: 2 x N x 384 multiply-adds for reciprocal (≈ 1 ms at N = 10k, ≈ 10 ms at 100k
on one core); memory 4.6 KB per person (460 MB at 100k: where this design bends, see
docs/matching.md).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

from gitalong.matching import VECTOR_DIM
from gitalong.matching.scoring import Population, reciprocal_with_fallback

F32 = npt.NDArray[np.float32]
FIELDS = ("offer_vec", "need_vec", "skills_vec")


class CandidateIndex:
    """Vectors by id, for exact brute-force ranking; rows of removed ids are reused."""

    def __init__(self, capacity: int = 1024) -> None:
        self._ids: list[str | None] = []
        self._row: dict[str, int] = {}
        self._free: list[int] = []
        self._vecs = {f: np.zeros((capacity, VECTOR_DIM), dtype=np.float32) for f in FIELDS}
        self._used = np.zeros(capacity, dtype=bool)
        self._city: list[str] = []
        self._population: Population | None = None

    def __len__(self) -> int:
        return len(self._row)

    def __contains__(self, uid: object) -> bool:
        return uid in self._row

    def upsert(self, uid: str, offer: F32, need: F32, skills: F32, city: str = "") -> None:
        """Insert or replace ``uid``'s vectors."""
        row = self._row.get(uid)
        if row is None:
            row = self._free.pop() if self._free else self._append()
            self._row[uid] = row
            self._ids[row] = uid
        for field, value in zip(FIELDS, (offer, need, skills), strict=True):
            self._vecs[field][row] = value
        self._used[row] = True
        self._city[row] = city or ""
        self._population = None

    def discard(self, uid: str) -> None:
        """Remove ``uid`` (no error when absent)."""
        row = self._row.pop(uid, None)
        if row is None:
            return
        self._ids[row] = None
        self._used[row] = False
        for field in FIELDS:
            self._vecs[field][row] = 0.0
        self._city[row] = ""
        self._free.append(row)
        self._population = None

    def _append(self) -> int:
        row = len(self._ids)
        if row >= len(self._vecs[FIELDS[0]]):
            for field in FIELDS:
                grown = np.zeros((2 * len(self._vecs[field]), VECTOR_DIM), dtype=np.float32)
                grown[:row] = self._vecs[field][:row]
                self._vecs[field] = grown
            used = np.zeros(2 * len(self._used), dtype=bool)
            used[:row] = self._used[:row]
            self._used = used
        self._ids.append(None)
        self._city.append("")
        return row

    def _matrix(self, field: str) -> F32:
        return self._vecs[field][: len(self._ids)]

    def _top(self, scores: F32, k: int, exclude: Iterable[str], city: str | None) -> list[int]:
        scores = np.where(self._used[: len(scores)], scores, -np.inf).astype(np.float32)
        rows = [self._row[u] for u in exclude if u in self._row]
        scores[rows] = -np.inf
        if city is not None:
            scores[np.asarray(self._city, dtype=object) != city] = -np.inf
        k = min(k, int(np.isfinite(scores).sum()))
        if k <= 0:
            return []
        head = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
        return sorted(head.tolist(), key=lambda r: (-float(scores[r]), self._ids[r] or ""))

    def reciprocal(
        self, my_offer: F32, my_need: F32, k: int, exclude: Iterable[str] = ()
    ) -> list[tuple[str, float, float, float]]:
        """The ``k`` best ``(id, score, offer_score, need_score)`` by the hubness-corrected reciprocal score."""
        if not len(self._ids):
            return []
        score, offer_score, need_score = reciprocal_with_fallback(
            my_offer, my_need, self._matrix("offer_vec"), self._matrix("need_vec"), self.population()
        )
        return [
            (str(self._ids[r]), float(score[r]), float(offer_score[r]), float(need_score[r]))
            for r in self._top(score, k, exclude, None)
        ]

    def population(self) -> Population:
        """Everyone's hubness (recomputed after a change: two mat-vecs, ≈ 1 ms at 10k people)."""
        if self._population is None:
            self._population = Population.of(self._matrix("offer_vec"), self._matrix("need_vec"))
        return self._population

    def nearest(
        self, query: F32, fields: Iterable[str], k: int, exclude: Iterable[str] = (), city: str | None = None
    ) -> list[tuple[str, float]]:
        """The ``k`` best ``(id, score)`` by dot product with ``query``: the best of ``fields`` per row."""
        if not len(self._ids):
            return []
        scores = np.max(np.stack([self._matrix(f) @ query for f in fields]), axis=0).astype(np.float32)
        return [(str(self._ids[r]), float(scores[r])) for r in self._top(scores, k, exclude, city)]

    def vectors(self, uid: str) -> tuple[F32, F32, F32] | None:
        """``uid``'s three vectors (copies), or None."""
        row = self._row.get(uid)
        if row is None:
            return None
        offer, need, skills = (self._vecs[f][row].copy() for f in FIELDS)
        return offer, need, skills
