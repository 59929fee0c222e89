"""The processed-event ledger: run an event's effect at most once, whatever the redelivery.

``processed_events/{event_id}`` holds ``kind``, ``processed_at`` and ``expires_at`` (a
Firestore TTL field, see ``firestore.indexes.json``). Record an event **in the same
transaction as its effect**: either both commit or neither does, so a redelivered event
finds its entry and does nothing, and a failed attempt leaves no entry behind.

Firestore transactions need every read before the first write, so the ledger is a
document to read (:func:`ref`, in the same ``get_all`` as the caller's own documents: one
round trip) and an entry to write (:func:`record`)::

    def apply(tx):                       # run with infra.transactions.run_transaction
        entry = ledger.ref(event_id, KIND)
        snaps = {s.reference.path: s for s in tx.get_all([card_ref, entry])}  # any order
        if snaps[entry.path].exists:
            return False                 # a redelivery: nothing to do
        tx.set(card_ref, ...)            # the effect ...
        ledger.record(tx, event_id, KIND)  # ... and its entry, same transaction
        return True
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

COLLECTION = "processed_events"
DEFAULT_TTL = timedelta(days=7)
_UNSAFE = re.compile(r"[^A-Za-z0-9_\-.:]")


def doc_id(event_id: str, kind: str) -> str:
    """The ledger document id of an event (kind-scoped: one event may feed several triggers)."""
    raw = f"{kind}:{event_id}"
    safe = _UNSAFE.sub("_", raw)
    if len(safe) > 1400 or safe in (".", ".."):
        import hashlib

        safe = f"{kind}:{hashlib.sha256(raw.encode()).hexdigest()}"
    return safe


def ref(event_id: str, kind: str) -> Any:
    """The ledger document of an event, for callers that batch it with their own reads."""
    from gitalong.infra import firestore

    return firestore.client().collection(COLLECTION).document(doc_id(event_id, kind))


def record(transaction: Any, event_id: str, kind: str, ttl: timedelta = DEFAULT_TTL) -> None:
    """Add the event's entry to ``transaction`` (commits with the effect, or not at all)."""
    from google.cloud.firestore import SERVER_TIMESTAMP

    transaction.set(
        ref(event_id, kind),
        {"kind": kind, "event_id": event_id, "processed_at": SERVER_TIMESTAMP, "expires_at": datetime.now(UTC) + ttl},
    )
