"""Where the media area keeps its data: ``media/{id}`` records, ``media_quota/{uid}``, monthly usage.

The Cloudinary public id of a record is ``gitalong/{uid}/{avatars|showcase|videos}/{mediaId}``,
so a notification names its record (:func:`gitalong.media.model.parse_public_id`).
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from gitalong.infra.firestore import where

MEDIA = "media"
QUOTA = "media_quota"
"""``media_quota/{uid}``: rewritten by every reservation, so one user's reservations serialize."""
MONTHLY_USAGE_PATH = "stats/media_usage/months/{month}"


def new_media_id() -> str:
    return f"m{secrets.token_hex(10)}"


def media_ref(db: Any, media_id: str) -> Any:
    return db.collection(MEDIA).document(media_id)


def quota_ref(db: Any, uid: str) -> Any:
    return db.collection(QUOTA).document(uid)


def monthly_usage_ref(db: Any, month: str) -> Any:
    return db.document(MONTHLY_USAGE_PATH.format(month=month))


def media_of(db: Any, uid: str) -> Any:
    """The query for every media record ``uid`` owns."""
    return where(db.collection(MEDIA), "owner_id", "==", uid)


def with_status(db: Any, status: str, older_field: str | None = None, before: datetime | None = None) -> Any:
    """Records in ``status`` (and, when given, whose ``older_field`` is before ``before``)."""
    query = where(db.collection(MEDIA), "status", "==", status)
    return where(query, older_field, "<", before) if older_field is not None else query


def created_between(db: Any, start: datetime, end: datetime) -> Any:
    """Records created in ``[start, end)``."""
    return where(where(db.collection(MEDIA), "created_at", ">=", start), "created_at", "<", end)
