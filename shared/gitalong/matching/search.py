"""Semantic search over offers/needs, and people with similar skills."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from gitalong.core.errors import InvalidArgument
from gitalong.infra import firestore
from gitalong.matching import store
from gitalong.matching.encoder import encode_text, has_words
from gitalong.matching.reasons import search_reasons, shared_skills
from gitalong.profiles.model import public_card

if TYPE_CHECKING:
    from gitalong.contract.callables import SearchProfilesRequest, SimilarUsersRequest

logger = logging.getLogger(__name__)

MIN_SCORE = 0.05
FIELDS = {"offers": ("offer_vec",), "needs": ("need_vec",), "all": ("offer_vec", "need_vec")}
"""What each ``mode`` searches. ``offer_vec`` covers what people wrote they offer *and* the skills
they list, so a skills-only person is found by what their skills mean."""


def search_profiles(uid: str, request: SearchProfilesRequest) -> dict[str, Any]:
    """The ``search_profiles`` callable: query text -> vector -> best offers/needs (by ``mode``)."""
    from gitalong.matching import candidate_index

    query = " ".join(request.query.split())
    if not query:
        raise InvalidArgument("the query is empty", [{"field": "query", "message": "must contain text"}])
    if not has_words(query):
        raise InvalidArgument(
            "the query has no searchable words", [{"field": "query", "message": "needs a letter or a digit"}]
        )
    db = firestore.client()
    qvec, (_, blocked), index, me = store.in_parallel(
        lambda: encode_text(query),
        lambda: store.exclusions_for(db, uid),
        lambda: candidate_index.get(db),
        lambda: store.get_profile(db, uid),
    )
    skip, fields = blocked | {uid}, FIELDS[request.mode]

    def best(n: int) -> list[tuple[str, float]]:
        return [h for h in index.nearest(qvec, fields, n, skip, city=request.city) if h[1] >= MIN_SCORE]

    ranked, cards = candidate_index.ranked_cards(db, index, best, request.limit)
    logger.info("search_profiles %s: %r (%s) -> %d results", uid, query[:80], request.mode, len(ranked))
    return {
        "results": [
            {
                "id": cid,
                "score": round(score, 6),
                "reasons": search_reasons(query, cards[cid], me or {}),
                "profile": public_card(cards[cid]),
            }
            for cid, score in ranked
        ]
    }


def similar_users(uid: str, request: SimilarUsersRequest) -> dict[str, Any]:
    """The ``similar_users`` callable: nearest ``skills_vec``, with the skills both list."""
    from gitalong.matching import candidate_index

    db = firestore.client()
    me, (_, blocked), index = store.in_parallel(
        lambda: store.get_profile(db, uid) or {}, lambda: store.exclusions_for(db, uid), lambda: candidate_index.get(db)
    )
    mine = store.vec(me, "skills_vec")
    if store.is_zero(mine):
        logger.info("similar_users %s: no skills yet, empty answer", uid)
        return {"similar_users": []}
    skip = blocked | {uid}
    hits, cards = candidate_index.ranked_cards(
        db, index, lambda n: [h for h in index.nearest(mine, ("skills_vec",), n, skip) if h[1] > 0], request.limit
    )
    return {
        "similar_users": [
            {"id": cid, "score": round(score, 6), "shared_skills": shared_skills(me, cards[cid]),
             "profile": public_card(cards[cid])}
            for cid, score in hits
        ]
    }
