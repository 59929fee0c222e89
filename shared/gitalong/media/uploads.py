"""Uploads: signed direct uploads and server uploads within the user's quota; the avatar on the card."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from gitalong.contract.types import MediaKind
from gitalong.core.errors import InvalidArgument, Unavailable
from gitalong.infra import firestore
from gitalong.infra.cloudinary_store import MediaStore, StoreError, resolved_store
from gitalong.media import model as media
from gitalong.media import store as store_refs
from gitalong.profiles import store as profiles_store

if TYPE_CHECKING:
    from gitalong.contract.callables import CreateUploadSignatureRequest

logger = logging.getLogger(__name__)


class UploadMediaForm(BaseModel):
    """The non-file fields of an ``upload_media`` request."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, frozen=True)

    kind: MediaKind


def usage_of(uid: str, transaction: Any = None) -> media.Usage:
    """The user's live media (pending + ready) and their bytes."""
    query = store_refs.media_of(firestore.client(), uid).select(["status", "bytes"])
    return media.Usage.of(doc.to_dict() or {} for doc in query.stream(transaction=transaction))


def _create_within_quota(uid: str, limits: media.Limits, adding_bytes: int, ref: Any, record: dict[str, Any]) -> None:
    """Check the quota and create the pending ``record`` at ``ref`` in one transaction.

    Concurrent uploads of one user are serialized through ``media_quota/{uid}``: each
    transaction reads and rewrites it, so two of them cannot both count the same usage and
    both create a record (a query alone does not lock out a concurrent insert). Raises
    ``RESOURCE_EXHAUSTED`` when over, ``UNAVAILABLE`` when contention outlasts the retries.
    """
    from gitalong.infra.firestore import SERVER_TIMESTAMP
    from gitalong.infra.transactions import CONTENTION, run_transaction

    lock = store_refs.quota_ref(firestore.client(), uid)

    def reserve(tx: Any) -> None:
        list(tx.get_all([lock]))
        media.check_quota(usage_of(uid, transaction=tx), limits, adding_bytes=adding_bytes)
        tx.set(lock, {"uid": uid, "updated_at": SERVER_TIMESTAMP})
        tx.create(ref, record)

    try:
        run_transaction(reserve)
    except CONTENTION as err:
        raise Unavailable("media uploads of this user are busy; retry") from err


def _upload_params(kind: media.KindSpec, folder: str, media_id: str, store: MediaStore,
                   eager_async: bool) -> dict[str, Any]:
    return {
        "public_id": media_id,
        "folder": folder,
        "allowed_formats": ",".join(kind.formats),
        "eager": store.build_eager(kind.eager),
        "eager_async": eager_async,
        "notification_url": store.settings.notification_url,
    }


def _pending_record(uid: str, kind: media.KindSpec, folder: str, media_id: str, now: datetime,
                    source: str, filename: str | None) -> dict[str, Any]:
    return {
        "owner_id": uid,
        "kind": kind.kind,
        "status": media.PENDING,
        "source": source,
        "public_id": media.full_public_id(folder, media_id),
        "folder": folder,
        "resource_type": kind.resource_type,
        "filename": filename,
        "bytes": 0,
        "created_at": now,
        "updated_at": now,
    }


