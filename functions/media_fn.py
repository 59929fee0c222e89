"""Media: signed direct uploads, server uploads, Cloudinary notifications, deletion, sweeps, usage.

Thin handlers over the use cases in ``gitalong.media``; the domain and the SDK load on first call.
"""

from __future__ import annotations

import logging
from typing import Any

from firebase_functions import https_fn, options, scheduler_fn
from firebase_functions.params import SecretParam

from _edge import json_response, run_callable, run_http

logger = logging.getLogger("gitalong")

CLOUDINARY_URL = SecretParam(
    "CLOUDINARY_URL",
    description="cloudinary://<api_key>:<api_secret>@<cloud_name> of the Cloudinary product environment",
)
_SECRETS = [CLOUDINARY_URL]


def _store() -> Any:
    from gitalong.infra.cloudinary_store import store_from

    return store_from(CLOUDINARY_URL.value or None)


@https_fn.on_call(secrets=_SECRETS)
def create_upload_signature(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    """Sign a direct upload to Cloudinary for ``kind``; creates a pending ``media/{id}`` record."""
    from gitalong.media import uploads as media

    return run_callable("create_upload_signature", req,
                        lambda uid, request: media.create_upload_signature(uid, request, _store()))


@https_fn.on_call(secrets=_SECRETS)
def delete_media(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    """Owner only: destroy the Cloudinary asset and the record (a failure is retried by the sweep)."""
    from gitalong.media import deletion as media

    return run_callable("delete_media", req, lambda uid, request: media.delete_media(uid, request, _store()))


def _caller(req: https_fn.Request) -> str:
    """The uid of the ``Authorization: Bearer <Firebase ID token>``; raises Unauthenticated."""
    from firebase_admin import auth

    from gitalong.core.errors import Unauthenticated

    header = req.headers.get("Authorization", "")
    if not header.startswith("Bearer ") or not header[7:].strip():
        raise Unauthenticated("upload_media needs Authorization: Bearer <Firebase ID token>")
    try:
        return str(auth.verify_id_token(header[7:].strip())["uid"])
    except (ValueError, auth.InvalidIdTokenError, auth.ExpiredIdTokenError, auth.RevokedIdTokenError,
            auth.CertificateFetchError) as err:
        raise Unauthenticated(f"invalid ID token: {err}") from None


def _upload(req: https_fn.Request) -> https_fn.Response:
    from pydantic import ValidationError

    from gitalong.core.errors import InvalidArgument, errors_from_validation
    from gitalong.media import uploads as media

    uid = _caller(req)
    try:
        form = media.UploadMediaForm.model_validate({"kind": req.form.get("kind")})
    except ValidationError as exc:
        raise InvalidArgument("invalid upload_media request", errors_from_validation(exc)) from None
    upload = req.files.get("file")
    if upload is None:
        raise InvalidArgument("no file part", [{"field": "file", "message": "required"}])
    return json_response(media.upload_media(uid, form.kind, upload.filename, upload.read(), _store()), 201)


@https_fn.on_request(secrets=_SECRETS, timeout_sec=300, memory=options.MemoryOption.GB_1)
def upload_media(req: https_fn.Request) -> https_fn.Response:
    """POST multipart (``file``, ``kind``) with a Firebase ID token → the ready media record."""
    return run_http("upload_media", req, _upload)


def _notification(req: https_fn.Request) -> https_fn.Response:
    from gitalong.core.errors import GitAlongError, InvalidArgument, Unauthenticated, Unavailable
    from gitalong.media import notifications as media

    try:
        status, outcome = media.handle_notification(
            req.get_data(as_text=True), req.headers.get("X-Cld-Timestamp"), req.headers.get("X-Cld-Signature"),
            _store(),
        )
    except GitAlongError as error:  # answered 503 whatever it was: Cloudinary retries a 5xx
        logger.error("cloudinary_webhook failed: %s %s", error.status, error.message)
        raise Unavailable(error.message, error.details) from error
    if status == 401:
        raise Unauthenticated(outcome)
    if status >= 400:
        raise InvalidArgument(outcome)
    return json_response({"ok": True, "outcome": outcome})


@https_fn.on_request(secrets=_SECRETS)
def cloudinary_webhook(req: https_fn.Request) -> https_fn.Response:
    """Cloudinary's notifications: signature verified (else 401, nothing written), then applied."""
    return run_http("cloudinary_webhook", req, _notification)


@scheduler_fn.on_schedule(schedule="every 60 minutes", secrets=_SECRETS)
def media_sweep(event: scheduler_fn.ScheduledEvent) -> None:
    """Retry failed Cloudinary deletions; remove pending uploads that never came (after a day)."""
    from gitalong.media import deletion as media

    media.sweep(now=event.schedule_time, store=_store())


@scheduler_fn.on_schedule(schedule="0 3 1 * *", timezone=scheduler_fn.Timezone("UTC"), secrets=_SECRETS)
def media_monthly_usage(event: scheduler_fn.ScheduledEvent) -> None:
    """On the 1st: summarise last month's uploads into ``stats/media_usage/months/{yyyy-mm}``."""
    from gitalong.media import usage as media
    from gitalong.media.model import previous_month

    try:
        store = _store()
    except Exception as err:  # not configured: still summarise the uploads
        logger.warning("media_monthly_usage without Cloudinary: %s", err)
        store = None
    media.monthly_usage(previous_month(event.schedule_time), store=store)
