"""Where the media area keeps its data: ``media/{id}`` records and ``media_quota/{uid}``."""

from __future__ import annotations

from typing import Any

MEDIA = "media"
QUOTA = "media_quota"


def media_of(db: Any, uid: str) -> Any:
    """The query for every media record ``uid`` owns."""
    from gitalong.infra.firestore import where

    return where(db.collection(MEDIA), "owner_id", "==", uid)
