"""Matches: creation side effects (outbox → Pub/Sub + notifications), ``unmatch``, chat messages.

``match-created`` is published through a transactional outbox: the transaction that
creates ``matches/{id}`` also creates ``outbox/match-created_{id}``. After the commit,
:func:`deliver_match_created` publishes, notifies both users and deletes the entry; when
any step fails the entry stays and :func:`flush_match_outbox` (scheduled) retries it. So
the message is published at least once; subscribers dedupe on ``match_id``.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from gitalong.contract import topics
from gitalong.core.errors import NotFound
from gitalong.infra import counters, firestore, ledger, notifications
from gitalong.swipes import model as rules

if TYPE_CHECKING:
    from gitalong.contract.callables import UnmatchRequest

logger = logging.getLogger(__name__)

OUTBOX = "outbox"
CHAT_KIND = "chat-message"
"""Ledger kind of the chat trigger's events."""


def new_match(a: str, b: str) -> dict[str, Any]:
    """The fields of a new active match between ``a`` and ``b``."""
    from gitalong.infra.firestore import SERVER_TIMESTAMP

    return {
        "participants": list(rules.pair(a, b)),
        "status": "active",
        "created_at": SERVER_TIMESTAMP,
        "updated_at": SERVER_TIMESTAMP,
        "last_message_at": None,
        "last_message_preview": None,
        "message_senders": [],
    }


def _outbox_ref(match_id: str) -> Any:
    return firestore.client().collection(OUTBOX).document(f"match-created_{match_id}")


def stage_match_created(tx: Any, match_id: str, participants: list[str]) -> None:
    """Stage the ``match-created`` outbox entry in the transaction that creates the match."""
    from gitalong.infra.firestore import SERVER_TIMESTAMP

    tx.set(
        _outbox_ref(match_id),
        {"kind": "match-created", "match_id": match_id, "participants": participants,
         "created_at": SERVER_TIMESTAMP, "attempts": 0},
    )


def deliver_match_created(match_id: str) -> bool:
    """Publish ``match-created``, notify both users, then drop the outbox entry.

    Not on the processed-event ledger: its effects are not Firestore writes that could share
    a transaction with an entry. Why they still happen once: the outbox entry is created once,
    in the match's own transaction, and a delivery after it is gone does nothing; each
    notification (and its FCM push) has the deterministic id ``match_{matchId}``, created (and
    pushed) only if it does not exist. The publish alone is at least once (two deliveries that
    overlap, or a crash before the delete, publish again), which is why subscribers dedupe on
    ``match_id``. Returns False, leaving the entry for :func:`flush_match_outbox`, when a
    step fails.
    """
    from gitalong.infra import pubsub
    from gitalong.infra.firestore import Increment

    ref = _outbox_ref(match_id)
    entry = ref.get()
    if not entry.exists:
        return True
    participants = list((entry.to_dict() or {}).get("participants") or [])
    try:
        pubsub.publish(topics.MATCH_CREATED, {"match_id": match_id, "participants": participants}, timeout=10)
        names = _names(participants)
        for uid in participants:
            other = next((p for p in participants if p != uid), uid)
            notifications.notify(
                uid, f"match_{match_id}", "match", "It's a match!",
                f"You and {names.get(other) or 'someone'} like each other. Say hi!",
                {"match_id": match_id, "other_id": other},
            )
    except Exception:
        logger.exception("match-created %s not delivered yet: left in the outbox", match_id)
        ref.update({"attempts": Increment(1)})
        return False
    ref.delete()
    logger.info("match-created %s delivered to %s", match_id, participants)
    return True


def flush_match_outbox(older_than_s: float = 60.0, limit: int = 100) -> int:
    """Deliver outbox entries older than ``older_than_s`` (left by failed deliveries).

    Query: ``outbox where created_at < now - older_than_s`` (single-field index).
    """
    from gitalong.infra.firestore import FieldFilter

    cutoff = datetime.now(UTC) - timedelta(seconds=older_than_s)
    query = (
        firestore.client().collection(OUTBOX)
        .where(filter=FieldFilter("created_at", "<", cutoff))
        .limit(limit)
    )
    delivered = 0
    for snap in query.stream():
        data = snap.to_dict() or {}
        if data.get("kind") == "match-created" and deliver_match_created(str(data.get("match_id"))):
            delivered += 1
    logger.info("outbox flush: %d delivered", delivered)
    return delivered


def notify_project_interest(owner_id: str, uid: str, project_id: str) -> None:
    """Tell a project's owner that ``uid`` swiped right on it (best effort)."""
    try:
        title = _names([project_id], collection="projects", field="title").get(project_id) or "your project"
        name = _names([uid]).get(uid) or "Someone"
        notifications.notify(
            owner_id, f"interest_{uid}_{project_id}", "project_interest", "New interest in your project",
            f"{name} is interested in {title}.", {"project_id": project_id, "user_id": uid},
        )
    except Exception:
        logger.exception("project interest notification for %s failed", owner_id)


