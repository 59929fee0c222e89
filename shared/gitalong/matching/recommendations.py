"""Recommendations: precomputed when fresh, else live (Firestore vector search + reciprocal re-rank)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np

from gitalong.infra import firestore
from gitalong.matching import VECTOR_DIM, store
from gitalong.matching.diversity import mmr
from gitalong.matching.encode import encode_skills, encode_texts
from gitalong.matching.index import CandidateIndex
from gitalong.matching.reasons import reciprocal_reasons
from gitalong.profiles import store as profiles_store
from gitalong.profiles.model import public_card
from gitalong.swipes import store as swipes_store

if TYPE_CHECKING:
    from gitalong.contract.callables import FindReciprocalMatchesRequest, GetRecommendationsRequest

logger = logging.getLogger(__name__)

FRESH_FOR = timedelta(hours=24)
PRECOMPUTE_K = 50
COLD_START_REASON = "new here: add what you offer and need for personal matches"


def _card(doc: dict[str, Any]) -> dict[str, Any]:
    return public_card(doc)


def rank_live(
    db: Any,
    uid: str,
    me: dict[str, Any],
    excluded: set[str],
    k: int,
    diversify: bool = True,
    index: CandidateIndex | None = None,
) -> list[dict[str, Any]]:
    """Live top-``k`` items ``{id, score, reasons, offer_score, need_score, _doc}`` for ``uid``.

    Everyone in the candidate index is scored (exact, no pool). With ``diversify``, MMR picks
    each round's ``n`` from the best 3×``n`` on the index's vectors, so only the chosen cards
    are fetched; a removed card found among them leaves the index and the round is run again,
    so rows of removed cards never change which live people are chosen.
    """
    from gitalong.matching import candidate_index

    index = index or candidate_index.get(db)
    my_offer, my_need = store.vec(me, "offer_vec"), store.vec(me, "need_vec")
    skip = excluded | {uid}

    def best(n: int) -> list[tuple[str, float, float, float]]:
        hits = [h for h in index.reciprocal(my_offer, my_need, 3 * n if diversify else n, skip) if h[1] > 0]
        if not diversify or len(hits) <= n:
            return hits
        pairs = [index.vectors(h[0]) for h in hits]  # the index's copy: no vectors travel with the cards
        vecs = np.stack([np.concatenate(p[:2]) if p else np.zeros(2 * VECTOR_DIM, np.float32) for p in pairs])
        return [hits[i] for i in mmr([h[1] for h in hits], vecs / np.sqrt(2), n)]

    hits, cards = candidate_index.ranked_cards(db, index, best, k)
    return [
        {
            "id": cid,
            "score": score,
            "offer_score": a,
            "need_score": b,
            "reasons": reciprocal_reasons(me, cards[cid], a, b),
            "_doc": cards[cid],
        }
        for cid, score, a, b in hits[:k]
    ]


def cold_start(db: Any, uid: str, me: dict[str, Any] | None, excluded: set[str], k: int) -> list[dict[str, Any]]:
    """Popular people within the caller's city, then role, then anywhere; ``reasons`` say so."""
    me = me or {}
    popularity = swipes_store.popular_ids(db)
    items: dict[str, dict[str, Any]] = {}
    scopes = [("city", me.get("city")), ("role", me.get("role")), (None, None)]
    for field, value in scopes:
        if field is not None and not value:
            continue
        docs = profiles_store.cards_where(db, field, value, 300)
        ranked = sorted(docs, key=lambda p: (-popularity.get(p[0], 0), p[0]))
        for cid, doc in ranked:
            if cid == uid or cid in excluded or cid in items:
                continue
            where = f"popular in {value}" if field == "city" else f"popular among {value}s" if field else "popular"
            pop = popularity.get(cid, 0)
            items[cid] = {
                "id": cid,
                "score": round(pop / (pop + 5.0), 4),
                "reasons": [where, COLD_START_REASON],
                "_doc": doc,
            }
        if len(items) >= k:
            break
    return sorted(items.values(), key=lambda x: -x["score"])[:k]


