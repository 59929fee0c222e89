"""Re-encode the cards whose text vectors came from another encoder (see docs/reencode.md).

After a deploy that changes :data:`gitalong.matching.ENCODER_ID`, readers ignore the
``offer_vec``/``need_vec`` of every older card (``matching_store.vec``): those people cannot
be matched until their card is rebuilt. This job rebuilds them, fanned out like the nightly
recompute (:mod:`gitalong.matching.recompute`):

- :func:`start_run` creates ``jobs/{run_id}`` (once) and publishes one
  ``{shard, shards, run_id}`` message per shard to ``reencode-shard``.
- :func:`run_shard` (Pub/Sub, retried) lists its shard's outdated cards and runs
  :func:`profile_sync.sync_user` for each (one transaction per user, from the current
  ``users/{uid}``). It publishes no ``profile-updated`` (one recommendation refresh per user
  would be a storm); when the last shard is done it completes the job and starts one
  recompute of every user's recommendations, ``{run_id}-recommendations``.

Progress is idempotent: a shard adds its outcome counts with increments at checkpoints,
together with a cursor (the last user counted), so a redelivered shard resumes after the
cursor and never counts a user twice, and a shard already in ``shards_done`` records nothing.
"""

from __future__ import annotations

import logging
import math
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from gitalong.contract import topics
from gitalong.contract.messages import MAX_REENCODE_SHARDS, MAX_RUN_ID, ReencodeProfiles, usable_document_id
from gitalong.matching import ENCODER_ID
from gitalong.matching.store import JOBS
from gitalong.profiles.store import PROFILES

logger = logging.getLogger(__name__)

KIND = "reencode"
CARDS_PER_SHARD = 1000
MAX_SHARDS = MAX_REENCODE_SHARDS
OUTCOMES = ("synced", "unchanged", "invalid", "stale", "deleted", "failed")
"""Per outdated card: ``synced`` (re-encoded), ``unchanged`` (nothing to rewrite: the source
hash already matched), ``invalid`` (the user document does not validate: last card kept),
``stale`` (the card is newer than its source), ``deleted`` (user gone or card marked deleted:
left to reconciliation and the deletion cascade), ``failed`` (an error; logged)."""
BUDGET_S = 420.0
"""A shard stops taking users after this long (the function's timeout is 540 s), records
its cursor and re-publishes itself; the next delivery continues after the cursor."""
CHECKPOINT_EVERY = 1000
CHECKPOINT_S = 60.0
"""How often a shard writes its progress: one job document takes every shard's checkpoints, and
64 shards each writing once a minute stay near Firestore's sustained write rate for one document."""
MAX_CONSECUTIVE_TRANSIENT = 3
"""This many users in a row failing transiently means the shard, not a user, is failing: raise."""
_RECORD_ATTEMPTS = 30


class JobConflict(ValueError):
    """``jobs/{run_id}`` exists but is not a re-encode run of this encoder."""


class ShardUnavailable(RuntimeError):
    """Several users in a row failed transiently: the shard is retried as a whole."""


def default_run_id(at: datetime) -> str:
    """``reencode-<ENCODER_ID>-<UTC yyyymmddThhmm>`` of ``at`` (the message's publish time)."""
    when = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    return f"reencode-{ENCODER_ID}-{when.astimezone(UTC):%Y%m%dT%H%M}"


def valid_run_id(run_id: object) -> bool:
    """A usable Firestore document id of at most :data:`MAX_RUN_ID` characters."""
    if not isinstance(run_id, str) or len(run_id) > MAX_RUN_ID:
        return False
    try:
        usable_document_id(run_id)
    except ValueError:
        return False
    return True


def run_id_for(message: ReencodeProfiles, published: datetime) -> str:
    """The run a ``reencode-profiles`` message asks for: its ``run_id``, else the default of ``published``."""
    return message.run_id or default_run_id(published)


def outdated(card: dict[str, Any]) -> bool:
    """True when the card's text vectors are not from this code's encoder."""
    return card.get("encoder") != ENCODER_ID


