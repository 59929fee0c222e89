"""The process's :class:`~gitalong.matching.index.CandidateIndex`, filled from ``profiles`` and kept fresh.

First use streams every card's compact vectors (``rerank``, ``skills_vec``, ``city``; never
the public card). Every later use first asks for the cards with an ``updated_at`` after the
newest it has seen (every write of a card sets it to the commit's server time, so a card
committed after that read has a later one): with no change that is one query answering
nothing. A card marked ``deleted`` leaves the index; a card removed outright stays until the
next full reload (every :data:`FULL_RELOAD_AFTER`) or until :func:`ranked_cards` fetches it
and finds it gone: then it is dropped and the ranking asked again, so a stale row never shows
a deleted person nor takes a live one's place.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from gitalong.matching import ENCODER_ID, store
from gitalong.matching.index import CandidateIndex
from gitalong.profiles import store as profiles_store

logger = logging.getLogger(__name__)

Hit = TypeVar("Hit", bound=Sequence[Any])

INDEX_FIELDS = ["rerank", "skills_vec", "encoder", "city", "deleted", "updated_at"]
FULL_RELOAD_AFTER = 15 * 60.0

_lock = threading.Lock()
_state: dict[str, Any] = {"index": None, "watermark": None, "loaded_at": 0.0, "project": None}


def _apply(index: CandidateIndex, uid: str, doc: dict[str, Any]) -> None:
    if not profiles_store.live(doc) or doc.get("encoder") != ENCODER_ID:
        index.discard(uid)
        return
    index.upsert(
        uid,
        store.vec(doc, "offer_vec"),
        store.vec(doc, "need_vec"),
        store.vec(doc, "skills_vec"),
        str(doc.get("city") or ""),
    )


def _newest(current: datetime | None, doc: dict[str, Any]) -> datetime | None:
    seen = store.as_datetime(doc.get("updated_at"))
    if seen is None:
        return current
    return seen if current is None or seen > current else current


def get(db: Any) -> CandidateIndex:
    """The index, brought up to date with every card written since the last call."""
    from gitalong.infra.firestore import FieldFilter

    with _lock:
        index: CandidateIndex | None = _state["index"]
        stale = time.monotonic() - _state["loaded_at"] > FULL_RELOAD_AFTER
        if index is None or stale or _state["project"] != db.project:
            began = time.perf_counter()
            index, watermark = CandidateIndex(), None
            for snap in db.collection(profiles_store.PROFILES).select(INDEX_FIELDS).stream():
                doc = snap.to_dict() or {}
                _apply(index, snap.id, doc)
                watermark = _newest(watermark, doc)
            _state.update(index=index, watermark=watermark, loaded_at=time.monotonic(), project=db.project)
            logger.info("candidate index: %d cards loaded in %.0f ms", len(index), (time.perf_counter() - began) * 1e3)
            return index
        watermark = _state["watermark"]
        query = db.collection(profiles_store.PROFILES)
        if watermark is not None:
            # ">", not ">=": one query reads one snapshot, so every commit at or before the newest
            # updated_at it returned was in it; ">=" would re-read a whole batch written in one
            # commit (same timestamp) on every call.
            query = query.where(filter=FieldFilter("updated_at", ">", watermark))
        changed = 0
        for snap in query.select(INDEX_FIELDS).stream():
            doc = snap.to_dict() or {}
            _apply(index, snap.id, doc)
            watermark = _newest(watermark, doc)
            changed += 1
        _state["watermark"] = watermark
        if changed > 50:
            logger.info("candidate index: %d cards refreshed", changed)
        return index


def ranked_cards(
    db: Any, index: CandidateIndex, rank: Callable[[int], list[Hit]], want: int
) -> tuple[list[Hit], dict[str, dict[str, Any]]]:
    """The best ``want`` hits whose cards are live, and those cards.

    ``rank(n)`` asks the index for its ``n`` best (each hit's first item is the id). Ids whose
    card is gone or deleted are dropped from the index and the ranking is asked again (for more
    when they crowded out live ones; at most four rounds), so rows of removed cards never crowd out live ones —
    nor, when ``rank`` diversifies (its choice depends on every row it saw), shape the choice:
    a round that met a removed card is always run again without it.
    """
    extra = 5
    live: list[Hit] = []
    cards: dict[str, dict[str, Any]] = {}
    for _ in range(4):
        with _lock:
            hits = rank(want + extra)
        cards = store.candidate_cards(db, [str(h[0]) for h in hits])
        gone = [str(h[0]) for h in hits if h[0] not in cards]
        live = [h for h in hits if h[0] in cards]
        if not gone:
            break
        with _lock:
            for uid in gone:
                index.discard(uid)
        if len(live) < want and len(hits) == want + extra:
            extra *= 4  # the removed crowded out live ones: ask for more
    return live[:want], cards
