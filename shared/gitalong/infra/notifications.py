"""In-app notifications (``notifications/{uid}/items/{id}``) and their push copies.

Every notification has a deterministic id chosen by the caller (e.g. ``match_{matchId}``),
so a redelivered event creates it once and pushes it once. Any area may notify through
:func:`notify`.
"""

from __future__ import annotations

import logging
from typing import Any

from gitalong.infra import fcm, firestore

logger = logging.getLogger(__name__)

COLLECTION = "notifications"


def items(uid: str) -> Any:
    """The collection of ``uid``'s notifications."""
    return firestore.client().collection(COLLECTION).document(uid).collection("items")


def notify(uid: str, item_id: str, kind: str, title: str, body: str, data: dict[str, str] | None = None) -> bool:
    """Create notification ``item_id`` for ``uid`` and push it to the user's devices.

    Returns False (and pushes nothing) when that notification exists already.
    """
    from google.api_core.exceptions import AlreadyExists
    from google.cloud.firestore import SERVER_TIMESTAMP

    payload = dict(data or {})
    try:
        items(uid).document(item_id).create(
            {"type": kind, "title": title, "body": body, "data": payload, "read": False, "created_at": SERVER_TIMESTAMP}
        )
    except AlreadyExists:
        logger.info("notification %s/%s exists already: not sent again", uid, item_id)
        return False
    push(uid, title, body, {**payload, "type": kind, "notification_id": item_id})
    return True


def push(uid: str, title: str, body: str, data: dict[str, str]) -> int:
    """Send a push to every token in ``users/{uid}.fcm_tokens``; forget the dead ones."""
    from google.cloud.firestore import ArrayRemove

    user_ref = firestore.client().collection("users").document(uid)
    user = user_ref.get()
    tokens = [t for t in ((user.to_dict() or {}).get("fcm_tokens") or []) if isinstance(t, str) and t]
    if not tokens:
        return 0
    try:
        report = fcm.sender().send(fcm.Push(uid, tokens, title, body, {k: str(v) for k, v in data.items()}))
    except Exception:  # a push is best effort: the in-app notification is already stored
        logger.exception("push to %s failed", uid)
        return 0
    if report.dead_tokens:
        user_ref.update({"fcm_tokens": ArrayRemove(report.dead_tokens)})
        logger.info("removed %d dead fcm tokens of %s", len(report.dead_tokens), uid)
    logger.info("pushed to %s: %d delivered", uid, report.sent)
    return report.sent
