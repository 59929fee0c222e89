"""``record_swipe``: record a swipe and, on mutual interest, create the match — in one transaction.

One Firestore transaction reads the idempotency record, the target, both block records,
the caller's rate-limit bucket, the existing swipe, the reverse swipe and the match
document, then writes the swipe, the match (deterministic id ``{low}_{high}``, so two
racing transactions cannot create two), the counters, the idempotency record and a
``match-created`` outbox entry. After the commit the outbox entry is delivered
(Pub/Sub + notifications); if that fails, ``flush_match_outbox`` retries it later.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gitalong.core.buckets import BucketLimit
from gitalong.core.errors import FailedPrecondition, InvalidArgument, NotFound, Unavailable
from gitalong.infra import counters, firestore, rate_limit
from gitalong.profiles import store as profiles_store
from gitalong.safety import store as safety_store
from gitalong.swipes import matches, store
from gitalong.swipes import model as rules
from gitalong.swipes.model import SWIPE_LIMITS

if TYPE_CHECKING:
    from gitalong.contract.callables import RecordSwipeRequest

logger = logging.getLogger(__name__)

IDEMPOTENCY_TTL_S = 7 * 86_400
RATE_ACTION = "swipe"


@dataclass
class _Outcome:
    result: dict[str, Any]
    replayed: bool = False
    new_match: bool = False
    new_project_interest: str | None = None  # the owner to tell, when a project gained interest


def record_swipe(
    uid: str, request: RecordSwipeRequest, limits: tuple[BucketLimit, ...] = SWIPE_LIMITS
) -> dict[str, Any]:
    """Record ``uid``'s swipe; returns ``{swipe_id, matched, match_id}`` (the contract response)."""
    if request.target_type == "user" and request.target_id == uid:
        raise InvalidArgument("you cannot swipe on yourself", [{"field": "target_id", "message": "is you"}])
    swipe_id = request.swipe_id or uuid.uuid4().hex

    outcome = _run_contended(lambda tx: _record(tx, uid, request, swipe_id, limits))
    if outcome.replayed:
        logger.info("record_swipe %s by %s replayed (swipe_id %s)", request.target_id, uid, swipe_id)
        return outcome.result
    logger.info(
        "swipe %s %s on %s %s (matched=%s, new match=%s)",
        uid, request.direction, request.target_type, request.target_id,
        outcome.result["matched"], outcome.new_match,
    )
    if outcome.new_match:
        matches.deliver_match_created(outcome.result["match_id"])
    if outcome.new_project_interest:
        matches.notify_project_interest(outcome.new_project_interest, uid, request.target_id)
    return outcome.result


