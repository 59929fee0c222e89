"""Per-user token buckets in Firestore (``rate_limits/{uid}_{action}``), taken transactionally.

Use :func:`reserve` inside a transaction that does the limited work: the tokens are taken
only if that transaction commits, and a refused request writes nothing. :func:`consume`
runs a transaction of its own for actions that have none.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from gitalong.core.buckets import Bucket, BucketLimit, take
from gitalong.core.errors import ResourceExhausted
from gitalong.infra import firestore

logger = logging.getLogger(__name__)

COLLECTION = "rate_limits"


def ref(uid: str, action: str) -> Any:
    """The bucket document of ``uid`` for ``action``."""
    return firestore.client().collection(COLLECTION).document(f"{uid}_{action}")


def _buckets(data: dict[str, Any] | None) -> dict[str, Bucket | None]:
    stored = (data or {}).get("buckets") or {}
    out: dict[str, Bucket | None] = {}
    for name, value in stored.items():
        try:
            out[name] = Bucket(float(value["tokens"]), float(value["at"]))
        except (KeyError, TypeError, ValueError):
            out[name] = None  # a damaged bucket starts full rather than locking the user out
    return out


def reserve(
    transaction: Any,
    uid: str,
    action: str,
    limits: tuple[BucketLimit, ...],
    now: float | None = None,
    snapshot: Any = None,
) -> Callable[[], None]:
    """Read the buckets in ``transaction``; raise ``ResourceExhausted`` when any is empty.

    ``snapshot``: the bucket document, when the caller already read it in ``transaction``
    (e.g. in one ``get_all`` with its other reads). Returns a function that stages the
    decremented buckets in the same transaction; call it after the transaction's other
    reads (Firestore wants every read before the first write).
    """
    doc_ref = ref(uid, action)
    if snapshot is None:
        snapshot = doc_ref.get(transaction=transaction)
    moment = time.time() if now is None else now
    buckets, wait = take(_buckets(snapshot.to_dict() if snapshot.exists else None), limits, moment)
    if wait:
        logger.info("rate limit: %s %s refused, retry in %d s", uid, action, wait)
        raise ResourceExhausted(f"too many {action} requests; retry in {wait} s", {"retry_after_seconds": wait})

    def stage() -> None:
        transaction.set(
            doc_ref,
            {
                "uid": uid,
                "action": action,
                "buckets": {name: {"tokens": b.tokens, "at": b.at} for name, b in buckets.items()},
                "updated_at": moment,
            },
        )

    return stage


def consume(uid: str, action: str, limits: tuple[BucketLimit, ...], now: float | None = None) -> None:
    """Take one token for ``action`` in a transaction of its own, or raise ``ResourceExhausted``."""
    from gitalong.infra.transactions import run_transaction

    def run(transaction: Any) -> None:
        (snapshot,) = transaction.get_all([ref(uid, action)])
        reserve(transaction, uid, action, limits, now, snapshot=snapshot)()

    run_transaction(run)
