"""Sharded per-user counters: ``counters/{uid}/shards/{n}``.

A Firestore document sustains about one write a second. A popular user's
``swipes_received`` can grow faster than that, so each increment goes to one of
``SHARDS`` shard documents picked at random, and :func:`read` sums the shards.
Increments are ``Increment`` transforms: no read, and safe inside a transaction (the
counter moves exactly when the work it counts commits).
"""

from __future__ import annotations

import random
from typing import Any

from gitalong.infra import firestore

COLLECTION = "counters"
SHARDS = 8
FIELDS = ("swipes_given", "swipes_received", "matches", "conversations_started")


def _shards(uid: str) -> Any:
    return firestore.client().collection(COLLECTION).document(uid).collection("shards")


def increment(uid: str, field: str, by: int = 1, writer: Any = None) -> None:
    """Add ``by`` to ``field`` of ``uid``, staged in ``writer`` (a transaction or batch) if given."""
    from google.cloud.firestore import Increment

    if field not in FIELDS:
        raise ValueError(f"unknown counter {field!r}")
    shard = _shards(uid).document(str(random.randrange(SHARDS)))
    data = {field: Increment(by)}
    if writer is None:
        shard.set(data, merge=True)
    else:
        writer.set(shard, data, merge=True)


def set_total(uid: str, field: str, total: int) -> None:
    """Make ``field`` of ``uid`` sum to ``total`` (a repair): shard 0 takes the difference.

    One transaction reads every shard, so an increment landing meanwhile makes it retry
    rather than get lost; setting an absolute value makes two repairs at once agree.
    """
    from gitalong.infra.transactions import run_transaction

    if field not in FIELDS:
        raise ValueError(f"unknown counter {field!r}")
    refs = [_shards(uid).document(str(n)) for n in range(SHARDS)]

    def repair(tx: Any) -> None:
        snaps = tx.get_all(refs)
        others = sum(int((s.to_dict() or {}).get(field) or 0) for s in snaps if s.exists and s.id != "0")
        tx.set(refs[0], {field: total - others}, merge=True)

    run_transaction(repair)


def read(uid: str) -> dict[str, int]:
    """Every counter of ``uid`` (0 when never incremented), summed over its shards."""
    totals = dict.fromkeys(FIELDS, 0)
    for snapshot in _shards(uid).stream():
        for field, value in (snapshot.to_dict() or {}).items():
            if field in totals and isinstance(value, int | float):
                totals[field] += int(value)
    return totals