def _fresh(rec: dict[str, Any], me: dict[str, Any] | None, at: datetime) -> bool:
    generated = store.as_datetime(rec.get("generated_at"))
    if generated is None or at - generated > FRESH_FOR:
        return False
    changed = store.as_datetime((me or {}).get("updated_at"))
    return changed is None or generated >= changed


def get_recommendations(uid: str, request: GetRecommendationsRequest) -> dict[str, Any]:
    """The ``get_recommendations`` callable (see CONTRACT.md)."""
    from gitalong.matching import candidate_index

    db = firestore.client()
    if request.target_type == "project":
        return project_recommendations(db, uid, request)
    at = store.now()
    me, (swiped, blocked), rec_snap, index = store.in_parallel(
        lambda: store.get_profile(db, uid),
        lambda: store.exclusions_for(db, uid),
        lambda: store.recommendations_ref(db, uid).get(),
        lambda: candidate_index.get(db),
    )
    excluded = swiped | blocked | set(request.exclude_ids) | {uid}
    limit = request.limit
    rec = rec_snap.to_dict() if rec_snap.exists else None
    source, generated_at = "live", at
    items: list[dict[str, Any]] = []
    if rec and _fresh(rec, me, at):
        source, generated_at = "precomputed", rec["generated_at"]
        kept = [it for it in rec.get("items", []) if isinstance(it, dict) and it.get("id") not in excluded]
        cards = store.candidate_cards(db, [it["id"] for it in kept[: limit * 2]])
        items = [{**it, "_doc": cards[it["id"]]} for it in kept if it["id"] in cards][:limit]
    if len(items) < limit:
        have = {it["id"] for it in items}
        vectors_known = me is not None and not (
            store.is_zero(store.vec(me, "offer_vec")) and store.is_zero(store.vec(me, "need_vec"))
        )
        more = (
            rank_live(db, uid, me or {}, excluded | have, limit - len(items), index=index)
            if vectors_known
            else cold_start(db, uid, me, excluded | have, limit - len(items))
        )
        items += more
    logger.info("get_recommendations %s: %d items from %s", uid, len(items), source)
    return {
        "recommendations": [
            {
                "id": it["id"],
                "score": round(float(it["score"]), 6),
                "reasons": list(it.get("reasons") or []),
                "profile": _card(it["_doc"]),
            }
            for it in items[:limit]
        ],
        "source": source,
        "generated_at": generated_at,
    }


def project_text(project: dict[str, Any]) -> str:
    """What the encoder reads of a project: title, description and the skills it needs."""
    needed = [s for s in project.get("skills_needed") or [] if isinstance(s, str)]
    text = f"{project.get('title', '')}. {project.get('description', '')}"
    return f"{text}\nSkills needed: {', '.join(needed)}" if needed else text


_project_cache: dict[str, np.ndarray] = {}


def _project_vectors(texts: list[str]) -> list[np.ndarray]:
    """Encoded project texts; a per-process cache keeps a repeated call from re-encoding them.

    Projects carry no stored vectors yet (docs/matching.md, known limits).
    """
    missing = list(dict.fromkeys(t for t in texts if t not in _project_cache))
    if missing:
        if len(_project_cache) > 20_000:
            _project_cache.clear()
        _project_cache.update(zip(missing, encode_texts(missing), strict=True))
    return [_project_cache[t] for t in texts]


