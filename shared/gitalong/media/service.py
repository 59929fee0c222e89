"""Media use cases: signed direct uploads, server uploads, Cloudinary notifications, deletion,
the retry/clean-up sweep and the monthly usage summary.

Records live in ``media/{mediaId}`` (see docs/media.md). The Cloudinary public id of a record
is ``gitalong/{uid}/{avatars|showcase|videos}/{mediaId}``, so a notification names its record.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict

from gitalong.contract.types import MediaKind
from gitalong.core.errors import (
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    ResourceExhausted,
    Unavailable,
)
from gitalong.infra import firestore, ledger
from gitalong.infra.cloudinary_store import MediaStore, StoreError, store_from
from gitalong.media import model as media

logger = logging.getLogger(__name__)

NOTIFICATION_VALID_FOR_S = 2 * 3600
"""Notifications older than this are refused as stale (Cloudinary's SDK default)."""
STUCK_DELETING_AFTER = timedelta(minutes=10)
MONTHLY_USAGE_PATH = "stats/media_usage/months/{month}"
QUOTA_COLLECTION = "media_quota"
"""``media_quota/{uid}``: rewritten by every reservation, so one user's reservations serialize."""


class UploadMediaForm(BaseModel):
    """The non-file fields of an ``upload_media`` request."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, frozen=True)

    kind: MediaKind


def _now() -> datetime:
    return datetime.now(UTC)


def _collection() -> Any:
    return firestore.client().collection("media")


def _field(path: str, op: str, value: Any) -> Any:
    from gitalong.infra.firestore import FieldFilter

    return FieldFilter(path, op, value)


def _new_media_id() -> str:
    return f"m{secrets.token_hex(10)}"


def _store(store: MediaStore | None) -> MediaStore:
    return store if store is not None else store_from()


def usage_of(uid: str, transaction: Any = None) -> media.Usage:
    """The user's live media (pending + ready) and their bytes."""
    query = _collection().where(filter=_field("owner_id", "==", uid)).select(["status", "bytes"])
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

    lock = firestore.client().collection(QUOTA_COLLECTION).document(uid)

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


# --- direct (signed) uploads -------------------------------------------------------------


def create_upload_signature(uid: str, request: Any, store: MediaStore | None = None,
                            limits: media.Limits | None = None, now: datetime | None = None) -> dict[str, Any]:
    """Sign a direct upload for ``request.kind`` and create its pending record."""
    kind = media.spec(request.kind)
    limits = limits or media.Limits.from_env()
    filename = getattr(request, "filename", None)
    if filename and "." in filename and filename.rsplit(".", 1)[1].lower() not in (*kind.formats, "jpeg"):
        raise InvalidArgument(f"{kind.kind} files must be one of {', '.join(kind.formats)}",
                              [{"field": "filename", "message": "this extension is not allowed"}])
    store = _store(store)
    now = now or _now()
    media_id = _new_media_id()
    folder = media.folder_for(uid, kind.kind)
    params = {**_upload_params(kind, folder, media_id, store, eager_async=True), "timestamp": int(now.timestamp())}
    expires_at = now + timedelta(seconds=media.SIGNATURE_VALIDITY_SECONDS)
    record = _pending_record(uid, kind, folder, media_id, now, "direct", filename)
    _create_within_quota(uid, limits, 0, _collection().document(media_id), {**record, "expires_at": expires_at})
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


# --- server-side uploads -----------------------------------------------------------------


def upload_media(uid: str, kind_name: str, filename: str | None, data: bytes, store: MediaStore | None = None,
                 limits: media.Limits | None = None) -> dict[str, Any]:
    """Check the bytes (magic, size, quota), upload them, and return the ready media record."""
    kind = media.spec(kind_name)
    limits = limits or media.Limits.from_env()
    fmt = media.check_file(kind.kind, filename, len(data), data[:64], limits, server_upload=True)
    store = _store(store)
    now = _now()
    media_id = _new_media_id()
    folder = media.folder_for(uid, kind.kind)
    ref = _collection().document(media_id)
    record = _pending_record(uid, kind, folder, media_id, now, "server", filename)
    _create_within_quota(uid, limits, len(data), ref, record)
    # Images get their eager versions in the response; video transcoding stays asynchronous.
    params = _upload_params(kind, folder, media_id, store, eager_async=kind.resource_type == "video")
    try:
        result = store.upload(data, filename or f"upload.{fmt}", kind.resource_type, params)
    except StoreError:
        ref.delete()
        raise
    fields = {**media.asset_fields(kind.kind, result), "status": media.READY, "updated_at": _now()}
    from gitalong.infra.transactions import run_transaction

    # Cloudinary's upload notification for this record may be in its webhook transaction right
    # now (it reads the record): as a transaction this write waits its turn, retried on contention.
    run_transaction(lambda tx: tx.set(ref, fields, merge=True))
    if kind.kind == "avatar":
        _set_avatar(uid, str(fields["secure_url"]))
    logger.info("uploaded %s for %s: media %s, %s bytes", kind.kind, uid, media_id, fields["bytes"])
    return {"media_id": media_id, **(ref.get().to_dict() or {})}


def _set_avatar(uid: str, url: str, writer: Any = None) -> None:
    """Only ``avatar_url`` of the public card (merge): the profiles trigger owns the rest.

    Written now, or on ``writer`` (a transaction) when given."""
    ref = firestore.client().collection("profiles").document(uid)
    if writer is not None:
        writer.set(ref, {"avatar_url": url}, merge=True)
    else:
        ref.set({"avatar_url": url}, merge=True)
    logger.info("profile %s avatar_url set", uid)


def _clear_avatar(uid: str, url: str | None) -> None:
    """Remove ``avatar_url`` if it still shows ``url``; never creates a profile."""
    if not url:
        return
    db = firestore.client()
    ref = db.collection("profiles").document(uid)
    snap = ref.get()
    if snap.exists and (snap.to_dict() or {}).get("avatar_url") == url:
        from gitalong.infra.firestore import FailedPrecondition as Conflict
        from gitalong.infra.firestore import NotFound as Gone

        try:
            ref.update({"avatar_url": None}, option=db.write_option(last_update_time=snap.update_time))
        except (Conflict, Gone):
            logger.info("profile %s changed meanwhile; avatar left as is", uid)


# --- notifications ------------------------------------------------------------------------


NOTIFICATION_KIND = "cloudinary-notification"
"""Ledger kind of a verified Cloudinary notification; its event id is ``{timestamp}:{signature}``."""


def handle_notification(body: str, timestamp: str | None, signature: str | None,
                        store: MediaStore | None = None, limits: media.Limits | None = None) -> tuple[int, str]:
    """Verify and apply one Cloudinary notification; returns ``(http status, what happened)``.

    Forged, altered, unsigned or stale → 401 and nothing is written. A verified notification
    is applied once: the record it names is read, and its update (plus the avatar on the
    card) written, in the transaction that records ``{X-Cld-Timestamp}:{X-Cld-Signature}``
    on the ledger, so a replay answers "already processed" and changes nothing. The one
    step outside Firestore, destroying an orphan or rejected asset, may run again when the
    transaction is retried; that is harmless (a second destroy answers "not found").
    """
    if not timestamp or not signature:
        return 401, "missing X-Cld-Timestamp or X-Cld-Signature"
    resolved = _store(store)
    try:
        age = _now().timestamp() - int(timestamp)
    except ValueError:
        return 401, "X-Cld-Timestamp is not a Unix time"
    if not resolved.verify_notification(body, timestamp, signature, NOTIFICATION_VALID_FOR_S):
        why = "stale timestamp" if age > NOTIFICATION_VALID_FOR_S else "bad signature"
        logger.warning("cloudinary notification refused: %s", why)
        return 401, why
    try:
        note = json.loads(body)
    except ValueError:
        return 400, "body is not JSON"
    if not isinstance(note, dict):
        return 400, "body is not a JSON object"
    kind = note.get("notification_type")
    rules = limits or media.Limits.from_env()
    public_id = str(note.get("public_id") or "")
    ref, owner = _target(public_id)

    def effect(tx: Any, snaps: dict[str, Any]) -> str:
        record = _record_in(snaps, ref, owner, public_id)
        if kind == "upload":
            return _on_upload(tx, ref, record, public_id, note, resolved, rules)
        if kind == "eager":
            return _on_eager(tx, ref, record, public_id, note)
        return f"ignored {kind} notification"

    applied = ledger.apply_once(f"{timestamp}:{signature}", NOTIFICATION_KIND, effect,
                                reads=[ref] if ref is not None else [], subject=ref.path if ref is not None else None)
    if not applied.first:
        logger.info("cloudinary notification already processed (replay)")
        return 200, "already processed"
    outcome = str(applied.result)
    logger.info("cloudinary %s notification: %s", kind, outcome)
    return 200, outcome


def _target(public_id: str) -> tuple[Any, str | None]:
    """The ``media/{id}`` a public id names, and its owner (``(None, None)``: not one of ours)."""
    parsed = media.parse_public_id(public_id)
    if parsed is None:
        return None, None
    return _collection().document(parsed[1]), parsed[0]


def _record_in(snaps: dict[str, Any], ref: Any, owner: str | None, public_id: str) -> dict[str, Any] | None:
    """The record as read in the transaction, if it is the one ``public_id`` names."""
    if ref is None:
        return None
    snap = snaps[ref.path]
    data = snap.to_dict() if snap.exists else None
    if data is not None and (data.get("public_id") != public_id or data.get("owner_id") != owner):
        return None
    return data


def _on_upload(tx: Any, ref: Any, record: dict[str, Any] | None, public_id: str, note: dict[str, Any],
               store: MediaStore, limits: media.Limits) -> str:
    if ref is None:
        return f"not one of ours: {public_id!r}"
    resource_type = str(note.get("resource_type") or "image")
    if record is None:
        # Deleted (or swept, or its account removed) before the upload landed: no orphans.
        _try_destroy(public_id, resource_type, store)
        return f"orphan upload {public_id} destroyed"
    if record["status"] not in (media.PENDING, media.READY):
        return f"media {ref.id} is {record['status']}; upload ignored"
    kind = str(record["kind"])
    size, fmt = int(note.get("bytes") or 0), str(note.get("format") or "")
    problem = None
    if fmt not in media.spec(kind).formats:
        problem = f"format {fmt} not allowed for {kind}"
    elif size > limits.max_bytes(kind):
        problem = f"{size} bytes is over the {kind} limit of {limits.max_bytes(kind)}"
    elif _uploaded_after(note, record.get("expires_at")):
        problem = "uploaded after its signature expired"
    elif record["status"] == media.PENDING:
        mine = _collection().where(filter=_field("owner_id", "==", record["owner_id"]))
        others = media.Usage.of(d.to_dict() or {} for d in mine.stream(transaction=tx) if d.id != ref.id)
        try:
            media.check_quota(others, limits, adding_bytes=size)
        except ResourceExhausted as exc:
            problem = exc.message
    if problem:
        status = media.REJECTED if _try_destroy(public_id, resource_type, store) else media.DELETE_FAILED
        tx.update(ref, {"status": status, "rejected_reason": problem, "updated_at": _now()})
        return f"media {ref.id} rejected: {problem}"
    fields = media.asset_fields(kind, note)
    fields = {k: v for k, v in fields.items() if v is not None}
    tx.update(ref, {**fields, "status": media.READY, "updated_at": _now()})
    if kind == "avatar" and fields.get("secure_url"):
        _set_avatar(str(record["owner_id"]), str(fields["secure_url"]), writer=tx)
    return f"media {ref.id} ready"


def _uploaded_after(note: Mapping[str, Any], expires_at: datetime | None) -> bool:
    """Did Cloudinary take the upload (its ``created_at``) after our signature's ``expires_at``?
    Cloudinary itself honours a signature for an hour; this enforces our shorter window."""
    if expires_at is None or not note.get("created_at"):
        return False
    try:
        created = datetime.fromisoformat(str(note["created_at"]).replace("Z", "+00:00"))
    except ValueError:
        return False
    return created > expires_at + timedelta(seconds=60)


def _on_eager(tx: Any, ref: Any, record: dict[str, Any] | None, public_id: str, note: dict[str, Any]) -> str:
    if ref is None or record is None:
        return f"eager for unknown {public_id!r} ignored"
    if record["status"] not in (media.PENDING, media.READY):
        return f"media {ref.id} is {record['status']}; eager ignored"
    urls = media.urls_from_eager(str(record["kind"]), note.get("eager"))
    if not urls:
        return f"eager for {ref.id} carried no URLs"
    tx.update(ref, {**urls, "eager_ready": True, "updated_at": _now()})
    return f"media {ref.id} eager versions ready"


# --- deletion -----------------------------------------------------------------------------


def _try_destroy(public_id: str, resource_type: str, store: MediaStore) -> bool:
    try:
        outcome = store.destroy(public_id, resource_type)
    except StoreError as err:
        logger.warning("destroy %s failed: %s", public_id, err.message)
        return False
    logger.info("destroyed %s (%s)", public_id, outcome)
    return True


def _destroy_record(ref: Any, record: Mapping[str, Any], store: MediaStore) -> bool:
    """Destroy the asset, then the record; on failure mark the record ``delete_failed``."""
    if _try_destroy(str(record["public_id"]), str(record.get("resource_type") or "image"), store):
        ref.delete()
        if record.get("kind") == "avatar":
            _clear_avatar(str(record["owner_id"]), record.get("secure_url"))
        return True
    from gitalong.infra.firestore import Increment

    ref.update({"status": media.DELETE_FAILED, "delete_attempts": Increment(1), "updated_at": _now()})
    return False


def delete_media(uid: str, request: Any, store: MediaStore | None = None) -> dict[str, Any]:
    """Owner only: destroy the asset and the record. A Cloudinary failure leaves it for the sweep."""
    store = _store(store)
    ref = _collection().document(request.media_id)
    snap = ref.get()
    if not snap.exists:
        raise NotFound(f"no media {request.media_id}")
    record = snap.to_dict() or {}
    if record.get("owner_id") != uid:
        raise PermissionDenied("only the owner may delete this media")
    ref.update({"status": media.DELETING, "updated_at": _now()})
    if not _destroy_record(ref, record, store):
        logger.warning("media %s of %s marked delete_failed; the sweep retries", ref.id, uid)
    return {"ok": True}


def delete_all_media_of(uid: str, store: MediaStore | None = None) -> int:
    """Destroy every asset and record of ``uid`` (account deletion). Returns how many records were
    removed; any whose Cloudinary call failed stay ``delete_failed`` for the sweep."""
    store = _store(store)
    removed = 0
    for snap in _collection().where(filter=_field("owner_id", "==", uid)).stream():
        snap.reference.update({"status": media.DELETING, "updated_at": _now()})
        removed += _destroy_record(snap.reference, snap.to_dict() or {}, store)
    logger.info("deleted %d media of %s", removed, uid)
    return removed


# --- scheduled jobs ------------------------------------------------------------------------


def sweep(now: datetime | None = None, store: MediaStore | None = None) -> dict[str, int]:
    """Retry failed deletions, finish stuck ones, drop pending uploads that never came (older than
    a day) and rejected records older than a day."""
    now = now or _now()
    store = _store(store)
    counts = {"retried": 0, "deleted": 0, "expired_pending": 0, "rejected_removed": 0}
    col = _collection()
    for snap in col.where(filter=_field("status", "==", media.DELETE_FAILED)).stream():
        counts["retried"] += 1
        counts["deleted"] += _destroy_record(snap.reference, snap.to_dict() or {}, store)
    stuck = col.where(filter=_field("status", "==", media.DELETING))
    for snap in stuck.where(filter=_field("updated_at", "<", now - STUCK_DELETING_AFTER)).stream():
        counts["retried"] += 1
        counts["deleted"] += _destroy_record(snap.reference, snap.to_dict() or {}, store)
    day_ago = now - timedelta(seconds=media.PENDING_TTL_SECONDS)
    pending = col.where(filter=_field("status", "==", media.PENDING))
    for snap in pending.where(filter=_field("created_at", "<", day_ago)).stream():
        snap.reference.update({"status": media.DELETING, "updated_at": now})
        counts["expired_pending"] += _destroy_record(snap.reference, snap.to_dict() or {}, store)
    rejected = col.where(filter=_field("status", "==", media.REJECTED))
    for snap in rejected.where(filter=_field("updated_at", "<", day_ago)).stream():
        snap.reference.delete()
        counts["rejected_removed"] += 1
    logger.info("media sweep: %s", counts)
    return counts


def monthly_usage(month: str, store: MediaStore | None = None, limits: media.Limits | None = None) -> dict[str, Any]:
    """Summarise uploads of ``month`` (``yyyy-mm``) into ``stats/media_usage/months/{month}``."""
    limits = limits or media.Limits.from_env()
    start, end = media.month_bounds(month)
    usage = media.MonthlyUsage(month)
    since = _collection().where(filter=_field("created_at", ">=", start))
    query = since.where(filter=_field("created_at", "<", end))
    for snap in query.stream():
        record = snap.to_dict() or {}
        if record.get("status") in (media.READY, media.DELETING, media.DELETE_FAILED) and record.get("bytes"):
            usage.add(record)
    bandwidth = None
    try:
        bandwidth = _store(store).bandwidth_used((end - timedelta(days=1)).date())
    except FailedPrecondition as err:  # not configured: fall back to uploaded bytes
        logger.warning("monthly usage without Cloudinary's figure: %s", err.message)
    summary = {**usage.summary(limits, bandwidth), "computed_at": _now()}
    firestore.client().document(MONTHLY_USAGE_PATH.format(month=month)).set(summary)
    logger.info("media usage %s: %s", month, summary)
    return summary
