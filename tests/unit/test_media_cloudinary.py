"""The Cloudinary adapter against the local fake: the fake checks signatures as Cloudinary does."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator

import pytest
from flask import Request
from werkzeug.test import EnvironBuilder

from fakes import cloudinary_server as fake
from gitalong.infra.cloudinary_store import (
    CloudinaryStore,
    MediaNotConfigured,
    StoreError,
    settings_from,
)

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + (64).to_bytes(4, "big") + (48).to_bytes(4, "big") + b"\x08\x02" * 20


@pytest.fixture(scope="module")
def server() -> Iterator[fake.FakeCloudinary]:
    running = fake.FakeCloudinary(0).start()
    yield running
    running.stop()


@pytest.fixture
def store(server: fake.FakeCloudinary) -> CloudinaryStore:
    env = {"CLOUDINARY_URL": fake.cloudinary_url(), "CLOUDINARY_UPLOAD_PREFIX": server.base_url,
           "GITALONG_MEDIA_WEBHOOK_URL": "http://127.0.0.1:9/unused"}
    return CloudinaryStore(settings_from(None, env))


def _post(url: str, fields: dict[str, str]) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=urllib.parse.urlencode(fields).encode(), method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def _direct(store: CloudinaryStore, **overrides: str) -> dict[str, str]:
    params = {"timestamp": str(int(time.time())), "public_id": "m1", "folder": "gitalong/u1/showcase",
              "allowed_formats": "jpg,png", "eager": "c_fill,h_300,w_400|c_fill,h_600,w_800", "eager_async": "true"}
    signature = store.sign(params)
    return {**params, "signature": signature, "api_key": store.settings.api_key,
            "file": "data:image/png;base64," + __import__("base64").b64encode(PNG).decode(), **overrides}


def test_a_direct_upload_signed_by_the_sdk_is_accepted_and_stored(store: CloudinaryStore,
                                                                  server: fake.FakeCloudinary) -> None:
    status, body = _post(store.upload_url("image"), _direct(store))
    assert status == 200, body
    assert body["public_id"] == "gitalong/u1/showcase/m1"
    assert (body["width"], body["height"], body["format"], body["bytes"]) == (64, 48, "png", len(PNG))
    assert "eager" not in body  # eager_async: versions come by notification
    assert server.state.blobs["gitalong/u1/showcase/m1"] == PNG


@pytest.mark.parametrize("tamper", [{"public_id": "someone-else"}, {"folder": "gitalong/u2/showcase"},
                                    {"signature": "0" * 40}, {"api_key": "unknown"}])
def test_a_tampered_or_badly_signed_upload_is_refused(store: CloudinaryStore, tamper: dict[str, str]) -> None:
    status, body = _post(store.upload_url("image"), _direct(store, **tamper))
    assert status == 401
    assert "error" in body


def test_a_signature_older_than_an_hour_is_stale(store: CloudinaryStore) -> None:
    old = str(int(time.time()) - 3700)
    fields = _direct(store, timestamp=old)
    fields["signature"] = store.sign({k: v for k, v in fields.items()
                                      if k not in ("file", "api_key", "signature")})
    status, body = _post(store.upload_url("image"), fields)
    assert status == 401 and "Stale" in body["error"]["message"]


def test_a_format_outside_allowed_formats_is_refused(store: CloudinaryStore) -> None:
    with pytest.raises(StoreError, match="not allowed"):
        store.upload(PNG, "a.png", "image", {"public_id": "m2", "allowed_formats": "jpg"})


def test_a_server_upload_returns_eager_versions_and_destroy_is_final(store: CloudinaryStore) -> None:
    result = store.upload(PNG, "a.png", "image", {"public_id": "m3", "folder": "f",
                                                  "eager": store.build_eager([{"width": 400, "height": 300,
                                                                               "crop": "fill"}])})
    assert result["eager"][0]["transformation"] == "c_fill,h_300,w_400"
    assert store.destroy("f/m3", "image") == "ok"
    assert store.destroy("f/m3", "image") == "not found"


def test_a_failing_destroy_is_a_store_error(store: CloudinaryStore, server: fake.FakeCloudinary) -> None:
    server.state.failures["destroy"] = [500]
    with pytest.raises(StoreError):
        store.destroy("anything", "image")


def test_the_sdk_verifies_a_notification_signed_as_cloudinary_signs_it(store: CloudinaryStore) -> None:
    body = json.dumps({"notification_type": "upload", "public_id": "x"})
    now = int(time.time())
    signature = fake.notification_signature(body, now)
    assert store.verify_notification(body, str(now), signature, 7200)
    assert not store.verify_notification(body.replace("x", "y"), str(now), signature, 7200)
    assert not store.verify_notification(body, str(now + 1), signature, 7200)
    stale = now - 7300
    assert not store.verify_notification(body, str(stale), fake.notification_signature(body, stale), 7200)


def test_usage_comes_from_the_admin_api(store: CloudinaryStore) -> None:
    import datetime

    assert isinstance(store.bandwidth_used(datetime.date.today()), int)


def test_missing_settings_are_named() -> None:
    with pytest.raises(MediaNotConfigured, match="CLOUDINARY_URL"):
        settings_from(None, {})
    with pytest.raises(MediaNotConfigured, match="CLOUDINARY_API_SECRET"):
        settings_from(None, {"CLOUDINARY_CLOUD_NAME": "c", "CLOUDINARY_API_KEY": "k"})
    with pytest.raises(MediaNotConfigured, match="api_secret"):
        settings_from("cloudinary://key@cloud", {})
    settings = settings_from("cloudinary://k:s@c?upload_prefix=http://h:1", {"GCLOUD_PROJECT": "demo-x"})
    assert (settings.cloud_name, settings.api_key, settings.api_secret) == ("c", "k", "s")
    assert settings.upload_prefix == "http://h:1"
    assert settings.notification_url == "https://us-central1-demo-x.cloudfunctions.net/cloudinary_webhook"


def test_a_media_callable_without_cloudinary_settings_fails_naming_the_secret(
        monkeypatch: pytest.MonkeyPatch) -> None:

    from firebase_functions import https_fn

    import media_fn
    from _edge import run_callable

    for name in ("CLOUDINARY_URL", "CLOUDINARY_CLOUD_NAME", "CLOUDINARY_API_KEY", "CLOUDINARY_API_SECRET"):
        monkeypatch.delenv(name, raising=False)
    request = https_fn.CallableRequest(
        data={"kind": "avatar"},
        raw_request=Request(EnvironBuilder().get_environ()),
        auth=https_fn.AuthData("alice", {}),
    )
    with pytest.raises(https_fn.HttpsError) as caught:
        run_callable("create_upload_signature", request, lambda uid, r: media_fn._store())
    assert caught.value.code == https_fn.FunctionsErrorCode.FAILED_PRECONDITION
    assert "CLOUDINARY_URL" in caught.value.message


def test_the_harness_points_the_workers_at_the_fake_for_its_port_offset() -> None:
    env = fake.emulator_env(4000)
    assert env["CLOUDINARY_UPLOAD_PREFIX"] == "http://127.0.0.1:13200"
    assert env["GITALONG_MEDIA_WEBHOOK_URL"] == "http://127.0.0.1:9001/demo-gitalong/us-central1/cloudinary_webhook"
    assert settings_from(None, env).api_secret == fake.API_SECRET