def create_upload_signature(uid: str, request: CreateUploadSignatureRequest, store: MediaStore | None = None,
                            limits: media.Limits | None = None, now: datetime | None = None) -> dict[str, Any]:
    """Sign a direct upload for ``request.kind`` and create its pending record."""
    kind = media.spec(request.kind)
    limits = limits or media.Limits.from_env()
    filename = getattr(request, "filename", None)
    if filename and "." in filename and filename.rsplit(".", 1)[1].lower() not in (*kind.formats, "jpeg"):
        raise InvalidArgument(f"{kind.kind} files must be one of {', '.join(kind.formats)}",
                              [{"field": "filename", "message": "this extension is not allowed"}])
    store = resolved_store(store)
    now = now or datetime.now(UTC)
    media_id = store_refs.new_media_id()
    folder = media.folder_for(uid, kind.kind)
    params = {**_upload_params(kind, folder, media_id, store, eager_async=True), "timestamp": int(now.timestamp())}
    expires_at = now + timedelta(seconds=media.SIGNATURE_VALIDITY_SECONDS)
    record = _pending_record(uid, kind, folder, media_id, now, "direct", filename)
    ref = store_refs.media_ref(firestore.client(), media_id)
    _create_within_quota(uid, limits, 0, ref, {**record, "expires_at": expires_at})
    signature = store.sign(params)
    logger.info("signed a direct %s upload for %s as media %s", kind.kind, uid, media_id)
    return {
        "media_id": media_id,
        "upload_url": store.upload_url(kind.resource_type),
        "api_key": store.settings.api_key,
        "timestamp": params["timestamp"],
        "signature": signature,
        "public_id": media_id,
        "folder": folder,
        "resource_type": kind.resource_type,
        "allowed_formats": params["allowed_formats"],
        "eager": params["eager"],
        "eager_async": True,
        "notification_url": params["notification_url"],
        "max_bytes": limits.max_bytes(kind.kind),
        "expires_at": expires_at,
    }


def upload_media(uid: str, kind_name: str, filename: str | None, data: bytes, store: MediaStore | None = None,
                 limits: media.Limits | None = None) -> dict[str, Any]:
    """Check the bytes (magic, size, quota), upload them, and return the ready media record."""
    kind = media.spec(kind_name)
    limits = limits or media.Limits.from_env()
    fmt = media.check_file(kind.kind, filename, len(data), data[:64], limits, server_upload=True)
    store = resolved_store(store)
    now = datetime.now(UTC)
    media_id = store_refs.new_media_id()
    folder = media.folder_for(uid, kind.kind)
    ref = store_refs.media_ref(firestore.client(), media_id)
    record = _pending_record(uid, kind, folder, media_id, now, "server", filename)
    _create_within_quota(uid, limits, len(data), ref, record)
    # Images get their eager versions in the response; video transcoding stays asynchronous.
    params = _upload_params(kind, folder, media_id, store, eager_async=kind.resource_type == "video")
    try:
        result = store.upload(data, filename or f"upload.{fmt}", kind.resource_type, params)
    except StoreError:
        ref.delete()
        raise
    fields = {**media.asset_fields(kind.kind, result), "status": media.READY, "updated_at": datetime.now(UTC)}
    from gitalong.infra.transactions import run_transaction

    # Cloudinary's upload notification for this record may be in its webhook transaction right
    # now (it reads the record): as a transaction this write waits its turn, retried on contention.
    run_transaction(lambda tx: tx.set(ref, fields, merge=True))
    if kind.kind == "avatar":
        set_avatar(uid, str(fields["secure_url"]))
    logger.info("uploaded %s for %s: media %s, %s bytes", kind.kind, uid, media_id, fields["bytes"])
    return {"media_id": media_id, **(ref.get().to_dict() or {})}


def set_avatar(uid: str, url: str, writer: Any = None) -> None:
    """Only ``avatar_url`` of the public card (merge): the profiles trigger owns the rest.

    Written now, or on ``writer`` (a transaction) when given."""
    ref = profiles_store.card_ref(firestore.client(), uid)
    if writer is not None:
        writer.set(ref, {"avatar_url": url}, merge=True)
    else:
        ref.set({"avatar_url": url}, merge=True)
    logger.info("profile %s avatar_url set", uid)


def clear_avatar(uid: str, url: str | None) -> None:
    """Remove ``avatar_url`` if it still shows ``url``; never creates a profile."""
    if not url:
        return
    db = firestore.client()
    ref = profiles_store.card_ref(db, uid)
    snap = ref.get()
    if snap.exists and (snap.to_dict() or {}).get("avatar_url") == url:
        from gitalong.infra.firestore import FailedPrecondition as Conflict
        from gitalong.infra.firestore import NotFound as Gone

        try:
            ref.update({"avatar_url": None}, option=db.write_option(last_update_time=snap.update_time))
        except (Conflict, Gone):
            logger.info("profile %s changed meanwhile; avatar left as is", uid)
