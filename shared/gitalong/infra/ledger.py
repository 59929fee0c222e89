"""The processed-event ledger: every trigger's effect happens once, whatever the redelivery.

The one ledger of the code base. ``processed_events/{doc_id}`` holds ``kind``, ``event_id``,
``processed_at``, ``expires_at`` (a Firestore TTL field, see ``firestore.indexes.json``) and,
when given, ``subject`` (the document the event was about). An event is recorded **in the
same transaction as its effect**: both commit or neither does, so a redelivered event finds
its entry and does nothing, and a failed attempt leaves no entry behind.

One key scheme, :func:`doc_id`: ``{kind}:{event_id}``, or ``{kind}:#{sha256 of event_id}``
when the id is not plainly safe. ``kind`` scopes an id to one trigger (one event may feed
several), and says whose the entry is:

=============================  ==============================================================
``profile-sync``               ``users/{uid}`` written (``sync_profile``, ``retry_profile_sync``)
``profile-skills``             ``profiles/{uid}`` written (``count_profile_skills``)
``event-skills``               ``events/{id}`` written (``sync_event``)
``attendance``                 ``events/{id}/attendees/{uid}`` written (``count_attendance``)
``showcase-post``              ``showcase_posts/{id}`` written (``sync_showcase_post``)
``chat-message``               ``matches/{id}/messages/{id}`` created (``on_chat_message``)
``cloudinary-notification``    a verified Cloudinary notification (``cloudinary_webhook``)
=============================  ==============================================================

Two ways in. :func:`apply_once` runs a small effect in its own transaction. A body that
already runs one (:func:`gitalong.infra.transactions.run_transaction`) reads :func:`ref` in
the same ``get_all`` as its own documents (one round trip), checks :func:`is_recorded`, and
adds :func:`record` next to its writes::

    def apply(tx):
        entry = ledger.ref(event_id, KIND)
        snaps = {s.reference.path: s for s in tx.get_all([card_ref, entry])}  # any order
        if ledger.is_recorded(snaps, entry):
            return False                   # a redelivery: nothing to do
        tx.set(card_ref, ...)              # the effect ...
        ledger.record(tx, event_id, KIND)  # ... and its entry, same transaction
        return True
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, TypeVar

T = TypeVar("T")

COLLECTION = "processed_events"
DEFAULT_TTL = timedelta(days=7)
MAX_EVENT_ID = 512
"""Longer ids are hashed: ``{kind}:{id}`` then stays far below Firestore's 1,500-byte limit."""
_KIND = re.compile(r"[a-z][a-z0-9-]{0,62}")
_SAFE_ID = re.compile(r"[A-Za-z0-9_.:@=+-]+")
"""Characters an event id may keep as they are. ``/`` is missing (a path separator), so is ``#``
(the hashed form's mark, so no raw id can pass for a hash)."""
_RESERVED = re.compile(r"\.|\.\.|__.*__")
"""Ids Firestore reserves. Behind ``{kind}:`` they would be harmless; they are hashed anyway, so
the rule stays simple: the id part is a valid document id by itself, or it is a hash."""


def doc_id(event_id: str, kind: str) -> str:
    """The ledger document id of ``event_id`` for trigger ``kind``: always a valid, unreserved id.

    ``{kind}:{event_id}`` when the id is short and made of :data:`_SAFE_ID` characters; else
    ``{kind}:#{sha256 hex}``. Distinct ids never share an entry (nothing is substituted).
    """
    if not _KIND.fullmatch(kind):
        raise ValueError(f"ledger kind {kind!r} must match {_KIND.pattern}")
    if len(event_id) <= MAX_EVENT_ID and _SAFE_ID.fullmatch(event_id) and not _RESERVED.fullmatch(event_id):
        return f"{kind}:{event_id}"
    digest = hashlib.sha256(event_id.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{kind}:#{digest}"


def ref(event_id: str, kind: str) -> Any:
    """The ledger document of an event, for callers that read it with their own documents."""
    from gitalong.infra import firestore

    return firestore.client().collection(COLLECTION).document(doc_id(event_id, kind))


def is_recorded(snaps: Mapping[str, Any], entry: Any) -> bool:
    """Was the event recorded already? ``snaps``: path → snapshot, as read in the transaction."""
    return bool(snaps[entry.path].exists)


def record(
    transaction: Any, event_id: str, kind: str, ttl: timedelta = DEFAULT_TTL, subject: str | None = None
) -> None:
    """Add the event's entry to ``transaction`` (commits with the effect, or not at all)."""
    from google.cloud.firestore import SERVER_TIMESTAMP

    entry: dict[str, Any] = {
        "kind": kind,
        "event_id": event_id[:MAX_EVENT_ID],
        "processed_at": SERVER_TIMESTAMP,
        "expires_at": datetime.now(UTC) + ttl,
    }
    if subject is not None:
        entry["subject"] = subject
    transaction.set(ref(event_id, kind), entry)


@dataclass(frozen=True)
class Applied(Generic[T]):
    """What :func:`apply_once` did: ``first`` is False for a redelivery (``result`` is then None)."""

    first: bool
    result: T | None = None


def apply_once(
    event_id: str,
    kind: str,
    effect: Callable[[Any, dict[str, Any]], T],
    reads: Iterable[Any] = (),
    subject: str | None = None,
) -> Applied[T]:
    """Run ``effect(tx, snaps)`` and record the event in one transaction, unless it is recorded.

    ``snaps`` maps the path of each of ``reads`` (read with the ledger entry, in one round
    trip) to its snapshot. ``effect`` may read more in ``tx`` before it writes; it may run
    again when the transaction loses to a concurrent one, so it must not do anything outside
    Firestore that a second run would repeat harmfully.
    """
    from gitalong.infra.transactions import run_transaction

    entry = ref(event_id, kind)
    refs = [entry, *reads]

    def body(tx: Any) -> Applied[T]:
        snaps = {snap.reference.path: snap for snap in tx.get_all(refs)}
        if is_recorded(snaps, entry):
            return Applied(first=False)
        result = effect(tx, snaps)
        record(tx, event_id, kind, subject=subject)
        return Applied(first=True, result=result)

    return run_transaction(body)
