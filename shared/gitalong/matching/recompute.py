"""Nightly precompute of ``recommendations/{uid}``, fanned out over ``recompute-shard`` messages.

- :func:`start_run` (scheduled) lists users, records ``jobs/{run_id}`` and publishes one
  ``{shard, shards, run_id}`` message per shard.
- :func:`run_shard` (Pub/Sub, retried) loads the candidate matrix once, computes the
  reciprocal top-K of its users with blocked matrix products, writes their documents in
  batches and records the shard in ``jobs/{run_id}``. Redelivery is harmless: the same
  documents are rewritten, ``shards_done`` is a set (``ArrayUnion``) and per-shard user
  counts are a map, so nothing is counted twice. A user whose document was refreshed after
  the run started (``profile-updated``) is left alone.
"""

from __future__ import annotations

import logging
import math
import time
import zlib
from typing import Any

import numpy as np

from gitalong.contract import topics
from gitalong.infra import firestore, pubsub
from gitalong.matching import store
from gitalong.matching.diversity import mmr
from gitalong.matching.reasons import reciprocal_reasons
from gitalong.matching.recommendations import PRECOMPUTE_K, write_recommendations
from gitalong.matching.scoring import Population, augmented_for_batch
from gitalong.matching.topk import Exclusions, reciprocal_topk
from gitalong.profiles import store as profiles_store
from gitalong.safety import store as safety_store
from gitalong.swipes import store as swipes_store

logger = logging.getLogger(__name__)

USERS_PER_SHARD = 2000
MAX_SHARDS = 64
_BATCH = 400
_FIELDS = [
    "rerank", "encoder", "skills", "tech_stack", "skills_to_offer", "services_needed", "city", "updated_at", "deleted",
]


def shard_of(uid: str, shards: int) -> int:
    """Stable shard of a user (CRC32, independent of process hash seeds)."""
    return zlib.crc32(uid.encode()) % shards


def start_run(run_id: str, shards: int | None = None) -> dict[str, Any]:
    """Create ``jobs/{run_id}`` (once) and publish its shard messages; returns the job."""
    db = firestore.client()
    ref = store.job_ref(db, run_id)
    snap = ref.get()
    if snap.exists:
        job = snap.to_dict() or {}
        logger.info("run %s already started (%s shards); publishing again", run_id, job.get("shards"))
    else:
        users = sum(1 for _ in db.collection(profiles_store.PROFILES).select([]).stream())
        n = shards or max(1, min(MAX_SHARDS, math.ceil(users / USERS_PER_SHARD)))
        job = {
            "run_id": run_id,
            "status": "running",
            "shards": n,
            "shards_done": [],
            "shard_users": {},
            "users_total": users,
            "users_done": 0,
            "started_at": store.now(),
        }
        ref.set(job)
    for shard in range(int(job["shards"])):
        pubsub.publish(topics.RECOMPUTE_SHARD, {"shard": shard, "shards": int(job["shards"]), "run_id": run_id})
    logger.info("run %s: published %s shards", run_id, job["shards"])
    return job


def _load_candidates(db: Any) -> tuple[list[str], list[dict[str, Any]], np.ndarray, np.ndarray]:
    ids, docs, offers, needs = [], [], [], []
    for snap in db.collection(profiles_store.PROFILES).select(_FIELDS).stream():
        d = snap.to_dict() or {}
        if not profiles_store.live(d):
            continue
        ids.append(snap.id)
        docs.append(d)
        offers.append(store.vec(d, "offer_vec"))
        needs.append(store.vec(d, "need_vec"))
    dim = store.vec(None, "offer_vec").shape[0]
    return (
        ids,
        docs,
        np.asarray(offers, dtype=np.float32).reshape(-1, dim),
        np.asarray(needs, dtype=np.float32).reshape(-1, dim),
    )


