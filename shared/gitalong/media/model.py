"""Media domain: kinds, folders, formats, size limits, eager transformations, sniffing, quotas.

Pure: standard library only. The Cloudinary adapter turns the transformation dicts here
into Cloudinary's strings; the media service does the I/O.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from gitalong.core.errors import InvalidArgument, ResourceExhausted

MediaKind = Literal["avatar", "showcase", "video"]
ResourceType = Literal["image", "video"]

MB = 1024 * 1024
IMAGE_FORMATS = ("jpg", "png", "webp", "heic")
VIDEO_FORMATS = ("mp4", "mov")

PENDING = "pending"
READY = "ready"
DELETING = "deleting"
DELETE_FAILED = "delete_failed"
REJECTED = "rejected"
STATUSES = (PENDING, READY, DELETING, DELETE_FAILED, REJECTED)

SIGNATURE_VALIDITY_SECONDS = 15 * 60
"""How long a signed direct upload stays usable (the app gets ``expires_at``)."""
PENDING_TTL_SECONDS = 24 * 3600
"""A pending record whose upload never came is removed by the sweep after this long."""
SERVER_UPLOAD_MAX_BYTES = 30 * MB
"""Cloud Functions refuse HTTP requests over 32 MB: larger files must go direct (signed)."""

_IMAGE_EAGER: tuple[dict[str, Any], ...] = (
    {"width": 400, "height": 300, "crop": "fill"},  # thumbnail
    {"width": 800, "height": 600, "crop": "fill"},  # medium
)
_VIDEO_EAGER: tuple[dict[str, Any], ...] = (
    {"width": 640, "height": 360, "crop": "fill", "format": "mp4"},  # medium: web-sized mp4
    {"width": 640, "height": 360, "crop": "fill", "start_offset": "0", "format": "jpg"},  # poster
)


class FileTooLarge(InvalidArgument):
    """The file is over its kind's size limit (HTTP 413 at the ``upload_media`` edge)."""

    http_status = 413


@dataclass(frozen=True)
class KindSpec:
    """What one kind of media may be and how it is stored."""

    kind: MediaKind
    resource_type: ResourceType
    subfolder: str
    formats: tuple[str, ...]
    max_bytes: int
    eager: tuple[dict[str, Any], ...]


KINDS: dict[str, KindSpec] = {
    "avatar": KindSpec("avatar", "image", "avatars", IMAGE_FORMATS, 10 * MB, _IMAGE_EAGER),
    "showcase": KindSpec("showcase", "image", "showcase", IMAGE_FORMATS, 10 * MB, _IMAGE_EAGER),
    "video": KindSpec("video", "video", "videos", VIDEO_FORMATS, 100 * MB, _VIDEO_EAGER),
}


@dataclass(frozen=True)
class Limits:
    """Size and quota limits; injectable so tests need not move 10 MB to cross a limit."""

    image_max_bytes: int = 10 * MB
    video_max_bytes: int = 100 * MB
    quota_bytes: int = 200 * MB
    quota_files: int = 100
    plan_bandwidth_bytes: int = 25 * 1024 * MB
    """The Cloudinary plan's monthly bandwidth (25 GB, the free plan's credits)."""

    def max_bytes(self, kind: str) -> int:
        return self.video_max_bytes if KINDS[kind].resource_type == "video" else self.image_max_bytes

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Limits:
        """Defaults, overridden by ``GITALONG_MEDIA_*`` variables (whole numbers)."""
        env = os.environ if env is None else env
        names = {
            "image_max_bytes": "GITALONG_MEDIA_IMAGE_MAX_BYTES",
            "video_max_bytes": "GITALONG_MEDIA_VIDEO_MAX_BYTES",
            "quota_bytes": "GITALONG_MEDIA_QUOTA_BYTES",
            "quota_files": "GITALONG_MEDIA_QUOTA_FILES",
            "plan_bandwidth_bytes": "GITALONG_MEDIA_PLAN_BANDWIDTH_BYTES",
        }
        values = {attr: int(env[var]) for attr, var in names.items() if env.get(var)}
        return cls(**values)


def spec(kind: str) -> KindSpec:
    """The spec of ``kind``; unknown kinds are an invalid argument."""
    try:
        return KINDS[kind]
    except KeyError:
        raise InvalidArgument(
            f"unknown media kind {kind!r}", [{"field": "kind", "message": f"one of {', '.join(KINDS)}"}]
        ) from None


