"""Cloudinary's upload and eager notifications: verified, then applied once (the event ledger)."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from gitalong.core.errors import ResourceExhausted
from gitalong.infra import firestore, ledger
from gitalong.infra.cloudinary_store import MediaStore, resolved_store
from gitalong.media import deletion, uploads
from gitalong.media import model as media
from gitalong.media import store as store_refs

logger = logging.getLogger(__name__)

NOTIFICATION_VALID_FOR_S = 2 * 3600
"""Notifications older than this are refused as stale (Cloudinary's SDK default)."""
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
    resolved = resolved_store(store)
    try:
        age = datetime.now(UTC).timestamp() - int(timestamp)
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
    return store_refs.media_ref(firestore.client(), parsed[1]), parsed[0]


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
        deletion.try_destroy(public_id, resource_type, store)
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
        mine = store_refs.media_of(firestore.client(), str(record["owner_id"]))
        others = media.Usage.of(d.to_dict() or {} for d in mine.stream(transaction=tx) if d.id != ref.id)
        try:
            media.check_quota(others, limits, adding_bytes=size)
        except ResourceExhausted as exc:
            problem = exc.message
    if problem:
        status = media.REJECTED if deletion.try_destroy(public_id, resource_type, store) else media.DELETE_FAILED
        tx.update(ref, {"status": status, "rejected_reason": problem, "updated_at": datetime.now(UTC)})
        return f"media {ref.id} rejected: {problem}"
    fields = media.asset_fields(kind, note)
    fields = {k: v for k, v in fields.items() if v is not None}
    tx.update(ref, {**fields, "status": media.READY, "updated_at": datetime.now(UTC)})
    if kind == "avatar" and fields.get("secure_url"):
        uploads.set_avatar(str(record["owner_id"]), str(fields["secure_url"]), writer=tx)
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
    tx.update(ref, {**urls, "eager_ready": True, "updated_at": datetime.now(UTC)})
    return f"media {ref.id} eager versions ready"
