"""Successful connections: a match in which both people wrote (kept by the chat message trigger)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from gitalong.analytics import store
from gitalong.infra import firestore
from gitalong.swipes import store as swipes_store

logger = logging.getLogger(__name__)


def record_message(match_id: str, sender_id: str, created_at: datetime | None) -> bool:
    """Note that ``sender_id`` wrote in ``match_id``; mark the connection successful once both did.

    Keeps ``analytics/{uid}/connections/{matchId}`` for both participants:
    ``first_sent_at`` (earliest message of the owner), ``first_received_at`` (of the other),
    ``successful``/``successful_at`` (the later of the two firsts). Idempotent and order-free:
    every field is a min/max over the messages seen, so a redelivered or late message changes
    nothing and this trigger needs no ledger entry. Returns True when something changed.
    """
    db = firestore.client()
    match = db.collection(swipes_store.MATCHES).document(match_id).get()
    participants = list((match.to_dict() or {}).get("participants") or []) if match.exists else []
    if sender_id not in participants or len(participants) != 2:
        logger.info("message in %s from %s: not a participant of a live match, ignored", match_id, sender_id)
        return False
    other = participants[1] if participants[0] == sender_id else participants[0]
    when = created_at or datetime.now(UTC)
    match_created = (match.to_dict() or {}).get("created_at")
    mine = store.connection_ref(db, sender_id, match_id)
    theirs = store.connection_ref(db, other, match_id)
    from gitalong.infra.transactions import run_transaction

    def apply(tx: Any) -> bool:
        docs = {snap.reference.path: (snap.to_dict() or {}) for snap in tx.get_all([mine, theirs])}
        a, b = docs.get(mine.path, {}), docs.get(theirs.path, {})
        new_a = _earliest(a, "first_sent_at", when)
        new_b = _earliest(b, "first_received_at", when)
        if new_a is None and new_b is None:
            return False
        for ref, doc, owner, peer, update in ((mine, a, sender_id, other, new_a), (theirs, b, other, sender_id, new_b)):
            merged = {**doc, **(update or {})}
            fields = {
                "match_id": match_id,
                "uid": owner,
                "other_id": peer,
                "match_created_at": match_created,
                **(update or {}),
            }
            sent, received = merged.get("first_sent_at"), merged.get("first_received_at")
            fields["successful"] = bool(sent and received)
            fields["successful_at"] = max(sent, received) if sent and received else None
            tx.set(ref, fields, merge=True)
        return True

    changed = run_transaction(apply)
    logger.info("message in %s from %s: connection %s", match_id, sender_id, "updated" if changed else "unchanged")
    return changed


def _earliest(doc: Mapping[str, Any], field: str, when: datetime) -> dict[str, Any] | None:
    current = doc.get(field)
    if current is not None and current <= when:
        return None
    return {field: when}
