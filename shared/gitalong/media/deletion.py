"""Deleting media: by its owner, with the account, and the sweep that retries and cleans up."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from gitalong.core.errors import NotFound, PermissionDenied
from gitalong.infra import firestore
from gitalong.infra.cloudinary_store import MediaStore, StoreError, resolved_store
from gitalong.media import model as media
from gitalong.media import store as store_refs
from gitalong.media import uploads

if TYPE_CHECKING:
    from gitalong.contract.callables import DeleteMediaRequest

logger = logging.getLogger(__name__)

STUCK_DELETING_AFTER = timedelta(minutes=10)


def try_destroy(public_id: str, resource_type: str, store: MediaStore) -> bool:
    try:
        outcome = store.destroy(public_id, resource_type)
    except StoreError as err:
        logger.warning("destroy %s failed: %s", public_id, err.message)
        return False
    logger.info("destroyed %s (%s)", public_id, outcome)
    return True


def _destroy_record(ref: Any, record: Mapping[str, Any], store: MediaStore) -> bool:
    """Destroy the asset, then the record; on failure mark the record ``delete_failed``."""
    if try_destroy(str(record["public_id"]), str(record.get("resource_type") or "image"), store):
        ref.delete()
        if record.get("kind") == "avatar":
            uploads.clear_avatar(str(record["owner_id"]), record.get("secure_url"))
        return True
    from gitalong.infra.firestore import Increment

    ref.update({"status": media.DELETE_FAILED, "delete_attempts": Increment(1), "updated_at": datetime.now(UTC)})
    return False


def delete_media(uid: str, request: DeleteMediaRequest, store: MediaStore | None = None) -> dict[str, Any]:
    """Owner only: destroy the asset and the record. A Cloudinary failure leaves it for the sweep."""
    store = resolved_store(store)
    ref = store_refs.media_ref(firestore.client(), request.media_id)
    snap = ref.get()
    if not snap.exists:
        raise NotFound(f"no media {request.media_id}")
    record = snap.to_dict() or {}
    if record.get("owner_id") != uid:
        raise PermissionDenied("only the owner may delete this media")
    ref.update({"status": media.DELETING, "updated_at": datetime.now(UTC)})
    if not _destroy_record(ref, record, store):
        logger.warning("media %s of %s marked delete_failed; the sweep retries", ref.id, uid)
    return {"ok": True}


def delete_all_media_of(uid: str, store: MediaStore | None = None) -> int:
    """Destroy every asset and record of ``uid`` (account deletion). Returns how many records were
    removed; any whose Cloudinary call failed stay ``delete_failed`` for the sweep."""
    store = resolved_store(store)
    removed = 0
    for snap in store_refs.media_of(firestore.client(), uid).stream():
        snap.reference.update({"status": media.DELETING, "updated_at": datetime.now(UTC)})
        removed += _destroy_record(snap.reference, snap.to_dict() or {}, store)
    logger.info("deleted %d media of %s", removed, uid)
    return removed


def sweep(now: datetime | None = None, store: MediaStore | None = None) -> dict[str, int]:
    """Retry failed deletions, finish stuck ones, drop pending uploads that never came (older than
    a day) and rejected records older than a day."""
    now = now or datetime.now(UTC)
    store = resolved_store(store)
    counts = {"retried": 0, "deleted": 0, "expired_pending": 0, "rejected_removed": 0}
    db = firestore.client()
    for snap in store_refs.with_status(db, media.DELETE_FAILED).stream():
        counts["retried"] += 1
        counts["deleted"] += _destroy_record(snap.reference, snap.to_dict() or {}, store)
    for snap in store_refs.with_status(db, media.DELETING, "updated_at", now - STUCK_DELETING_AFTER).stream():
        counts["retried"] += 1
        counts["deleted"] += _destroy_record(snap.reference, snap.to_dict() or {}, store)
    day_ago = now - timedelta(seconds=media.PENDING_TTL_SECONDS)
    for snap in store_refs.with_status(db, media.PENDING, "created_at", day_ago).stream():
        snap.reference.update({"status": media.DELETING, "updated_at": now})
        counts["expired_pending"] += _destroy_record(snap.reference, snap.to_dict() or {}, store)
    for snap in store_refs.with_status(db, media.REJECTED, "updated_at", day_ago).stream():
        snap.reference.delete()
        counts["rejected_removed"] += 1
    logger.info("media sweep: %s", counts)
    return counts