def _names(ids: list[str], collection: str = "profiles", field: str = "display_name") -> dict[str, str]:
    db = firestore.client()
    refs = [db.collection(collection).document(i) for i in ids]
    return {s.id: str((s.to_dict() or {}).get(field) or "") for s in db.get_all(refs) if s.exists}


# --- unmatch --------------------------------------------------------------------------


def unmatch(uid: str, request: UnmatchRequest) -> dict[str, Any]:
    """Set the match inactive for both participants (idempotent)."""
    end_match(uid, request.match_id, reason="unmatched")
    return {"ok": True}


def end_match(uid: str, match_id: str, reason: str, missing_ok: bool = False) -> bool:
    """Make ``match_id`` inactive; ``uid`` must be a participant. Returns True if it was active.

    ``NOT_FOUND`` (also for a match ``uid`` is not part of: existence is not disclosed).
    """
    from gitalong.infra.firestore import SERVER_TIMESTAMP
    from gitalong.infra.transactions import run_transaction

    ref = firestore.client().collection("matches").document(match_id)

    def run(tx: Any) -> bool:
        (snap,) = tx.get_all([ref])
        data = snap.to_dict() if snap.exists else None
        if data is None or uid not in (data.get("participants") or []):
            if missing_ok:
                return False
            raise NotFound(f"match {match_id} not found")
        if data.get("status") != "active":
            return False
        tx.update(ref, {"status": "inactive", "ended_by": uid, "ended_reason": reason,
                        "ended_at": SERVER_TIMESTAMP, "updated_at": SERVER_TIMESTAMP})
        return True

    changed = run_transaction(run)
    logger.info("match %s ended by %s (%s): %s", match_id, uid, reason, "now inactive" if changed else "no change")
    return changed


# --- chat -----------------------------------------------------------------------------


def on_message_created(match_id: str, message_id: str, event_id: str, message: dict[str, Any] | None) -> str:
    """Handle a new chat message once: update the match's last message, notify the other side.

    Ignores messages from non-participants, on inactive matches and duplicates (the ledger,
    kind ``chat-message``, recorded in the transaction that updates the match); an older
    message (out of order) never overwrites a newer ``last_message_at``. The second distinct
    sender starts the conversation (``conversations_started`` +1 for both, in the same
    transaction). Returns what happened, for logs and tests.

    The notification (and its FCM push) is not a write of that transaction: it follows the
    commit, under the deterministic id ``msg_{matchId}_{messageId}``. ``notify`` creates that
    document and pushes only when the create succeeds, so a duplicate, which notifies again
    to finish a delivery cut short after the commit, creates and pushes nothing twice.
    """
    from gitalong.infra.firestore import SERVER_TIMESTAMP, ArrayUnion
    from gitalong.infra.transactions import run_transaction

    if not message:
        return "no message"
    sender = str(message.get("sender_id") or "")
    raw_text = message.get("text")
    text = raw_text if isinstance(raw_text, str) else ""
    sent_at = message.get("created_at") if isinstance(message.get("created_at"), datetime) else None
    db = firestore.client()
    match_ref = db.collection("matches").document(match_id)
    ledger_ref = ledger.ref(event_id, CHAT_KIND)

    def run(tx: Any) -> tuple[str, str | None]:
        snaps = {s.reference.path: s for s in tx.get_all([match_ref, ledger_ref])}
        match = snaps[match_ref.path].to_dict() if snaps[match_ref.path].exists else None
        participants = list((match or {}).get("participants") or [])
        if match is None or sender not in participants:
            return "ignored: sender is not a participant", None
        other = next((p for p in participants if p != sender), None)
        if ledger.is_recorded(snaps, ledger_ref):
            return "duplicate", other  # notify again: its deterministic id makes that a no-op
        if match.get("status") != "active":
            return "ignored: match inactive", None
        update: dict[str, Any] = {"updated_at": SERVER_TIMESTAMP}
        last = match.get("last_message_at")
        if sent_at is None or last is None or not isinstance(last, datetime) or sent_at >= last:
            update["last_message_at"] = sent_at or SERVER_TIMESTAMP
            update["last_message_preview"] = rules.preview(text)
        senders = set(match.get("message_senders") or [])
        if sender not in senders:
            update["message_senders"] = ArrayUnion([sender])
            if senders and other in senders:
                for p in participants:
                    counters.increment(p, "conversations_started", writer=tx)
        tx.update(match_ref, update)
        ledger.record(tx, event_id, CHAT_KIND, subject=f"{match_ref.path}/messages/{message_id}")
        return "processed", other

    outcome, other = run_transaction(run)
    logger.info("message %s in match %s from %s: %s", message_id, match_id, sender, outcome)
    if other:
        name = _names([sender]).get(sender) or "Your match"
        notifications.notify(
            other, f"msg_{match_id}_{message_id}", "message", name, rules.preview(text),
            {"match_id": match_id, "message_id": message_id, "sender_id": sender},
        )
    return outcome