def _cards(db: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every card's id with its ``encoder`` and ``deleted`` fields (vectors are not read)."""
    for snap in db.collection(PROFILES).select(["encoder", "deleted"]).stream():
        yield snap.id, snap.to_dict() or {}


def _now() -> datetime:
    return datetime.now(UTC)


def start_run(run_id: str, shards: int | None = None) -> dict[str, Any]:
    """Create ``jobs/{run_id}`` (once) and publish one ``reencode-shard`` message per shard.

    Shards: one per :data:`CARDS_PER_SHARD` outdated cards, at least 1, at most
    :data:`MAX_SHARDS` (or ``shards``). A repeated start publishes the same shards again,
    which is harmless. Raises :class:`JobConflict` when ``jobs/{run_id}`` belongs to
    something else (another kind of job, or a run of another encoder).
    """
    from gitalong.infra import firestore, pubsub
    from gitalong.infra.firestore import AlreadyExists

    if not valid_run_id(run_id):
        raise ValueError(f"run_id {run_id!r} is not a usable document id")
    if shards is not None and not 1 <= shards <= MAX_SHARDS:
        raise ValueError(f"shards must be 1..{MAX_SHARDS}")
    db = firestore.client()
    ref = db.collection(JOBS).document(run_id)
    snap = ref.get()
    job = snap.to_dict() if snap.exists else None
    if job is None:
        total = old = 0
        for _, card in _cards(db):
            total += 1
            old += outdated(card)
        n = shards or max(1, min(MAX_SHARDS, math.ceil(old / CARDS_PER_SHARD)))
        job = {
            "run_id": run_id,
            "kind": KIND,
            "encoder": ENCODER_ID,
            "status": "running",
            "shards": n,
            "shards_done": [],
            "cards_total": total,
            "cards_outdated": old,
            "cards_done": 0,
            "counts": dict.fromkeys(OUTCOMES, 0),
            "shard_counts": {},
            "started_at": _now(),
        }
        try:
            ref.create(job)  # two starts at once: exactly one creates
        except AlreadyExists:
            job = ref.get().to_dict() or {}
    if job.get("kind") != KIND or job.get("encoder") != ENCODER_ID:
        raise JobConflict(
            f"jobs/{run_id} is a {job.get('kind') or 'non-reencode'} job"
            f" (encoder {job.get('encoder')!r}, this code {ENCODER_ID!r}): choose another run_id"
        )
    if snap.exists:
        logger.info("reencode %s already started (%s); publishing its shards again", run_id, job.get("status"))
    for shard in range(int(job["shards"])):
        pubsub.publish(topics.REENCODE_SHARD, {"shard": shard, "shards": int(job["shards"]), "run_id": run_id})
    logger.info(
        "reencode %s: %s of %s cards outdated, %s shards published",
        run_id,
        job.get("cards_outdated"),
        job.get("cards_total"),
        job["shards"],
    )
    return job


def process_cards(
    todo: Sequence[tuple[str, bool]],
    sync: Callable[[str], str],
    checkpoint: Callable[[Counter[str], str | None, bool], None],
    *,
    budget_s: float = BUDGET_S,
    clock: Callable[[], float] = time.monotonic,
    every: int = CHECKPOINT_EVERY,
    every_s: float = CHECKPOINT_S,
    is_transient: Callable[[BaseException], bool] | None = None,
) -> tuple[Counter[str], bool]:
    """Sync each ``(uid, marked_deleted)`` in order; returns ``(counts, finished)``.

    ``checkpoint(delta, cursor, final)`` receives the counts since the previous checkpoint
    and the last uid they include, every ``every`` users or ``every_s`` seconds, and once at
    the end (``final`` True when every user was processed). Past ``budget_s`` it checkpoints
    and returns ``finished=False``. A user whose sync raises is counted ``failed``, except
    that :data:`MAX_CONSECUTIVE_TRANSIENT` transient failures in a row raise
    :class:`ShardUnavailable` (after a checkpoint of the users before them, which a retry
    then skips).
    """
    if is_transient is None:
        from gitalong.profiles import sync as profile_sync

        is_transient = profile_sync.is_transient
    total: Counter[str] = Counter()
    delta: Counter[str] = Counter()
    cursor: str | None = None
    streak: list[tuple[str, BaseException]] = []
    start = last = clock()

    def flush(final: bool) -> None:
        nonlocal delta, last
        checkpoint(delta, cursor, final)
        total.update(delta)
        delta, last = Counter(), clock()

    def count_streak() -> None:  # failures followed by a success were those users' own
        for uid, exc in streak:
            logger.warning("reencode %s failed (%s): left for reconciliation", uid, type(exc).__name__)
            delta["failed"] += 1
        streak.clear()

    for uid, marked_deleted in todo:
        if clock() - start > budget_s:
            flush(final=False)
            return total, False
        if marked_deleted:
            outcome = "deleted"  # the deletion cascade is running: never rebuild its card
        else:
            try:
                outcome = sync(uid)
            except Exception as exc:
                if not is_transient(exc):
                    logger.exception("reencode %s failed", uid)
                    outcome = "failed"
                else:
                    streak.append((uid, exc))
                    if len(streak) >= MAX_CONSECUTIVE_TRANSIENT:
                        flush(final=False)
                        raise ShardUnavailable(
                            f"{len(streak)} users in a row failed transiently, last {uid}"
                        ) from exc
                    continue
        count_streak()
        delta[outcome] += 1
        cursor = uid
        if sum(delta.values()) >= every or clock() - last >= every_s:
            flush(final=False)
    count_streak()
    if todo:
        cursor = todo[-1][0]
    flush(final=True)
    return total, True


def _sync_card(uid: str) -> str:
    """Rebuild one card (one transaction; one retry of a transient failure); returns the outcome."""
    from gitalong.profiles import sync as profile_sync

    for attempt in (1, 2):
        try:
            outcome = profile_sync.sync_user(uid)
            break
        except Exception as exc:
            if attempt == 2 or not profile_sync.is_transient(exc):
                raise
            time.sleep(0.5)
    if outcome.github == "fetch":  # a new GitHub username on the card: as the trigger would
        try:
            from gitalong.infra.pubsub import publish

            publish(topics.GITHUB_ENRICH, {"uid": uid})
        except Exception:  # refresh_github_stats queues pending cards daily
            logger.exception("reencode %s: github-enrich not published", uid)
    return outcome.status


def run_shard(shard: int, shards: int, run_id: str, budget_s: float = BUDGET_S) -> dict[str, int]:
    """Re-encode one shard's outdated cards and record them in ``jobs/{run_id}``; returns the counts.

    A message for an unknown run, another encoder's run or another shard count is logged
    and dropped; a shard already done records nothing (but finishes the job if a crash
    interrupted that). Transient failures of the whole shard raise (Pub/Sub redelivers).
    """
    from gitalong.infra import firestore, pubsub
    from gitalong.matching.recompute import shard_of  # the nightly recompute's partition (CRC32)

    t0 = time.perf_counter()
    db = firestore.client()
    job_ref = db.collection(JOBS).document(run_id)
    snap = job_ref.get()
    job = snap.to_dict() if snap.exists else None
    if job is None or job.get("kind") != KIND or job.get("encoder") != ENCODER_ID or job.get("shards") != shards:
        why = "no such run" if job is None else f"{job.get('kind')} of {job.get('encoder')}, {job.get('shards')} shards"
        logger.error("reencode-shard %s/%s of %s dropped: %s", shard, shards, run_id, why)
        return {}
    key = str(shard)
    if shard in (job.get("shards_done") or []):
        logger.info("reencode %s shard %d/%d already done: nothing recorded", run_id, shard, shards)
        job_ref.set({"shard_last_at": {key: _now()}}, merge=True)
        _finish(db, job_ref, run_id)
        return {}
    cursor = (job.get("shard_cursor") or {}).get(key)
    todo = sorted(
        (uid, bool(card.get("deleted")))
        for uid, card in _cards(db)
        if outdated(card) and shard_of(uid, shards) == shard and (cursor is None or uid > cursor)
    )
    last = [t0]

    def checkpoint(delta: Counter[str], at: str | None, final: bool) -> None:
        _record(job_ref, shard, delta, at, time.perf_counter() - last[0], final)
        last[0] = time.perf_counter()

    counts, finished = process_cards(todo, _sync_card, checkpoint, budget_s=budget_s)
    elapsed = time.perf_counter() - t0
    if not finished:
        logger.info("reencode %s shard %d/%d: %s in %.0f s; continuing", run_id, shard, shards, dict(counts), elapsed)
        pubsub.publish(topics.REENCODE_SHARD, {"shard": shard, "shards": shards, "run_id": run_id})
        return dict(counts)
    logger.info(
        "reencode %s shard %d/%d: %d outdated cards %s, %.2f s", run_id, shard, shards, len(todo), dict(counts), elapsed
    )
    _finish(db, job_ref, run_id)
    return dict(counts)


def _record(job_ref: Any, shard: int, delta: Counter[str], cursor: str | None, seconds: float, final: bool) -> None:
    """Add a checkpoint to the job: one blind merge (increments, the cursor, ``shards_done``).

    The shard's counts and the job's totals are incremented in the same write, so they
    always agree; a retry resumes after ``cursor`` and so adds each user once.
    """
    from gitalong.infra.firestore import ArrayUnion, Increment

    key = str(shard)
    added = {k: v for k, v in delta.items() if v}
    data: dict[str, Any] = {"shard_seconds": {key: Increment(round(seconds, 3))}}
    if added:
        data["shard_counts"] = {key: {k: Increment(v) for k, v in added.items()}}
        data["counts"] = {k: Increment(v) for k, v in added.items()}
        data["cards_done"] = Increment(sum(added.values()))
    if cursor is not None:
        data["shard_cursor"] = {key: cursor}
    if final:
        data["shards_done"] = ArrayUnion([shard])
        data["shard_last_at"] = {key: _now()}
    job_ref.set(data, merge=True)


def _finish(db: Any, job_ref: Any, run_id: str) -> None:
    """Complete the job once every shard is done, then start its one recommendations recompute.

    ``complete`` is written only if the job has not changed since it was read
    (``last_update_time``), so exactly one shard makes the transition and starts the
    recompute. A job found complete without a recompute (its completer crashed) gets one.
    """
    from gitalong.infra.firestore import FailedPrecondition

    for _ in range(_RECORD_ATTEMPTS):
        snap = job_ref.get()
        if not snap.exists:  # the job was deleted under us: nothing to complete
            logger.error("reencode %s: the job document is gone", run_id)
            return
        job = snap.to_dict() or {}
        if job.get("status") == "complete":
            if not job.get("recommendations_started_at"):
                _start_recommendations(db, job_ref, run_id, only_if_missing=True)
            return
        if len(set(job.get("shards_done") or [])) < int(job.get("shards") or 0):
            return
        finished = _now()
        started = job.get("started_at")
        update = {
            "status": "complete",
            "finished_at": finished,
            "duration_seconds": round((finished - started).total_seconds(), 3)
            if isinstance(started, datetime)
            else None,
        }
        try:
            job_ref.update(update, option=db.write_option(last_update_time=snap.update_time))
        except FailedPrecondition:  # another shard wrote meanwhile: look again
            time.sleep(random.uniform(0.05, 0.3))
            continue
        logger.info("reencode %s complete: %s", run_id, job.get("counts"))
        _start_recommendations(db, job_ref, run_id, only_if_missing=False)
        return
    raise RuntimeError(f"could not complete {job_ref.id} after {_RECORD_ATTEMPTS} attempts")


def _start_recommendations(db: Any, job_ref: Any, run_id: str, only_if_missing: bool) -> None:
    """Start ``{run_id}-recommendations`` (the nightly recompute) and note it on the job."""
    from gitalong.matching import recompute

    rec_id = f"{run_id}-recommendations"
    if not (only_if_missing and db.collection(JOBS).document(rec_id).get().exists):
        recompute.start_run(rec_id)
    job_ref.set({"recommendations_run": rec_id, "recommendations_started_at": _now()}, merge=True)
