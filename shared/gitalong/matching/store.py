"""Firestore reads the matching services share: cards, vectors, exclusions, nearest neighbours."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from gitalong.matching import ENCODER_ID, VECTOR_DIM

logger = logging.getLogger(__name__)

PROFILES = "profiles"
RECOMMENDATIONS = "recommendations"
SWIPES = "swipes"
BLOCKS = "blocks"
PROJECTS = "projects"
JOBS = "jobs"
VECTOR_FIELDS = ("offer_vec", "need_vec", "skills_vec")
TEXT_VECTORS = ("offer_vec", "need_vec")
CANDIDATE_FIELDS = [
    "display_name", "bio", "city", "role", "skills", "tech_stack", "avatar_url", "skills_to_offer",
    "services_needed", "deleted",
]
"""What a candidate read fetches: the public card and what reasons read (vectors come from the index)."""
F32 = npt.NDArray[np.float32]
_IN_CHUNK = 30


def now() -> datetime:
    return datetime.now(UTC)


def vec(doc: dict[str, Any] | None, field: str) -> F32:
    """A stored vector as float32; zeros when missing, malformed, or of another encoder.

    ``offer_vec``/``need_vec`` come from the ``Vector`` field when the read fetched it, else
    from the compact ``rerank`` copy (what the candidate index loads). A text vector is used
    only when the card's ``encoder`` is the one this code encodes queries with: two
    encoders' vectors are never compared (cards of an old one wait for the re-encode job).
    """
    doc = doc or {}
    if field in TEXT_VECTORS and doc.get("encoder") != ENCODER_ID:
        return np.zeros(VECTOR_DIM, dtype=np.float32)
    value = doc.get(field)
    if value is None and field in TEXT_VECTORS and "rerank" in doc:
        from gitalong.matching.encode import unpack_pair

        pair = unpack_pair(doc["rerank"])
        return pair[TEXT_VECTORS.index(field)] if pair is not None else np.zeros(VECTOR_DIM, dtype=np.float32)
    try:
        arr = np.asarray(list(value), dtype=np.float32) if value is not None else None
    except (TypeError, ValueError):
        arr = None
    if arr is None or arr.shape != (VECTOR_DIM,) or not np.isfinite(arr).all():
        return np.zeros(VECTOR_DIM, dtype=np.float32)
    return arr


def is_zero(v: F32) -> bool:
    return not bool(np.any(v))


def live(doc: dict[str, Any] | None) -> bool:
    """A card that may be shown: exists and not marked deleted."""
    return doc is not None and not doc.get("deleted")


def get_profile(db: Any, uid: str) -> dict[str, Any] | None:
    snap = db.collection(PROFILES).document(uid).get()
    return snap.to_dict() if snap.exists else None


def candidate_cards(db: Any, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Live cards by id, read with only :data:`CANDIDATE_FIELDS` (missing or deleted ones left out)."""
    ids = list(dict.fromkeys(ids))
    if not ids:
        return {}
    refs = [db.collection(PROFILES).document(i) for i in ids]
    out = {}
    for snap in db.get_all(refs, field_paths=CANDIDATE_FIELDS):
        data = snap.to_dict() if snap.exists else None
        if data is not None and live(data):
            out[snap.id] = data
    return out


def in_parallel(*calls: Callable[[], Any]) -> list[Any]:
    """Run independent reads at once (each is a round trip; the client is thread-safe); results in order.

    Threads of its own per call (≈ 0.1 ms each), so nested calls can never wait on each other.
    """
    with ThreadPoolExecutor(max_workers=len(calls), thread_name_prefix="reads") as pool:
        futures = [pool.submit(call) for call in calls]
        return [f.result() for f in futures]


def swiped_ids(db: Any, uids: list[str]) -> dict[str, set[str]]:
    """Targets each of ``uids`` has swiped (any direction, users and projects)."""
    out: dict[str, set[str]] = {u: set() for u in uids}
    for i in range(0, len(uids), _IN_CHUNK):
        chunk = uids[i : i + _IN_CHUNK]
        query = db.collection(SWIPES).where(filter=_field_filter("swiper_id", "in", chunk))
        for snap in query.select(["swiper_id", "target_id"]).stream():
            d = snap.to_dict()
            if d.get("swiper_id") in out and d.get("target_id"):
                out[d["swiper_id"]].add(str(d["target_id"]))
    return out


def blocked_ids(db: Any, uids: list[str]) -> dict[str, set[str]]:
    """Users each of ``uids`` blocked or was blocked by."""
    out: dict[str, set[str]] = {u: set() for u in uids}
    for i in range(0, len(uids), _IN_CHUNK):
        chunk = uids[i : i + _IN_CHUNK]
        for mine, other in (("blocker_id", "blocked_id"), ("blocked_id", "blocker_id")):
            query = db.collection(BLOCKS).where(filter=_field_filter(mine, "in", chunk))
            for snap in query.select([mine, other]).stream():
                d = snap.to_dict()
                if d.get(mine) in out and d.get(other):
                    out[d[mine]].add(str(d[other]))
    return out


def exclusions_for(db: Any, uid: str) -> tuple[set[str], set[str]]:
    """``(swiped, blocked)`` ids for one user (their three queries run at once)."""
    swiped, blocked = in_parallel(lambda: swiped_ids(db, [uid])[uid], lambda: blocked_ids(db, [uid])[uid])
    return swiped, blocked


def popular_ids(db: Any, sample: int = 1000) -> dict[str, int]:
    """Right/super swipes received, counted over a recent sample of swipes (for cold start)."""
    counts: dict[str, int] = {}
    query = db.collection(SWIPES).where(filter=_field_filter("direction", "in", ["right", "super"]))
    for snap in query.select(["target_id", "target_type"]).limit(sample).stream():
        d = snap.to_dict()
        if d.get("target_type", "user") == "user" and d.get("target_id"):
            counts[str(d["target_id"])] = counts.get(str(d["target_id"]), 0) + 1
    return counts


def profiles_where(db: Any, field: str | None, value: Any, limit: int) -> list[tuple[str, dict[str, Any]]]:
    query = db.collection(PROFILES)
    if field is not None:
        query = query.where(filter=_field_filter(field, "==", value))
    return [(s.id, d) for s in query.limit(limit).stream() if live(d := s.to_dict())]


def _field_filter(field: str, op: str, value: Any) -> Any:
    from google.cloud.firestore_v1.base_query import FieldFilter

    return FieldFilter(field, op, value)


def as_datetime(value: Any) -> datetime | None:
    """Firestore timestamps come back as datetime subclasses; anything else is None."""
    return value if isinstance(value, datetime) else None
