"""``report_user``: store a report for moderation (``reports/{id}``, functions-only)."""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING, Any

from gitalong.core.buckets import BucketLimit
from gitalong.core.errors import InvalidArgument, NotFound
from gitalong.infra import firestore, rate_limit
from gitalong.profiles import store as profiles_store
from gitalong.safety import store

if TYPE_CHECKING:
    from gitalong.contract.callables import ReportUserRequest

logger = logging.getLogger(__name__)

REPORT_LIMITS = (BucketLimit("day", 20, 86_400.0),)


def report_user(uid: str, request: ReportUserRequest) -> dict[str, Any]:
    """Record ``uid``'s report on ``request.target_id``; returns ``{report_id}``."""
    from gitalong.infra.firestore import SERVER_TIMESTAMP

    if request.target_id == uid:
        raise InvalidArgument("you cannot report yourself", [{"field": "target_id", "message": "is you"}])
    db = firestore.client()
    if not any(ref.get().exists for ref in (profiles_store.card_ref(db, request.target_id),
                                            profiles_store.user_ref(db, request.target_id))):
        raise NotFound(f"user {request.target_id} does not exist")
    rate_limit.consume(uid, "report", REPORT_LIMITS)
    report_id = uuid.uuid4().hex
    store.report_ref(db, report_id).set(
        {"reporter_id": uid, "target_id": request.target_id, "reason": request.reason,
         "status": "open", "created_at": SERVER_TIMESTAMP}
    )
    logger.info("report %s: %s reported %s", report_id, uid, request.target_id)
    return {"report_id": report_id}