def folder_for(uid: str, kind: str) -> str:
    """``gitalong/{uid}/avatars`` (or ``showcase``, ``videos``)."""
    return f"gitalong/{uid}/{spec(kind).subfolder}"


def full_public_id(folder: str, media_id: str) -> str:
    """The asset's public id as Cloudinary stores it: ``folder/media_id``."""
    return f"{folder}/{media_id}"


_MEDIA_PUBLIC_ID = re.compile(r"^gitalong/(?P<uid>[A-Za-z0-9_\-]+)/(avatars|showcase|videos)/(?P<id>[A-Za-z0-9_\-]+)$")


def parse_public_id(public_id: str) -> tuple[str, str] | None:
    """``(owner uid, media id)`` of one of our public ids, else ``None``."""
    match = _MEDIA_PUBLIC_ID.match(public_id or "")
    return (match["uid"], match["id"]) if match else None


# --- content sniffing ----------------------------------------------------------------

_HEIC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}
_MP4_BRANDS = {b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"dash", b"M4V ", b"mmp4"}
_MOV_ATOMS = {b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"}


def sniff_format(head: bytes) -> str | None:
    """The real format of a file from its first bytes (``jpg``, ``png``, ``webp``, ``heic``,
    ``mp4``, ``mov``, ``gif``, ``pdf``), or ``None`` when unrecognised. The name is never trusted."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head.startswith(b"%PDF-"):
        return "pdf"
    if len(head) >= 12 and head[4:8] == b"ftyp":
        brands = {head[8:12]} | {head[i : i + 4] for i in range(16, min(len(head), 64), 4)}
        if head[8:12] == b"qt  ":
            return "mov"
        if head[8:12] in _HEIC_BRANDS or (brands & _HEIC_BRANDS and not brands & _MP4_BRANDS):
            return "heic"
        if brands & _MP4_BRANDS:
            return "mp4"
        return None
    if len(head) >= 8 and head[4:8] in _MOV_ATOMS:
        return "mov"
    return None


def check_file(kind: str, filename: str | None, size: int, head: bytes, limits: Limits,
               server_upload: bool = False) -> str:
    """Validate one file for ``kind``; returns its sniffed format. ``server_upload`` also applies
    the Cloud Functions request cap (bigger files must go direct, with a signature).

    Raises :class:`InvalidArgument` (empty, wrong content) or :class:`FileTooLarge`.
    """
    kind_spec = spec(kind)
    if size <= 0:
        raise InvalidArgument("the file is empty", [{"field": "file", "message": "zero bytes"}])
    max_bytes = limits.max_bytes(kind)
    if size > max_bytes:
        raise FileTooLarge(
            f"the file is {size} bytes; {kind} files may be at most {max_bytes} bytes",
            [{"field": "file", "message": f"larger than {max_bytes} bytes"}],
        )
    if server_upload and size > SERVER_UPLOAD_MAX_BYTES:
        raise FileTooLarge(
            f"the file is {size} bytes; upload_media takes at most {SERVER_UPLOAD_MAX_BYTES} bytes: "
            "upload it directly with create_upload_signature",
            [{"field": "file", "message": f"larger than {SERVER_UPLOAD_MAX_BYTES} bytes"}],
        )
    detected = sniff_format(head)
    if detected not in kind_spec.formats:
        claimed = (filename or "").rsplit(".", 1)[-1].lower() if filename and "." in filename else None
        what = f"{detected} content" if detected else "unrecognised content"
        note = f" (the name says .{claimed})" if claimed else ""
        raise InvalidArgument(
            f"{kind} must be one of {', '.join(kind_spec.formats)}; got {what}{note}",
            [{"field": "file", "message": f"{what} is not allowed for {kind}"}],
        )
    return detected


# --- quotas ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Usage:
    """What one user stores now: live records (pending, ready) and their bytes."""

    files: int = 0
    bytes: int = 0

    @classmethod
    def of(cls, records: Iterable[Mapping[str, Any]]) -> Usage:
        live = [r for r in records if r.get("status") in (PENDING, READY)]
        return cls(files=len(live), bytes=sum(int(r.get("bytes") or 0) for r in live))


def check_quota(usage: Usage, limits: Limits, adding_files: int = 1, adding_bytes: int = 0) -> None:
    """Raise :class:`ResourceExhausted` if adding this would go over the user's quota."""
    if usage.files + adding_files > limits.quota_files:
        raise ResourceExhausted(
            f"media quota reached: {usage.files} of {limits.quota_files} files; delete some first",
            {"quota": "files", "used": usage.files, "limit": limits.quota_files},
        )
    if usage.bytes + adding_bytes > limits.quota_bytes:
        raise ResourceExhausted(
            f"media quota reached: {usage.bytes} + {adding_bytes} bytes is over {limits.quota_bytes}; "
            "delete some first",
            {"quota": "bytes", "used": usage.bytes, "limit": limits.quota_bytes},
        )


# --- records and notifications --------------------------------------------------------


def urls_from_eager(kind: str, eager: Iterable[Mapping[str, Any]] | None) -> dict[str, str]:
    """``thumbnail_url``/``medium_url`` (+ ``poster_url`` for video) from Cloudinary's ``eager`` list,
    which comes back in the order the transformations were asked for."""
    urls = [str(e.get("secure_url") or e.get("url") or "") for e in (eager or [])]
    if len(urls) < 2 or not all(urls[:2]):
        return {}
    if spec(kind).resource_type == "video":
        return {"medium_url": urls[0], "poster_url": urls[1], "thumbnail_url": urls[1]}
    return {"thumbnail_url": urls[0], "medium_url": urls[1]}


def asset_fields(kind: str, resource: Mapping[str, Any]) -> dict[str, Any]:
    """The record fields of an uploaded asset, from an upload response or ``upload`` notification."""
    fields: dict[str, Any] = {
        "public_id": resource.get("public_id"),
        "resource_type": resource.get("resource_type"),
        "secure_url": resource.get("secure_url"),
        "format": resource.get("format"),
        "bytes": int(resource.get("bytes") or 0),
        "width": int(resource.get("width") or 0),
        "height": int(resource.get("height") or 0),
        "version": resource.get("version"),
        "asset_id": resource.get("asset_id"),
    }
    if spec(kind).resource_type == "video":
        fields["duration"] = float(resource.get("duration") or 0.0)
    fields.update(urls_from_eager(kind, resource.get("eager")))
    return fields


# --- monthly usage --------------------------------------------------------------------


def month_key(when: datetime) -> str:
    """``yyyy-mm`` of ``when`` (UTC)."""
    return when.astimezone(UTC).strftime("%Y-%m")


def month_bounds(key: str) -> tuple[datetime, datetime]:
    """``[start, end)`` of the month ``yyyy-mm``, UTC."""
    year, month = (int(part) for part in key.split("-"))
    start = datetime(year, month, 1, tzinfo=UTC)
    end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=UTC)
    return start, end