def run_shard(shard: int, shards: int, run_id: str) -> int:
    """Compute and write the recommendations of one shard's users; returns how many were written."""
    t0 = time.perf_counter()
    db = firestore.client()
    job_ref = store.job_ref(db, run_id)
    job_snap = job_ref.get()
    job = job_snap.to_dict() if job_snap.exists else {}
    started = store.as_datetime((job or {}).get("started_at")) or store.now()
    ids, docs, offers, needs = _load_candidates(db)
    col = {uid: i for i, uid in enumerate(ids)}
    mine = [i for i, uid in enumerate(ids) if shard_of(uid, shards) == shard]
    uids = [ids[i] for i in mine]
    swiped, blocked = swipes_store.swiped_ids(db, uids), safety_store.blocked_ids(db, uids)
    excl = Exclusions.from_lists([[col[t] for t in swiped[u] | blocked[u] if t in col] for u in uids])
    k_pool = min(len(ids), 3 * PRECOMPUTE_K)
    # hubness-corrected, exactly as the live path scores (matching.scoring.Population)
    v_offers, v_needs, c_offers, c_needs = augmented_for_batch(Population.of(offers, needs), mine)
    idx, scores = reciprocal_topk(v_offers, v_needs, c_offers, c_needs, k_pool, excl, viewer_cols=mine)
    existing = (
        {s.id: s.to_dict() or {} for s in db.get_all([store.recommendations_ref(db, u) for u in uids])}
        if uids
        else {}
    )
    batch, pending, written = db.batch(), 0, 0
    for row, uid in enumerate(uids):
        prior = existing.get(uid) or {}
        prior_at = store.as_datetime(prior.get("generated_at"))
        if prior.get("run_id") != run_id and prior_at is not None and prior_at > started:
            continue  # refreshed after this run began: newer than what we have
        good = [(int(c), float(s)) for c, s in zip(idx[row], scores[row], strict=True) if c >= 0 and s > 1e-6]
        cols = [c for c, _ in good]
        pair_vecs = np.concatenate([offers[cols], needs[cols]], axis=1) / np.sqrt(2)
        keep = mmr([s for _, s in good], pair_vecs, PRECOMPUTE_K) if good else []
        me = docs[mine[row]]
        items = []
        for pos in keep:
            c, s = good[pos]
            offer_score = float(c_offers[c] @ v_needs[row])
            need_score = float(c_needs[c] @ v_offers[row])
            items.append(
                {"id": ids[c], "score": s, "reasons": reciprocal_reasons(me, docs[c], offer_score, need_score)}
            )
        write_recommendations(store.recommendations_ref(db, uid), me, items, run_id, batch)
        pending += 1
        written += 1
        if pending >= _BATCH:
            batch.commit()
            batch, pending = db.batch(), 0
    if pending:
        batch.commit()
    _record(db, job_ref, shard, len(uids), time.perf_counter() - t0)
    logger.info(
        "run %s shard %d/%d: %d users, %d written, %.2fs",
        run_id,
        shard,
        shards,
        len(uids),
        written,
        time.perf_counter() - t0,
    )
    return written


def _record(db: Any, job_ref: Any, shard: int, users: int, seconds: float, attempts: int = 20) -> None:
    """Mark ``shard`` done (idempotently) and complete the run when every shard is.

    First the shard's own entries, as blind merges (no read, no lock: shards finishing
    together don't contend). Then the totals, from a fresh read, written only if the job
    has not changed since that read (``last_update_time``); if it has, read and try again.
    So the last write always sums every shard recorded before it: no shard can overwrite
    another's count with a sum it read too early. (Optimistic rather than a transaction:
    on the emulator, shards locking one document together wait out lock timeouts.)
    """
    from gitalong.infra.firestore import ArrayUnion, FailedPrecondition

    job_ref.set(
        {
            "shards_done": ArrayUnion([shard]),
            "shard_users": {str(shard): users},
            "shard_seconds": {str(shard): round(seconds, 3)},
        },
        merge=True,
    )
    for _ in range(attempts):
        snap = job_ref.get()
        job = snap.to_dict() or {}
        update: dict[str, Any] = {"users_done": sum(int(v) for v in (job.get("shard_users") or {}).values())}
        done = set(job.get("shards_done") or [])
        if job.get("shards") and len(done) >= int(job["shards"]) and job.get("status") != "complete":
            finished = store.now()
            started = store.as_datetime(job.get("started_at"))
            update.update(
                {
                    "status": "complete",
                    "finished_at": finished,
                    "duration_seconds": round((finished - started).total_seconds(), 3) if started else None,
                }
            )
        try:
            job_ref.update(update, option=db.write_option(last_update_time=snap.update_time))
            return
        except FailedPrecondition:  # another shard wrote meanwhile: recount from a fresh read
            continue
    raise RuntimeError(f"could not record shard {shard} of {job_ref.id} after {attempts} attempts")
