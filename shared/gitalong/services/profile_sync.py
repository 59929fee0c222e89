"""Keep ``profiles/{uid}`` in step with ``users/{uid}``."""

from __future__ import annotations

import logging
from typing import Any

from gitalong.adapters import firestore
from gitalong.profiles import public_card

logger = logging.getLogger(__name__)


def sync(uid: str, user: dict[str, Any] | None) -> None:
    """Write the public card of ``user``, or delete it when the user document is gone."""
    ref = firestore.client().collection("profiles").document(uid)
    if user is None:
        ref.delete()
        logger.info("profile %s removed", uid)
        return
    ref.set(public_card(user))
    logger.info("profile %s synced", uid)