def previous_month(when: datetime) -> str:
    """The month before the one ``when`` falls in (the monthly job summarises the closed month)."""
    start, _ = month_bounds(month_key(when))
    return month_key(start - timedelta(days=1))


@dataclass
class MonthlyUsage:
    """Uploads of one month and the share of the plan's bandwidth they used."""

    month: str
    uploads: int = 0
    bytes: int = 0
    images: int = 0
    videos: int = 0
    users: set[str] = field(default_factory=set)

    def add(self, record: Mapping[str, Any]) -> None:
        self.uploads += 1
        self.bytes += int(record.get("bytes") or 0)
        if record.get("resource_type") == "video" or record.get("kind") == "video":
            self.videos += 1
        else:
            self.images += 1
        if record.get("owner_id"):
            self.users.add(str(record["owner_id"]))

    def summary(self, limits: Limits, bandwidth_used_bytes: int | None = None) -> dict[str, Any]:
        """The ``stats/media_usage/months/{yyyy-mm}`` document. Bandwidth is Cloudinary's figure
        when known, else the uploaded bytes (a lower bound: deliveries are not counted)."""
        used = self.bytes if bandwidth_used_bytes is None else bandwidth_used_bytes
        return {
            "month": self.month,
            "uploads": self.uploads,
            "bytes": self.bytes,
            "images": self.images,
            "videos": self.videos,
            "uploading_users": len(self.users),
            "bandwidth_bytes": used,
            "bandwidth_source": "uploads" if bandwidth_used_bytes is None else "cloudinary",
            "plan_bandwidth_bytes": limits.plan_bandwidth_bytes,
            "bandwidth_percent": round(100.0 * used / limits.plan_bandwidth_bytes, 3),
        }