def project_recommendations(db: Any, uid: str, request: GetRecommendationsRequest) -> dict[str, Any]:
    """Projects whose needed skills match what the caller offers."""
    at = store.now()
    me = store.get_profile(db, uid) or {}
    swiped, _ = store.exclusions_for(db, uid)
    excluded = swiped | set(request.exclude_ids)
    my_offer = store.vec(me, "offer_vec")
    my_skills = store.vec(me, "skills_vec")
    scored = []
    projects = [
        (snap.id, p)
        for snap in db.collection(swipes_store.PROJECTS).limit(500).stream()
        if snap.id not in excluded and (p := snap.to_dict() or {}).get("owner_id") != uid and not p.get("deleted")
    ]
    texts = [project_text(p) for _, p in projects]
    text_vectors = _project_vectors(texts)
    for (pid, p), text_vec in zip(projects, text_vectors, strict=True):
        needed = [s for s in p.get("skills_needed") or [] if isinstance(s, str)]
        text_score = float(text_vec @ my_offer)
        skill_score = float(encode_skills(needed) @ my_skills)
        score = max(0.0, 0.5 * text_score + 0.5 * skill_score)
        mine = {s.lower() for s in (me.get("skills") or []) if isinstance(s, str)}
        hits = [s for s in needed if s.lower() in mine]
        reasons = [f"needs {', '.join(hits[:3])}, which you offer"] if hits else []
        if not reasons:
            reasons = ["fits what you offer"] if score > 0.2 else ["open project looking for help"]
        scored.append((score, pid, reasons, p))
    scored.sort(key=lambda x: (-x[0], x[1]))
    card_fields = ("title", "description", "owner_id", "skills_needed")
    return {
        "recommendations": [
            {
                "id": pid,
                "score": round(score, 6),
                "reasons": reasons,
                "profile": {f: p[f] for f in card_fields if f in p},
            }
            for score, pid, reasons, p in scored[: request.limit]
        ],
        "source": "live",
        "generated_at": at,
    }


def find_reciprocal_matches(uid: str, request: FindReciprocalMatchesRequest) -> dict[str, Any]:
    """The ``find_reciprocal_matches`` callable: two-sided matches for given (or the caller's) texts."""
    from gitalong.matching import candidate_index

    db = firestore.client()
    me, (swiped, blocked), index = store.in_parallel(
        lambda: store.get_profile(db, uid) or {}, lambda: store.exclusions_for(db, uid), lambda: candidate_index.get(db)
    )
    texts = [t for t in (request.offer_text, request.need_text) if t is not None]
    encoded = iter(encode_texts(texts)) if texts else iter(())
    my_offer = next(encoded) if request.offer_text is not None else store.vec(me, "offer_vec")
    my_need = next(encoded) if request.need_text is not None else store.vec(me, "need_vec")
    if store.is_zero(my_offer) or store.is_zero(my_need):
        logger.info("find_reciprocal_matches %s: nothing to match on (offer or need empty)", uid)
        return {"matches": []}
    skip = swiped | blocked | {uid}
    hits, cards = candidate_index.ranked_cards(
        db, index, lambda n: [h for h in index.reciprocal(my_offer, my_need, n, skip) if h[1] > 0], request.limit
    )
    return {
        "matches": [
            {
                "id": cid,
                "score": round(score, 6),
                "offer_score": round(a, 6),
                "need_score": round(b, 6),
                "profile": _card(cards[cid]),
            }
            for cid, score, a, b in hits
        ]
    }


def refresh_user(uid: str, run_id: str) -> int:
    """Recompute and store ``recommendations/{uid}`` now (profile-updated); returns the item count."""
    db = firestore.client()
    me = store.get_profile(db, uid)
    ref = store.recommendations_ref(db, uid)
    if me is None:
        ref.delete()
        logger.info("refresh %s: no profile, recommendations removed", uid)
        return 0
    swiped, blocked = store.exclusions_for(db, uid)
    items = rank_live(db, uid, me, swiped | blocked | {uid}, PRECOMPUTE_K)
    write_recommendations(ref, me, items, run_id)
    logger.info("refresh %s: %d recommendations (%s)", uid, len(items), run_id)
    return len(items)


def write_recommendations(
    ref: Any, me: dict[str, Any], items: list[dict[str, Any]], run_id: str, batch: Any = None
) -> None:
    """Write one ``recommendations/{uid}`` document (data-model shape)."""
    doc = {
        "items": [
            {"id": it["id"], "score": round(float(it["score"]), 6), "reasons": list(it["reasons"])} for it in items
        ],
        "candidate_ids": [it["id"] for it in items],
        "generated_at": store.now(),
        "profile_updated_at": me.get("updated_at"),
        "run_id": run_id,
    }
    if batch is not None:
        batch.set(ref, doc)
    else:
        ref.set(doc)
