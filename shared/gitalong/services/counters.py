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

from gitalong.adapters import firestore

SHARDS = 8
FIELDS = ("swipes_given", "swipes_received", "matches", "conversations_started")


def _shards(uid: str) -> Any:
    return firestore.client().collection("counters").document(uid).collection("shards")


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


def read(uid: str) -> dict[str, int]:
    """Every counter of ``uid`` (0 when never incremented), summed over its shards."""
    totals = dict.fromkeys(FIELDS, 0)
    for snapshot in _shards(uid).stream():
        for field, value in (snapshot.to_dict() or {}).items():
            if field in totals and isinstance(value, int | float):
                totals[field] += int(value)
    return totals
