"""Media uploads end to end: signed direct uploads and ``upload_media``, against the fake Cloudinary."""

from __future__ import annotations

import struct
from typing import Any

import pytest
import requests
from google.cloud.firestore_v1.base_query import FieldFilter

from fakes.cloudinary_server import Control
from support.emulators import Emulators, id_token, wait_for

MB = 1024 * 1024


def png(width: int = 640, height: int = 480, size: int = 200) -> bytes:
    head = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + struct.pack(">II", width, height) + b"\x08\x02\x00\x00\x00"
    return head + b"\x00" * max(0, size - len(head))


def mp4(seconds: int = 3, width: int = 1280, height: int = 720) -> bytes:
    """A tiny ISO-BMFF file: ftyp + moov(mvhd, trak(tkhd)) with a duration and a frame size."""
    def box(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", 8 + len(payload)) + kind + payload

    mvhd = box(b"mvhd", b"\x00" * 12 + struct.pack(">II", 1000, seconds * 1000) + b"\x00" * 80)
    tkhd = box(b"tkhd", b"\x00" * 76 + struct.pack(">II", width << 16, height << 16))
    return box(b"ftyp", b"isom\x00\x00\x02\x00isomiso2avc1mp41") + box(b"moov", mvhd + box(b"trak", tkhd))


@pytest.fixture(autouse=True)
def fresh_fake(cloudinary_fake: Control) -> Control:
    cloudinary_fake.reset()
    return cloudinary_fake


def upload(emulators: Emulators, uid: str | None, kind: str, name: str, data: bytes,
           token: str | None = None) -> requests.Response:
    headers = {"Authorization": f"Bearer {token or id_token(uid or '')}"} if uid or token else {}
    return emulators.session.post(emulators.url("upload_media"), headers=headers, data={"kind": kind},
                                  files={"file": (name, data)}, timeout=120)


def media_of(db: Any, uid: str) -> list[dict[str, Any]]:
    query = db.collection("media").where(filter=FieldFilter("owner_id", "==", uid))
    return [{"id": d.id, **d.to_dict()} for d in query.stream()]


def test_a_signed_direct_upload_is_accepted_by_cloudinary_and_the_webhook_completes_the_record(
        emulators: Emulators, uid: str, db: Any, cloudinary_fake: Control) -> None:
    # GIVEN a signature for a showcase image
    signed = emulators.call("create_upload_signature", {"kind": "showcase", "filename": "shot.png"}, uid=uid)
    assert signed.status == "OK", signed.error
    s = signed.result
    assert s["folder"] == f"gitalong/{uid}/showcase" and s["resource_type"] == "image"
    assert s["allowed_formats"] == "jpg,png,webp,heic" and s["eager_async"] is True
    assert s["eager"] == "c_fill,h_300,w_400|c_fill,h_600,w_800"
    assert s["notification_url"].endswith("/cloudinary_webhook") and s["max_bytes"] == 10 * MB
    pending = db.collection("media").document(s["media_id"]).get().to_dict()
    assert pending["status"] == "pending" and pending["owner_id"] == uid
    assert pending["public_id"] == f"{s['folder']}/{s['public_id']}"
    # WHEN the app uploads straight to Cloudinary with exactly the signed params
    fields = {k: str(s[k]).lower() if isinstance(s[k], bool) else str(s[k])
              for k in ("api_key", "timestamp", "signature", "public_id", "folder", "allowed_formats", "eager",
                        "eager_async", "notification_url")}
    answer = requests.post(s["upload_url"], data=fields, files={"file": ("shot.png", png())}, timeout=30)
    assert answer.status_code == 200, answer.text
    # THEN the upload and eager notifications complete the record
    record = wait_for(lambda: (r := db.collection("media").document(s["media_id"]).get().to_dict())
                      and r.get("status") == "ready" and r.get("thumbnail_url") and r, timeout=30,
                      what="the webhook to complete the record")
    assert record["secure_url"] == answer.json()["secure_url"]
    assert "c_fill,h_300,w_400" in record["thumbnail_url"] and "c_fill,h_600,w_800" in record["medium_url"]
    assert (record["width"], record["height"], record["format"]) == (640, 480, "png")
    # AND a tampered field breaks the signature: Cloudinary refuses it
    forged = requests.post(s["upload_url"], data={**fields, "folder": "gitalong/someone-else/showcase"},
                           files={"file": ("shot.png", png())}, timeout=30)
    assert forged.status_code == 401


def test_upload_media_stores_an_avatar_and_sets_the_profile_avatar_url(
        emulators: Emulators, uid: str, db: Any, cloudinary_fake: Control) -> None:
    data = png(320, 320, 5000)
    response = upload(emulators, uid, "avatar", "me.png", data)
    assert response.status_code == 201, response.text
    record = response.json()
    assert record["owner_id"] == uid and record["kind"] == "avatar" and record["status"] == "ready"
    assert record["public_id"] == f"gitalong/{uid}/avatars/{record['media_id']}"
    assert (record["bytes"], record["width"], record["height"]) == (5000, 320, 320)
    assert record["thumbnail_url"] and record["medium_url"] and record["secure_url"]
    assert cloudinary_fake.bytes_of(record["public_id"]) == data
    profile = db.collection("profiles").document(uid).get().to_dict()
    assert profile["avatar_url"] == record["secure_url"]


def test_a_video_gets_its_duration_and_its_poster_arrives_by_webhook(
        emulators: Emulators, uid: str, db: Any) -> None:
    response = upload(emulators, uid, "video", "clip.mp4", mp4(seconds=3))
    assert response.status_code == 201, response.text
    record = response.json()
    assert record["resource_type"] == "video" and record["duration"] == 3.0
    assert (record["width"], record["height"]) == (1280, 720)
    done = wait_for(lambda: (r := db.collection("media").document(record["media_id"]).get().to_dict())
                    .get("poster_url") and r, timeout=30, what="the eager notification")
    assert done["poster_url"].endswith(".jpg") and done["medium_url"].endswith(".mp4")


@pytest.mark.parametrize(("name", "data", "status", "word"), [
    ("photo.jpg", b"%PDF-1.7 this is a document, not a photo", 400, "pdf"),
    ("photo.png", b"", 400, "empty"),
    ("photo.png", b"just some text with an image name", 400, "unrecognised"),
])
def test_upload_media_refuses_bad_files_and_writes_nothing(emulators: Emulators, uid: str, db: Any,
                                                          cloudinary_fake: Control, name: str, data: bytes,
                                                          status: int, word: str) -> None:
    response = upload(emulators, uid, "showcase", name, data)
    assert response.status_code == status, response.text
    assert response.json()["error"]["status"] == "INVALID_ARGUMENT"
    assert word in response.json()["error"]["message"]
    assert media_of(db, uid) == [] and cloudinary_fake.resources() == {}


def test_one_byte_over_the_image_limit_is_refused_with_413(emulators: Emulators, uid: str, db: Any,
                                                           cloudinary_fake: Control) -> None:
    response = upload(emulators, uid, "showcase", "big.png", png(size=10 * MB + 1))
    assert response.status_code == 413, response.text
    assert response.json()["error"]["details"]["errors"][0]["field"] == "file"
    assert media_of(db, uid) == [] and cloudinary_fake.resources() == {}


def test_upload_media_needs_a_valid_token_and_a_known_kind(emulators: Emulators, uid: str) -> None:
    assert upload(emulators, None, "avatar", "a.png", png()).status_code == 401
    assert upload(emulators, None, "avatar", "a.png", png(), token="not-a-jwt").status_code == 401
    bad_kind = upload(emulators, uid, "document", "a.png", png())
    assert bad_kind.status_code == 400 and bad_kind.json()["error"]["details"]["errors"][0]["field"] == "kind"


def test_the_file_quota_refuses_a_new_signature_and_the_byte_quota_an_upload(
        emulators: Emulators, uid: str, db: Any, cloudinary_fake: Control) -> None:
    batch = db.batch()
    for i in range(98):
        batch.set(db.collection("media").document(f"{uid}-q{i}"),
                  {"owner_id": uid, "status": "ready", "bytes": 1000, "kind": "showcase"})
    batch.set(db.collection("media").document(f"{uid}-big"),
              {"owner_id": uid, "status": "ready", "bytes": 200 * MB - 98_000 - 5000, "kind": "video"})
    batch.commit()
    # 99 files using 200 MB - 5000 bytes: 5001 more bytes is one byte over, 5000 fits exactly
    over = upload(emulators, uid, "showcase", "a.png", png(size=5001))
    assert over.status_code == 429 and over.json()["error"]["details"]["quota"] == "bytes"
    assert cloudinary_fake.resources() == {}
    assert upload(emulators, uid, "showcase", "a.png", png(size=5000)).status_code == 201
    # now 100 files: the 101st is refused already at signing
    refused = emulators.call("create_upload_signature", {"kind": "avatar"}, uid=uid)
    assert refused.status == "RESOURCE_EXHAUSTED" and (refused.error or {})["details"]["quota"] == "files"


def test_concurrent_signatures_for_the_last_free_file_let_exactly_one_through(uid: str, db: Any) -> None:
    """Five threads race for the 100th file: the reservation transaction admits one."""
    from concurrent.futures import ThreadPoolExecutor

    import fakes.cloudinary_server as fake
    from gitalong.contract.callables import CreateUploadSignatureRequest
    from gitalong.core.errors import GitAlongError
    from gitalong.infra.cloudinary_store import CloudinaryStore, settings_from
    from gitalong.media import uploads as media

    batch = db.batch()
    for i in range(99):
        batch.set(db.collection("media").document(f"{uid}-q{i}"),
                  {"owner_id": uid, "status": "ready", "bytes": 1000, "kind": "showcase"})
    batch.commit()
    store = CloudinaryStore(settings_from(None, fake.emulator_env()))
    request = CreateUploadSignatureRequest.model_validate({"kind": "showcase"})

    def sign(_: int) -> str:
        try:
            media.create_upload_signature(uid, request, store=store)
        except GitAlongError as err:
            return err.status
        return "OK"

    with ThreadPoolExecutor(max_workers=5) as pool:
        outcomes = list(pool.map(sign, range(5)))
    assert outcomes.count("OK") == 1, outcomes
    assert set(outcomes) <= {"OK", "RESOURCE_EXHAUSTED", "UNAVAILABLE"}, outcomes
    assert len(media_of(db, uid)) == 100


def test_create_upload_signature_validates_its_request(emulators: Emulators, uid: str) -> None:
    assert emulators.call("create_upload_signature", {"kind": "avatar"}).status == "UNAUTHENTICATED"
    bad = emulators.call("create_upload_signature", {"kind": "gif"}, uid=uid)
    assert bad.status == "INVALID_ARGUMENT" and bad.field_errors == ["kind"]
    ext = emulators.call("create_upload_signature", {"kind": "video", "filename": "x.png"}, uid=uid)
    assert ext.status == "INVALID_ARGUMENT" and ext.field_errors == ["filename"]