def _record(
    tx: Any, uid: str, request: RecordSwipeRequest, swipe_id: str, limits: tuple[BucketLimit, ...]
) -> _Outcome:
    from gitalong.infra.firestore import SERVER_TIMESTAMP

    db = firestore.client()
    target_id = request.target_id
    ledger_ref = store.request_ref(db, uid, request.swipe_id) if request.swipe_id else None

    # --- reads (all before the first write) -------------------------------------------
    if request.target_type == "project":
        first = _get_all(tx, [r for r in (ledger_ref, store.project_ref(db, target_id)) if r])
        replay = _replay(first, ledger_ref)
        if replay:
            return replay
        project = first[f"projects/{target_id}"]
        data = project.to_dict() if project.exists else None
        if data is None:
            raise InvalidArgument(f"no project {target_id}", [{"field": "target_id", "message": "no such project"}])
        if data.get("deleted"):
            raise NotFound(f"project {target_id} was deleted")
        other = str(data.get("owner_id") or "")
        if not other:
            raise NotFound(f"project {target_id} has no owner")
        if other == uid:
            raise InvalidArgument(
                "you cannot swipe on your own project", [{"field": "target_id", "message": "is your project"}]
            )
    else:
        other = target_id

    own_ref = store.swipe_ref(db, uid, target_id)
    reverse_ref = store.swipe_ref(db, other, uid)
    mid = rules.match_id(uid, other)
    match_ref = store.match_ref(db, uid, other)
    block_refs = [safety_store.block_ref(db, a, b) for a, b in ((uid, other), (other, uid))]
    bucket_ref = rate_limit.ref(uid, RATE_ACTION)
    # their right swipes on my projects (point read; a query here would lock a range)
    their_interest_ref = store.interest_ref(db, other, uid)
    refs = [own_ref, reverse_ref, match_ref, bucket_ref, *block_refs]
    if request.target_type == "user":
        refs += [r for r in (ledger_ref, profiles_store.card_ref(db, target_id), their_interest_ref) if r]
    snaps = _get_all(tx, refs)

    if request.target_type == "user":
        replay = _replay(snaps, ledger_ref)
        if replay:
            return replay
        profile = snaps[f"profiles/{target_id}"]
        if not profile.exists:
            raise InvalidArgument(f"no user {target_id}", [{"field": "target_id", "message": "no such user"}])
        if (profile.to_dict() or {}).get("deleted"):
            raise NotFound(f"user {target_id} is deleting their account")
    if any(snaps[r.path].exists for r in block_refs):
        raise FailedPrecondition("you cannot swipe on this user")
    stage_bucket = rate_limit.reserve(tx, uid, RATE_ACTION, limits, snapshot=snaps[bucket_ref.path])

    own = snaps[own_ref.path]
    own_before = own.to_dict() if own.exists else None
    match = snaps[match_ref.path]
    match_data = match.to_dict() if match.exists else None
    positive = rules.is_positive(request.direction)
    create_match = False
    if positive and match_data is None:
        reverse = snaps[reverse_ref.path]
        if reverse.exists:
            create_match = rules.is_positive((reverse.to_dict() or {}).get("direction"))
        elif request.target_type == "user":
            interest = snaps[their_interest_ref.path]
            create_match = bool(interest.exists and (interest.to_dict() or {}).get("project_ids"))

    # --- writes ---------------------------------------------------------------------------
    swipe: dict[str, Any] = {
        "swiper_id": uid,
        "target_id": target_id,
        "target_type": request.target_type,
        "direction": request.direction,
        "swipe_id": swipe_id,
        "created_at": own_before["created_at"] if own_before and own_before.get("created_at") else SERVER_TIMESTAMP,
        "updated_at": SERVER_TIMESTAMP,
    }
    if request.target_type == "project":
        swipe["project_owner_id"] = other
        _stage_project_interest(tx, db, uid, other, target_id, positive)
    tx.set(own_ref, swipe)
    stage_bucket()
    if own_before is None:
        counters.increment(uid, "swipes_given", writer=tx)
        counters.increment(other, "swipes_received", writer=tx)

    if create_match:
        tx.create(match_ref, matches.new_match(uid, other))
        matches.stage_match_created(tx, mid, list(rules.pair(uid, other)))
        counters.increment(uid, "matches", writer=tx)
        counters.increment(other, "matches", writer=tx)
    matched = positive and (create_match or (match_data is not None and match_data.get("status") == "active"))
    result = {"swipe_id": swipe_id, "matched": matched, "match_id": mid if matched else None}
    if ledger_ref is not None:
        tx.create(
            ledger_ref,
            {
                "uid": uid,
                "swipe_id": swipe_id,
                "target_id": target_id,
                "result": result,
                "created_at": SERVER_TIMESTAMP,
                "expires_at": _ttl(IDEMPOTENCY_TTL_S),
            },
        )
    was_positive = own_before is not None and rules.is_positive(own_before.get("direction"))
    interest = other if request.target_type == "project" and positive and not was_positive else None
    return _Outcome(result=result, new_match=create_match, new_project_interest=interest)


def _run_contended(body: Callable[[Any], _Outcome]) -> _Outcome:
    """Run the swipe transaction; lost contention becomes ``UNAVAILABLE`` (the client may retry).

    The transaction begins inside its one batch read (``run_transaction``): two round
    trips, not three.
    """
    from gitalong.infra.firestore import DeadlineExceeded
    from gitalong.infra.transactions import CONTENTION, run_transaction

    gave_up: tuple[type[Exception], ...] = (*CONTENTION, DeadlineExceeded)
    try:
        return run_transaction(body)
    except gave_up as err:
        logger.warning("record_swipe transaction gave up: %s", err)
        raise Unavailable("the swipe could not be saved under contention; retry") from None


def _get_all(tx: Any, refs: list[Any]) -> dict[str, Any]:
    """Read ``refs`` in one round trip inside ``tx`` (which it may begin); snapshots by path."""
    return {snap.reference.path: snap for snap in tx.get_all(refs)}


def _replay(snaps: dict[str, Any], ledger_ref: Any) -> _Outcome | None:
    if ledger_ref is None:
        return None
    ledger = snaps[ledger_ref.path]
    if not ledger.exists:
        return None
    return _Outcome(result=dict((ledger.to_dict() or {})["result"]), replayed=True)


def _stage_project_interest(tx: Any, db: Any, uid: str, owner: str, project_id: str, positive: bool) -> None:
    """Keep ``project_interest/{uid}_{owner}.project_ids``: ``uid``'s right swipes on ``owner``'s projects.

    Written with array transforms (no read). ``record_swipe`` reads it by id when the owner
    swipes on ``uid``: mutual interest without a query inside the transaction.
    """
    from gitalong.infra.firestore import SERVER_TIMESTAMP, ArrayRemove, ArrayUnion

    ref = store.interest_ref(db, uid, owner)
    change = ArrayUnion([project_id]) if positive else ArrayRemove([project_id])
    tx.set(ref, {"swiper_id": uid, "owner_id": owner, "project_ids": change, "updated_at": SERVER_TIMESTAMP},
           merge=True)


def interested_users(owner_id: str, project_id: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """Right/super swipes on ``owner_id``'s projects (one project if named), newest first."""
    return store.interest_in_projects_of(firestore.client(), owner_id, project_id, limit)


def _ttl(seconds: float) -> Any:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(time.time() + seconds, tz=UTC)
