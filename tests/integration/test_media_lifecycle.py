"""Cloudinary notifications, deletion, the sweep and the monthly usage, against the fake Cloudinary."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from google.cloud.firestore_v1.base_query import FieldFilter

from fakes import cloudinary_server as fake
from support.emulators import Emulators, id_token, wait_for


def png(size: int = 300) -> bytes:
    head = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + (64).to_bytes(4, "big") + (64).to_bytes(4, "big")
    return head + b"\x00" * (size - len(head))


MP4 = b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41" + b"\x00" * 100


@pytest.fixture(autouse=True)
def fresh_fake(cloudinary_fake: fake.Control) -> fake.Control:
    cloudinary_fake.reset()
    return cloudinary_fake


def upload(emulators: Emulators, uid: str, kind: str, data: bytes, name: str = "a.png") -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {id_token(uid)}"}
    response = emulators.session.post(emulators.url("upload_media"), headers=headers,
                                      data={"kind": kind}, files={"file": (name, data)}, timeout=120)
    assert response.status_code == 201, response.text
    return dict(response.json())


def notify(emulators: Emulators, note: dict[str, Any] | str, timestamp: int | None = None,
           signature: str | None = None, body: str | None = None) -> requests.Response:
    """POST a notification signed as Cloudinary signs it (``body`` replaces the signed text)."""
    signed = note if isinstance(note, str) else json.dumps(note)
    timestamp = int(time.time()) if timestamp is None else timestamp
    headers = {"Content-Type": "application/json", "X-Cld-Timestamp": str(timestamp),
               "X-Cld-Signature": signature or fake.notification_signature(signed, timestamp)}
    return emulators.session.post(emulators.url("cloudinary_webhook"), data=(body or signed).encode(),
                                  headers=headers, timeout=60)


def upload_note(public_id: str, **extra: Any) -> dict[str, Any]:
    base = f"https://res.cloudinary.com/{fake.CLOUD_NAME}/image/upload"
    return {"notification_type": "upload", "public_id": public_id, "resource_type": "image", "format": "png",
            "bytes": 1234, "width": 64, "height": 48, "version": 1, "secure_url": f"{base}/v1/{public_id}.png",
            **extra}


def eager_note(public_id: str) -> dict[str, Any]:
    base = f"https://res.cloudinary.com/{fake.CLOUD_NAME}/image/upload"
    return {"notification_type": "eager", "public_id": public_id, "batch_id": "b1",
            "eager": [{"secure_url": f"{base}/c_fill,h_300,w_400/v1/{public_id}.png"},
                      {"secure_url": f"{base}/c_fill,h_600,w_800/v1/{public_id}.png"}]}


def pending(emulators: Emulators, uid: str, kind: str = "showcase") -> tuple[str, str]:
    signed = emulators.call("create_upload_signature", {"kind": kind}, uid=uid)
    assert signed.status == "OK", signed.error
    return signed.result["media_id"], f"{signed.result['folder']}/{signed.result['public_id']}"


# --- webhook -------------------------------------------------------------------------------


def test_a_body_altered_after_signing_an_unsigned_one_and_a_stale_one_get_401_and_change_nothing(
        emulators: Emulators, uid: str, db: Any) -> None:
    media_id, public_id = pending(emulators, uid)
    note = upload_note(public_id)
    altered = json.dumps({**note, "secure_url": "https://evil.example/x.png"})
    assert notify(emulators, note, body=altered).status_code == 401
    unsigned = emulators.session.post(emulators.url("cloudinary_webhook"), json=note, timeout=60)
    assert unsigned.status_code == 401
    stale = int(time.time()) - 3 * 3600
    assert notify(emulators, note, timestamp=stale).status_code == 401
    assert notify(emulators, note, signature="0" * 40).status_code == 401
    record = db.collection("media").document(media_id).get().to_dict()
    assert record["status"] == "pending" and "secure_url" not in record


def test_a_replayed_notification_changes_nothing_and_cannot_bring_back_deleted_media(
        emulators: Emulators, uid: str, db: Any) -> None:
    media_id, public_id = pending(emulators, uid)
    note, ts = upload_note(public_id), int(time.time())
    first = notify(emulators, note, timestamp=ts)
    assert first.status_code == 200 and "ready" in first.json()["outcome"]
    ref = db.collection("media").document(media_id)
    before = ref.get().to_dict()
    replay = notify(emulators, note, timestamp=ts)
    assert replay.status_code == 200 and replay.json()["outcome"] == "already processed"
    assert ref.get().to_dict()["updated_at"] == before["updated_at"]
    assert emulators.call("delete_media", {"media_id": media_id}, uid=uid).status == "OK"
    assert notify(emulators, note, timestamp=ts).status_code == 200
    assert not ref.get().exists


def test_an_eager_notification_before_the_upload_one_still_ends_ready_with_all_urls(
        emulators: Emulators, uid: str, db: Any) -> None:
    media_id, public_id = pending(emulators, uid)
    assert notify(emulators, eager_note(public_id)).status_code == 200
    assert notify(emulators, upload_note(public_id)).status_code == 200
    record = db.collection("media").document(media_id).get().to_dict()
    assert record["status"] == "ready" and record["bytes"] == 1234
    assert "w_400" in record["thumbnail_url"] and "w_800" in record["medium_url"]


@pytest.mark.parametrize(("extra", "reason"), [
    ({"format": "gif"}, "gif"),
    ({"bytes": 10 * 1024 * 1024 + 1}, "over the showcase limit"),
    ({"created_at": "2099-01-01T00:00:00Z"}, "signature expired"),
])
def test_an_upload_breaking_the_rules_is_destroyed_and_the_record_rejected(
        emulators: Emulators, uid: str, db: Any, extra: dict[str, Any], reason: str) -> None:
    media_id, public_id = pending(emulators, uid)
    assert notify(emulators, upload_note(public_id, **extra)).status_code == 200
    record = db.collection("media").document(media_id).get().to_dict()
    assert record["status"] == "rejected" and reason in record["rejected_reason"]


def test_a_direct_avatar_upload_sets_the_avatar_through_the_webhook(emulators: Emulators, uid: str, db: Any,
                                                                    cloudinary_fake: fake.Control) -> None:
    signed = emulators.call("create_upload_signature", {"kind": "avatar"}, uid=uid).result
    fields = {k: (str(signed[k]).lower() if isinstance(signed[k], bool) else str(signed[k]))
              for k in ("api_key", "timestamp", "signature", "public_id", "folder", "allowed_formats", "eager",
                        "eager_async", "notification_url")}
    answer = requests.post(signed["upload_url"], data=fields, files={"file": ("me.png", png())}, timeout=30)
    assert answer.status_code == 200, answer.text
    profile = wait_for(lambda: (p := db.collection("profiles").document(uid).get()).exists and p.to_dict(),
                       timeout=30, what="the avatar_url")
    assert profile["avatar_url"] == answer.json()["secure_url"]


# --- deletion ------------------------------------------------------------------------------


def test_the_owner_deletes_media_and_the_asset_record_and_avatar_are_gone(
        emulators: Emulators, uid: str, db: Any, cloudinary_fake: fake.Control) -> None:
    record = upload(emulators, uid, "avatar", png())
    assert db.collection("profiles").document(uid).get().to_dict()["avatar_url"] == record["secure_url"]
    other = emulators.call("delete_media", {"media_id": record["media_id"]}, uid=f"{uid}x")
    assert other.status == "PERMISSION_DENIED"
    assert record["public_id"] in cloudinary_fake.resources()
    assert emulators.call("delete_media", {"media_id": "nope"}, uid=uid).status == "NOT_FOUND"
    assert emulators.call("delete_media", {"media_id": record["media_id"]}, uid=uid).result == {"ok": True}
    assert not db.collection("media").document(record["media_id"]).get().exists
    assert cloudinary_fake.bytes_of(record["public_id"]) is None
    assert db.collection("profiles").document(uid).get().to_dict()["avatar_url"] is None


def test_a_failed_destroy_is_marked_and_the_sweep_finishes_it(emulators: Emulators, uid: str, db: Any,
                                                              cloudinary_fake: fake.Control) -> None:
    record = upload(emulators, uid, "showcase", png())
    cloudinary_fake.fail("destroy", times=1)
    assert emulators.call("delete_media", {"media_id": record["media_id"]}, uid=uid).status == "OK"
    ref = db.collection("media").document(record["media_id"])
    marked = ref.get().to_dict()
    assert marked["status"] == "delete_failed" and marked["delete_attempts"] == 1
    assert record["public_id"] in cloudinary_fake.resources()
    assert emulators.run_scheduled("media_sweep").status_code == 200
    assert not ref.get().exists and record["public_id"] not in cloudinary_fake.resources()


def test_the_sweep_removes_pending_uploads_older_than_a_day_only(emulators: Emulators, uid: str, db: Any) -> None:
    old_id, _ = pending(emulators, uid)
    new_id, _ = pending(emulators, uid)
    db.collection("media").document(old_id).update({"created_at": datetime.now(UTC) - timedelta(hours=25)})
    assert emulators.run_scheduled("media_sweep").status_code == 200
    assert not db.collection("media").document(old_id).get().exists
    assert db.collection("media").document(new_id).get().to_dict()["status"] == "pending"


def test_delete_all_media_of_a_user_destroys_every_asset_and_record(
        emulators: Emulators, uid: str, db: Any, cloudinary_fake: fake.Control) -> None:
    from gitalong.infra.cloudinary_store import CloudinaryStore, settings_from
    from gitalong.media import deletion as media

    kept = upload(emulators, f"{uid}other", "showcase", png())
    mine = [upload(emulators, uid, "showcase", png()), upload(emulators, uid, "video", MP4, "v.mp4")]
    pending(emulators, uid)
    store = CloudinaryStore(settings_from(None, fake.emulator_env()))
    assert media.delete_all_media_of(uid, store) == 3
    assert list(db.collection("media").where(filter=FieldFilter("owner_id", "==", uid)).stream()) == []
    left = cloudinary_fake.resources()
    assert all(r["public_id"] not in left for r in mine) and kept["public_id"] in left


# --- monthly usage -------------------------------------------------------------------------


def test_the_monthly_job_summarises_last_months_uploads(emulators: Emulators, uid: str, db: Any) -> None:
    upload(emulators, uid, "showcase", png(2000))
    upload(emulators, uid, "video", MP4, "v.mp4")
    now = datetime.now(UTC)
    next_month = (now.replace(day=28) + timedelta(days=5)).replace(day=1, hour=3)
    assert emulators.run_scheduled("media_monthly_usage", next_month).status_code == 200
    summary = db.document(f"stats/media_usage/months/{now:%Y-%m}").get().to_dict()
    assert (summary["uploads"], summary["images"], summary["videos"]) == (2, 1, 1)
    assert summary["bytes"] == 2000 + len(MP4)
    assert summary["bandwidth_source"] == "cloudinary" and summary["bandwidth_percent"] >= 0


def test_deleting_the_account_destroys_the_users_cloudinary_assets_and_records(
        emulators: Emulators, uid: str, db: Any, cloudinary_fake: fake.Control) -> None:
    records = [upload(emulators, uid, "avatar", png()), upload(emulators, uid, "video", MP4, "v.mp4")]
    deleted = emulators.call("delete_account", {"confirm": True}, uid=uid)
    assert deleted.status == "OK", deleted.error
    assert list(db.collection("media").where(filter=FieldFilter("owner_id", "==", uid)).stream()) == []
    left = cloudinary_fake.resources()
    assert all(r["public_id"] not in left for r in records)
