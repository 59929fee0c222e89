"""The media store port and its Cloudinary implementation (the ``cloudinary`` SDK, nothing hand-rolled).

Settings come from ``CLOUDINARY_URL`` (``cloudinary://<api_key>:<api_secret>@<cloud_name>``,
a Firebase secret), or from ``CLOUDINARY_CLOUD_NAME`` + ``CLOUDINARY_API_KEY`` +
``CLOUDINARY_API_SECRET``. ``CLOUDINARY_UPLOAD_PREFIX`` points the SDK at another API host
(the local fake in tests and ``./dev run``); ``GITALONG_MEDIA_WEBHOOK_URL`` overrides where
Cloudinary sends notifications (default: the deployed ``cloudinary_webhook``).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol
from urllib.parse import parse_qs, unquote, urlparse

from gitalong.core.config import REGION, project_id
from gitalong.core.errors import FailedPrecondition, Unavailable

logger = logging.getLogger(__name__)

WEBHOOK_FUNCTION = "cloudinary_webhook"


class MediaNotConfigured(FailedPrecondition):
    """A Cloudinary setting is missing; the message names it."""


class StoreError(Unavailable):
    """Cloudinary refused or could not be reached; the caller may retry later."""


@dataclass(frozen=True)
class CloudinarySettings:
    """Everything the SDK needs, resolved once."""

    cloud_name: str
    api_key: str
    api_secret: str
    notification_url: str
    upload_prefix: str | None = None
    signature_algorithm: str = "sha1"

    @property
    def api_base(self) -> str:
        return (self.upload_prefix or "https://api.cloudinary.com").rstrip("/")


def default_webhook_url(env: Mapping[str, str]) -> str:
    """Where Cloudinary should POST notifications: the override, the emulator, or production."""
    if env.get("GITALONG_MEDIA_WEBHOOK_URL"):
        return env["GITALONG_MEDIA_WEBHOOK_URL"]
    project = env.get("GCLOUD_PROJECT") or env.get("GOOGLE_CLOUD_PROJECT") or project_id()
    return f"https://{REGION}-{project}.cloudfunctions.net/{WEBHOOK_FUNCTION}"


def settings_from(cloudinary_url: str | None = None, env: Mapping[str, str] | None = None) -> CloudinarySettings:
    """Resolve the settings from ``cloudinary_url`` (the secret's value) or the environment.

    Raises :class:`MediaNotConfigured` naming the missing setting.
    """
    env = os.environ if env is None else env
    url = cloudinary_url or env.get("CLOUDINARY_URL") or ""
    query: dict[str, list[str]] = {}
    if url:
        parsed = urlparse(url)
        if parsed.scheme != "cloudinary":
            raise MediaNotConfigured("CLOUDINARY_URL must look like cloudinary://<api_key>:<api_secret>@<cloud_name>")
        cloud, key, secret = parsed.hostname or "", unquote(parsed.username or ""), unquote(parsed.password or "")
        query = parse_qs(parsed.query)
        parts = (("cloud_name", cloud), ("api_key", key), ("api_secret", secret))
        missing = [name for name, value in parts if not value]
        if missing:
            raise MediaNotConfigured(f"CLOUDINARY_URL has no {', '.join(missing)}")
    else:
        cloud = env.get("CLOUDINARY_CLOUD_NAME", "")
        key = env.get("CLOUDINARY_API_KEY", "")
        secret = env.get("CLOUDINARY_API_SECRET", "")
        if not (cloud or key or secret):
            raise MediaNotConfigured(
                "media is not configured: set the CLOUDINARY_URL secret "
                "(firebase functions:secrets:set CLOUDINARY_URL, value cloudinary://<key>:<secret>@<cloud>)"
            )
        missing = [n for n, v in (("CLOUDINARY_CLOUD_NAME", cloud), ("CLOUDINARY_API_KEY", key),
                                  ("CLOUDINARY_API_SECRET", secret)) if not v]
        if missing:
            raise MediaNotConfigured(f"media is not configured: {', '.join(missing)} is not set")
    prefix = env.get("CLOUDINARY_UPLOAD_PREFIX") or next(iter(query.get("upload_prefix", [])), None)
    algorithm = (query.get("signature_algorithm") or [env.get("CLOUDINARY_SIGNATURE_ALGORITHM") or "sha1"])[0]
    return CloudinarySettings(cloud, key, secret, default_webhook_url(env), prefix, algorithm)


class MediaStore(Protocol):
    """The port the media service talks to."""

    settings: CloudinarySettings

    def upload_url(self, resource_type: str) -> str: ...

    def sign(self, params: Mapping[str, Any]) -> str: ...

    def build_eager(self, transformations: Any) -> str: ...

    def upload(self, data: bytes, filename: str, resource_type: str, params: Mapping[str, Any]) -> dict[str, Any]: ...

    def destroy(self, public_id: str, resource_type: str) -> str: ...

    def verify_notification(self, body: str, timestamp: str, signature: str, valid_for: int) -> bool: ...

    def bandwidth_used(self, on: date) -> int | None: ...


class CloudinaryStore:
    """:class:`MediaStore` through the ``cloudinary`` SDK."""

    def __init__(self, settings: CloudinarySettings, timeout: float = 60.0) -> None:
        import cloudinary

        self.settings = settings
        self.timeout = timeout
        # verify_notification_signature reads the secret from the global config.
        cloudinary.config(
            cloud_name=settings.cloud_name,
            api_key=settings.api_key,
            api_secret=settings.api_secret,
            upload_prefix=settings.upload_prefix,
            signature_algorithm=settings.signature_algorithm,
            secure=True,
        )

    def _options(self) -> dict[str, Any]:
        s = self.settings
        return {"cloud_name": s.cloud_name, "api_key": s.api_key, "api_secret": s.api_secret,
                "upload_prefix": s.upload_prefix, "signature_algorithm": s.signature_algorithm}

    def upload_url(self, resource_type: str) -> str:
        """The endpoint a direct upload POSTs to."""
        from cloudinary.utils import cloudinary_api_url

        return str(cloudinary_api_url("upload", resource_type=resource_type, **self._options()))

    def build_eager(self, transformations: Any) -> str:
        """Cloudinary's ``eager`` string (``c_fill,h_300,w_400|…``) for transformation dicts."""
        from cloudinary.utils import build_eager

        return str(build_eager(list(transformations)))

    def sign(self, params: Mapping[str, Any]) -> str:
        """The upload signature of ``params`` (everything but file, api_key, resource_type, cloud_name)."""
        from cloudinary.utils import api_sign_request

        return str(api_sign_request(dict(params), self.settings.api_secret, self.settings.signature_algorithm))

    def upload(self, data: bytes, filename: str, resource_type: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """Upload ``data`` with ``params``; raises :class:`StoreError` on any Cloudinary failure."""
        import cloudinary.uploader
        from cloudinary.exceptions import Error

        try:
            result = cloudinary.uploader.upload(
                (filename, data), resource_type=resource_type, timeout=self.timeout, **dict(params), **self._options()
            )
        except Error as err:
            raise StoreError(f"Cloudinary refused the upload: {err}") from err
        return dict(result)

    def destroy(self, public_id: str, resource_type: str) -> str:
        """Destroy an asset; ``"ok"`` or ``"not found"`` (both final). Raises :class:`StoreError`."""
        import cloudinary.uploader
        from cloudinary.exceptions import Error

        try:
            result = cloudinary.uploader.destroy(
                public_id, resource_type=resource_type, invalidate=True, timeout=self.timeout, **self._options()
            )
        except Error as err:
            raise StoreError(f"Cloudinary destroy of {public_id} failed: {err}") from err
        outcome = str(result.get("result"))
        if outcome not in ("ok", "not found"):
            raise StoreError(f"Cloudinary destroy of {public_id} answered {outcome!r}")
        return outcome

    def verify_notification(self, body: str, timestamp: str, signature: str, valid_for: int) -> bool:
        """Cloudinary's own check of ``X-Cld-Signature`` over body + timestamp (stale → False)."""
        from cloudinary.utils import verify_notification_signature

        try:
            return bool(verify_notification_signature(body, timestamp, signature, valid_for=valid_for,
                                                      algorithm=self.settings.signature_algorithm))
        except (ValueError, TypeError):
            return False

    def bandwidth_used(self, on: date) -> int | None:
        """Bytes of bandwidth Cloudinary's usage report counts as of ``on`` (Admin API ``usage``),
        or None when the report is unavailable."""
        import cloudinary.api

        try:
            report = cloudinary.api.usage(date=on, timeout=self.timeout, **self._options())
        except Exception as err:  # the SDK raises plain Exception subclasses of several kinds
            logger.warning("Cloudinary usage report unavailable: %s", err)
            return None
        bandwidth = report.get("bandwidth") or {}
        usage = bandwidth.get("usage")
        return int(usage) if usage is not None else None


def store_from(cloudinary_url: str | None = None) -> CloudinaryStore:
    """A store from the secret's value (or the environment)."""
    return CloudinaryStore(settings_from(cloudinary_url))


def resolved_store(store: MediaStore | None) -> MediaStore:
    """``store`` when a caller (a handler with its secret, a test with the fake) gave one, else from the environment."""
    return store if store is not None else store_from()
