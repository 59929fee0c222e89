"""Where the matching area keeps its data (``recommendations/{uid}``, ``jobs/{run_id}``), and the reads it shares.

Cards, swipes and blocks belong to their areas' stores; this module composes them for ranking
(candidate cards, exclusions) and reads the vectors stored on cards."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from gitalong.matching import ENCODER_ID, VECTOR_DIM
from gitalong.profiles import store as profiles_store
from gitalong.safety import store as safety_store
from gitalong.swipes import store as swipes_store

logger = logging.getLogger(__name__)

RECOMMENDATIONS = "recommendations"
JOBS = "jobs"
VECTOR_FIELDS = ("offer_vec", "need_vec", "skills_vec")
TEXT_VECTORS = ("offer_vec", "need_vec")
CANDIDATE_FIELDS = [
    "display_name", "bio", "city", "role", "skills", "tech_stack", "avatar_url", "skills_to_offer",
    "services_needed", "deleted",
]
"""What a candidate read fetches: the public card and what reasons read (vectors come from the index)."""
F32 = npt.NDArray[np.float32]


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


def recommendations_ref(db: Any, uid: str) -> Any:
    """``recommendations/{uid}``: the precomputed list for ``uid``."""
    return db.collection(RECOMMENDATIONS).document(uid)


def job_ref(db: Any, run_id: str) -> Any:
    """``jobs/{run_id}``: a batch run's progress."""
    return db.collection(JOBS).document(run_id)


def get_profile(db: Any, uid: str) -> dict[str, Any] | None:
    snap = profiles_store.card_ref(db, uid).get()
    return snap.to_dict() if snap.exists else None


def candidate_cards(db: Any, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Live cards by id, read with only :data:`CANDIDATE_FIELDS` (missing or deleted ones left out)."""
    ids = list(dict.fromkeys(ids))
    if not ids:
        return {}
    refs = [profiles_store.card_ref(db, i) for i in ids]
    out = {}
    for snap in db.get_all(refs, field_paths=CANDIDATE_FIELDS):
        data = snap.to_dict() if snap.exists else None
        if data is not None and profiles_store.live(data):
            out[snap.id] = data
    return out


def in_parallel(*calls: Callable[[], Any]) -> list[Any]:
    """Run independent reads at once (each is a round trip; the client is thread-safe); results in order.

    Threads of its own per call (≈ 0.1 ms each), so nested calls can never wait on each other.
    """
    with ThreadPoolExecutor(max_workers=len(calls), thread_name_prefix="reads") as pool:
        futures = [pool.submit(call) for call in calls]
        return [f.result() for f in futures]


def exclusions_for(db: Any, uid: str) -> tuple[set[str], set[str]]:
    """``(swiped, blocked)`` ids for one user (their three queries run at once)."""
    swiped, blocked = in_parallel(
        lambda: swipes_store.swiped_ids(db, [uid])[uid], lambda: safety_store.blocked_ids(db, [uid])[uid]
    )
    return swiped, blocked


def as_datetime(value: Any) -> datetime | None:
    """Firestore timestamps come back as datetime subclasses; anything else is None."""
    return value if isinstance(value, datetime) else None
