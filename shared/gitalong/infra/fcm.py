"""Push notifications through Firebase Cloud Messaging, behind a small interface.

FCM has no emulator. :class:`FirebaseSender` sends with ``firebase_admin.messaging``;
:class:`RecordingSender` writes what it would send to ``_fcm_outbox/{id}`` so tests (and
anyone running the emulator) can see it. :func:`sender` picks one: the recording sender
on the emulator or when ``GITALONG_FCM=record``, the real one otherwise.
"""

from __future__ import annotations

import logging
import os
import uuid
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Protocol

from gitalong.core.config import running_on_emulator

logger = logging.getLogger(__name__)

OUTBOX = "_fcm_outbox"
DEAD_TOKEN_PREFIX = "dead-"  # the recording sender reports these tokens as unregistered


@dataclass(frozen=True)
class Push:
    """One notification for one user's devices."""

    uid: str
    tokens: list[str]
    title: str
    body: str
    data: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SendReport:
    """What FCM said: how many were delivered and which tokens are dead (to forget)."""

    sent: int
    dead_tokens: list[str]


class Sender(Protocol):
    def send(self, push: Push) -> SendReport: ...


class FirebaseSender:
    """The real thing: ``messaging.send_each_for_multicast``; unregistered tokens are dead."""

    def send(self, push: Push) -> SendReport:
        import firebase_admin
        from firebase_admin import messaging

        try:
            firebase_admin.get_app()
        except ValueError:  # no default app yet
            firebase_admin.initialize_app()
        message = messaging.MulticastMessage(
            tokens=push.tokens,
            notification=messaging.Notification(title=push.title, body=push.body),
            data=push.data,
        )
        response = messaging.send_each_for_multicast(message)
        dead: list[str] = []
        for token, result in zip(push.tokens, response.responses, strict=False):
            error = result.exception
            if error is None:
                continue
            if isinstance(error, messaging.UnregisteredError | messaging.SenderIdMismatchError):
                dead.append(token)
            else:
                logger.warning("fcm send to a token of %s failed: %s", push.uid, error)
        return SendReport(sent=response.success_count, dead_tokens=dead)


class RecordingSender:
    """Records each push in ``_fcm_outbox``; tokens starting with ``dead-`` count as dead."""

    def send(self, push: Push) -> SendReport:
        from google.cloud.firestore import SERVER_TIMESTAMP

        from gitalong.infra import firestore

        dead = [t for t in push.tokens if t.startswith(DEAD_TOKEN_PREFIX)]
        live = [t for t in push.tokens if t not in dead]
        firestore.client().collection(OUTBOX).document(uuid.uuid4().hex).set(
            {
                "uid": push.uid,
                "tokens": live,
                "dead_tokens": dead,
                "title": push.title,
                "body": push.body,
                "data": push.data,
                "sent_at": SERVER_TIMESTAMP,
            }
        )
        return SendReport(sent=len(live), dead_tokens=dead)


@lru_cache(maxsize=1)
def sender() -> Sender:
    """The sender for this process (recording on the emulator, else FCM)."""
    choice = os.environ.get("GITALONG_FCM", "").lower()
    if choice == "record" or (choice != "firebase" and running_on_emulator()):
        return RecordingSender()
    return FirebaseSender()
