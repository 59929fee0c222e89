"""Semantic search over offers/needs, and people with similar skills."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from gitalong.adapters import firestore
from gitalong.errors import InvalidArgument
from gitalong.matching.encode import encode_text
from gitalong.matching.reasons import shared_skills
from gitalong.profiles import public_card
from gitalong.services import matching_store as store

logger = logging.getLogger(__name__)

MIN_SCORE = 0.05
FIELDS = {"offers": ("offer_vec",), "needs": ("need_vec",), "all": ("offer_vec", "need_vec")}


def search_profiles(uid: str, request: Any) -> dict[str, Any]:
    """The ``search_profiles`` callable: query text -> vector -> nearest offers/needs (by ``mode``)."""
    query = " ".join(request.query.split())
    if not query:
        raise InvalidArgument("the query is empty", [{"field": "query", "message": "must contain text"}])
    qvec = encode_text(query)
    if store.is_zero(qvec):
        raise InvalidArgument("the query has no searchable words", [{"field": "query", "message": "no words"}])
    db = firestore.client()
    _, blocked = store.exclusions_for(db, uid)
    best: dict[str, tuple[float, dict[str, Any]]] = {}
    pool = max(50, 3 * request.limit)
    for field in FIELDS[request.mode]:
        for cid, doc in store.nearest(db, field, qvec, pool, city=request.city):
            if cid == uid or cid in blocked:
                continue
            score = float(store.vec(doc, field) @ qvec)
            if score >= MIN_SCORE and score > best.get(cid, (-1.0, {}))[0]:
                best[cid] = (score, doc)
    ranked = sorted(best.items(), key=lambda kv: (-kv[1][0], kv[0]))[: request.limit]
    logger.info("search_profiles %s: %r (%s) -> %d results", uid, query[:80], request.mode, len(ranked))
    return {
        "results": [{"id": cid, "score": round(score, 6), "profile": public_card(doc)} for cid, (score, doc) in ranked]
    }


def similar_users(uid: str, request: Any) -> dict[str, Any]:
    """The ``similar_users`` callable: nearest ``skills_vec``, with the skills both list."""
    db = firestore.client()
    me = store.get_profile(db, uid) or {}
    mine = store.vec(me, "skills_vec")
    if store.is_zero(mine):
        logger.info("similar_users %s: no skills yet, empty answer", uid)
        return {"similar_users": []}
    _, blocked = store.exclusions_for(db, uid)
    out = []
    for cid, doc in store.nearest(db, "skills_vec", mine, request.limit + len(blocked) + 1):
        if cid == uid or cid in blocked:
            continue
        score = float(np.dot(store.vec(doc, "skills_vec"), mine))
        if score <= 0:
            continue
        out.append(
            {"id": cid, "score": round(score, 6), "shared_skills": shared_skills(me, doc), "profile": public_card(doc)}
        )
    return {"similar_users": out[: request.limit]}
