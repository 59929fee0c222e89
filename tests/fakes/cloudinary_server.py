"""A local fake of Cloudinary's Upload and Admin API, on loopback, standard library only.

It behaves as Cloudinary documents it, as far as GitAlong uses it:

* ``POST /v1_1/{cloud}/{image|video}/upload`` (multipart or urlencoded) VERIFIES the
  signature: every parameter except ``file``, ``api_key``, ``resource_type``,
  ``cloud_name`` and ``signature``, non-empty, as ``key=value`` (``&`` in values written
  ``%26``), sorted, joined by ``&``, then the API secret appended and hashed (SHA-1, or
  SHA-256 when configured). A bad signature or unknown key is 401, a timestamp over an
  hour old is 401 ("Stale request"), a format outside ``allowed_formats`` or content
  that is not an image/video is 400. It stores the bytes and answers with Cloudinary's
  response shape (``eager`` included unless ``eager_async``).
* ``POST /v1_1/{cloud}/{type}/destroy`` (signed) → ``{"result": "ok" | "not found"}``.
* ``GET /v1_1/{cloud}/usage[/{date}]`` (basic auth) → a usage report.
* With a ``notification_url`` it POSTs signed notifications there afterwards
  (``upload``, then ``eager`` when ``eager_async``): ``X-Cld-Timestamp`` is the Unix time,
  ``X-Cld-Signature`` is hash(body + timestamp + secret).

Control endpoints under ``/_fake/`` let tests look inside and inject failures:
``GET health``, ``GET resources``, ``GET bytes?public_id=``, ``GET notifications``,
``POST reset``, ``POST fail`` ``{"action": "destroy", "times": 1, "status": 500}``,
``POST config`` ``{"notify": false, "eager_first": true}``.

Run on its own: ``python tests/fakes/cloudinary_server.py --port 9200``.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import json
import os
import secrets
import struct
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PROJECT_ID = "demo-gitalong"

CLOUD_NAME = "demo-gitalong"
API_KEY = "fake-api-key"
API_SECRET = "fake-api-secret"
BASE_PORT = 9200
UNSIGNED = ("file", "api_key", "resource_type", "cloud_name", "signature")
STALE_AFTER_S = 3600
ALGORITHMS = {"sha1": hashlib.sha1, "sha256": hashlib.sha256}


def port_for(offset: int | None = None) -> int:
    """The fake's port for an emulator port offset (9200 + offset; default: the environment's)."""
    if offset is None:
        offset = int(os.environ.get("GITALONG_EMULATOR_PORT_OFFSET", "0"))
    return BASE_PORT + offset


def emulator_env(offset: int | None = None) -> dict[str, str]:
    """What the function workers need to use this fake: firebase-tools hands its own environment
    on to them. The webhook URL is the functions emulator's ``cloudinary_webhook`` at ``offset``."""
    if offset is None:
        offset = int(os.environ.get("GITALONG_EMULATOR_PORT_OFFSET", "0"))
    config = json.loads((ROOT / "firebase.json").read_text())["emulators"]["functions"]
    functions = f"{config.get('host', '127.0.0.1')}:{int(config['port']) + offset}"
    return {
        "CLOUDINARY_URL": cloudinary_url(),
        "CLOUDINARY_UPLOAD_PREFIX": f"http://127.0.0.1:{port_for(offset)}",
        "GITALONG_MEDIA_WEBHOOK_URL": f"http://{functions}/{PROJECT_ID}/us-central1/cloudinary_webhook",
    }


def ensure_running(offset: int | None = None) -> FakeCloudinary | None:
    """Start the fake on its port, unless one (say, of ``./dev run``) answers there already."""
    base = f"http://127.0.0.1:{port_for(offset)}"
    try:
        with urllib.request.urlopen(f"{base}/_fake/health", timeout=2) as response:
            if response.status == 200:
                return None
    except OSError:
        pass
    return FakeCloudinary(port_for(offset)).start()


def cloudinary_url(cloud: str = CLOUD_NAME, key: str = API_KEY, secret: str = API_SECRET) -> str:
    return f"cloudinary://{key}:{secret}@{cloud}"


def string_to_sign(params: dict[str, str]) -> str:
    """Cloudinary's documented string to sign (signature version 2)."""
    pairs = [f"{k}={v}".replace("&", "%26") for k, v in params.items() if k not in UNSIGNED and v != ""]
    return "&".join(sorted(pairs))


def sign(params: dict[str, str], secret: str = API_SECRET, algorithm: str = "sha1") -> str:
    return ALGORITHMS[algorithm]((string_to_sign(params) + secret).encode()).hexdigest()


def notification_signature(body: str, timestamp: int | str, secret: str = API_SECRET, algorithm: str = "sha1") -> str:
    """``X-Cld-Signature`` of a notification: hash(body + timestamp + secret)."""
    return ALGORITHMS[algorithm](f"{body}{timestamp}{secret}".encode()).hexdigest()


# --- what the fake knows about files -------------------------------------------------


def _sniff(data: bytes) -> str | None:
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[4:8] == b"ftyp":
        brand = data[8:12]
        if brand == b"qt  ":
            return "mov"
        if brand in (b"heic", b"heix", b"mif1", b"msf1"):
            return "heic"
        return "mp4"
    return None


def _dimensions(data: bytes, fmt: str | None) -> tuple[int, int]:
    if fmt == "png" and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    if fmt == "jpg":
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                break
            marker, length = data[i + 1], struct.unpack(">H", data[i + 2 : i + 4])[0]
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">HH", data[i + 5 : i + 9])
                return width, height
            i += 2 + length
    if fmt in ("mp4", "mov"):
        at = data.find(b"tkhd")
        if at > 0 and len(data) >= at + 84:
            width, height = struct.unpack(">II", data[at + 80 : at + 88]) if len(data) >= at + 88 else (0, 0)
            return width >> 16, height >> 16
    return 0, 0


def _duration(data: bytes) -> float:
    at = data.find(b"mvhd")
    if at < 0 or len(data) < at + 24:
        return 0.0
    timescale, duration = struct.unpack(">II", data[at + 16 : at + 24])
    return round(duration / timescale, 3) if timescale else 0.0


def _transformation_string(eager: str) -> list[tuple[str, str | None]]:
    """``c_fill,h_300,w_400|…/mp4`` → [(transformation, format or None)]."""
    out = []
    for part in filter(None, eager.split("|")):
        trans, _, fmt = part.partition("/")
        out.append((trans, fmt or None))
    return out


# --- state --------------------------------------------------------------------------


@dataclass
class FakeState:
    cloud: str = CLOUD_NAME
    keys: dict[str, str] = field(default_factory=lambda: {API_KEY: API_SECRET})
    algorithm: str = "sha1"
    resources: dict[str, dict[str, Any]] = field(default_factory=dict)
    blobs: dict[str, bytes] = field(default_factory=dict)
    notifications: list[dict[str, Any]] = field(default_factory=list)
    failures: dict[str, list[int]] = field(default_factory=dict)
    notify: bool = True
    eager_first: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take_failure(self, action: str) -> int | None:
        with self.lock:
            queue = self.failures.get(action) or []
            return queue.pop(0) if queue else None


class _Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class Handler(BaseHTTPRequestHandler):
    state: FakeState
    delivery_host = "res.cloudinary.com"
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    # --- plumbing ---------------------------------------------------------------------

    def _send(self, status: int, body: Any, content_type: str = "application/json") -> None:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(raw)))
        self.send_header("X-Request-Id", secrets.token_hex(8))
        self.end_headers()
        self.wfile.write(raw)

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _form(self) -> tuple[dict[str, str], tuple[str, bytes] | None]:
        raw = self._body()
        ctype = self.headers.get("Content-Type", "")
        fields: dict[str, str] = {}
        upload: tuple[str, bytes] | None = None
        if ctype.startswith("multipart/form-data"):
            message = BytesParser(policy=HTTP).parsebytes(
                f"Content-Type: {ctype}\r\nMIME-Version: 1.0\r\n\r\n".encode() + raw
            )
            for part in message.iter_parts():
                name = part.get_param("name", header="content-disposition")
                raw_payload = part.get_payload(decode=True)
                payload = raw_payload if isinstance(raw_payload, bytes) else b""
                filename = part.get_filename()
                if name == "file" and filename is not None:
                    upload = (filename, payload)
                elif name:
                    fields[str(name)] = payload.decode()
        else:
            for key, values in urllib.parse.parse_qs(raw.decode(), keep_blank_values=True).items():
                fields[key] = values[0]
        if upload is None and fields.get("file", "").startswith("data:"):
            upload = ("file", base64.b64decode(fields["file"].split(",", 1)[1]))
        return fields, upload

    def _verify(self, fields: dict[str, str]) -> str:
        """Check the signature and timestamp as Cloudinary does; returns the secret."""
        secret = self.state.keys.get(fields.get("api_key", ""))
        if secret is None:
            raise _Refused(401, f"Unknown API key {fields.get('api_key')!r}")
        if "signature" not in fields:
            raise _Refused(401, "Missing required parameter - signature")
        expected = sign(fields, secret, self.state.algorithm)
        if fields["signature"] != expected:
            raise _Refused(401, f"Invalid Signature {fields['signature']}. "
                                f"String to sign - '{string_to_sign(fields)}'.")
        try:
            timestamp = int(fields.get("timestamp", ""))
        except ValueError:
            raise _Refused(401, "Missing required parameter - timestamp") from None
        if timestamp < time.time() - STALE_AFTER_S:
            raise _Refused(401, f"Stale request - reported time is {timestamp} which is more than 1 hour ago")
        return secret

    # --- routes -----------------------------------------------------------------------

    def do_GET(self) -> None:
        url = urllib.parse.urlparse(self.path)
        query = {k: v[0] for k, v in urllib.parse.parse_qs(url.query).items()}
        parts = url.path.strip("/").split("/")
        if parts[:1] == ["_fake"]:
            return self._control_get(parts[1] if len(parts) > 1 else "", query)
        if len(parts) >= 3 and parts[0] == "v1_1" and parts[2] == "usage":
            return self._usage()
        self._send(404, {"error": {"message": f"no route GET {url.path}"}})

    def do_POST(self) -> None:
        url = urllib.parse.urlparse(self.path)
        parts = url.path.strip("/").split("/")
        try:
            if parts[:1] == ["_fake"]:
                return self._control_post(parts[1] if len(parts) > 1 else "")
            if len(parts) == 4 and parts[0] == "v1_1" and parts[3] in ("upload", "destroy"):
                if parts[1] != self.state.cloud:
                    raise _Refused(401, f"Invalid cloud_name {parts[1]}")
                fields, upload = self._form()
                injected = self.state.take_failure(parts[3])
                if injected:
                    raise _Refused(injected, f"injected {parts[3]} failure")
                secret = self._verify(fields)
                if parts[3] == "upload":
                    return self._upload(parts[2], fields, upload, secret)
                return self._destroy(parts[2], fields)
            self._send(404, {"error": {"message": f"no route POST {url.path}"}})
        except _Refused as refused:
            self._send(refused.status, {"error": {"message": refused.message}})

    def _upload(self, resource_type: str, fields: dict[str, str], upload: tuple[str, bytes] | None,
                secret: str) -> None:
        if upload is None:
            raise _Refused(400, "Missing required parameter - file")
        filename, data = upload
        if not data:
            raise _Refused(400, "Empty file")
        fmt = _sniff(data)
        kind_ok = fmt in (("mp4", "mov") if resource_type == "video" else ("jpg", "png", "webp", "heic"))
        if fmt is None or not kind_ok:
            raise _Refused(400, f"Invalid {resource_type} file")
        allowed = [f.strip() for f in fields.get("allowed_formats", "").split(",") if f.strip()]
        if allowed and fmt not in allowed:
            raise _Refused(400, f"{fmt} format not allowed")
        folder = fields.get("folder", "")
        public_id = fields.get("public_id") or secrets.token_hex(10)
        if folder:
            public_id = f"{folder.strip('/')}/{public_id}"
        version = int(time.time())
        width, height = _dimensions(data, fmt)
        base = f"https://{self.delivery_host}/{self.state.cloud}/{resource_type}/upload"
        response: dict[str, Any] = {
            "asset_id": hashlib.md5(public_id.encode()).hexdigest(),
            "public_id": public_id,
            "version": version,
            "version_id": secrets.token_hex(16),
            "signature": hashlib.sha1(f"public_id={public_id}&version={version}{secret}".encode()).hexdigest(),
            "width": width,
            "height": height,
            "format": fmt,
            "resource_type": resource_type,
            "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "tags": [],
            "bytes": len(data),
            "type": "upload",
            "etag": hashlib.md5(data).hexdigest(),
            "placeholder": False,
            "url": f"{base}/v{version}/{public_id}.{fmt}".replace("https://", "http://"),
            "secure_url": f"{base}/v{version}/{public_id}.{fmt}",
            "folder": folder,
            "original_filename": filename.rsplit("/", 1)[-1].rsplit(".", 1)[0],
            "api_key": fields["api_key"],
        }
        if resource_type == "video":
            response["duration"] = _duration(data)
        eager = [
            {
                "transformation": trans,
                "width": int(next((p[2:] for p in trans.split(",") if p.startswith("w_")), width) or 0),
                "height": int(next((p[2:] for p in trans.split(",") if p.startswith("h_")), height) or 0),
                "bytes": len(data),
                "format": efmt or fmt,
                "url": f"{base}/{trans}/v{version}/{public_id}.{efmt or fmt}".replace("https://", "http://"),
                "secure_url": f"{base}/{trans}/v{version}/{public_id}.{efmt or fmt}",
            }
            for trans, efmt in _transformation_string(fields.get("eager", ""))
        ]
        eager_async = fields.get("eager_async") in ("true", "1")
        if eager and not eager_async:
            response["eager"] = eager
        with self.state.lock:
            self.state.resources[public_id] = {**response, "eager": eager}
            self.state.blobs[public_id] = data
        self._send(200, response)
        url = fields.get("notification_url")
        if url and self.state.notify:
            notes = [{"notification_type": "upload", **{k: v for k, v in response.items() if k != "api_key"}}]
            if eager and eager_async:
                notes.append({"notification_type": "eager", "public_id": public_id, "asset_id": response["asset_id"],
                              "batch_id": secrets.token_hex(16), "eager": eager})
            if self.state.eager_first:
                notes.reverse()
            threading.Thread(target=self._deliver_all, args=(url, notes, secret), daemon=True).start()

    def _deliver_all(self, url: str, notes: list[dict[str, Any]], secret: str) -> None:
        for note in notes:
            deliver(self.state, url, note, secret)

    def _destroy(self, resource_type: str, fields: dict[str, str]) -> None:
        public_id = fields.get("public_id", "")
        with self.state.lock:
            found = self.state.resources.get(public_id)
            if found is not None and found["resource_type"] == resource_type:
                del self.state.resources[public_id]
                self.state.blobs.pop(public_id, None)
                return self._send(200, {"result": "ok"})
        self._send(200, {"result": "not found"})

    def _usage(self) -> None:
        auth = self.headers.get("Authorization", "")
        try:
            key, _, secret = base64.b64decode(auth.removeprefix("Basic ")).decode().partition(":")
        except ValueError:
            key, secret = "", ""
        if self.state.keys.get(key) != secret or not secret:
            return self._send(401, {"error": {"message": "Invalid credentials"}})
        with self.state.lock:
            stored = sum(len(b) for b in self.state.blobs.values())
            count = len(self.state.resources)
        limit = 25 * 1024**3
        self._send(200, {
            "plan": "Free",
            "last_updated": datetime.now(UTC).date().isoformat(),
            "bandwidth": {"usage": stored, "limit": limit, "used_percent": round(100 * stored / limit, 2)},
            "storage": {"usage": stored},
            "resources": count,
            "requests": count,
        })

    # --- control ----------------------------------------------------------------------

    def _control_get(self, what: str, query: dict[str, str]) -> None:
        with self.state.lock:
            if what == "health":
                return self._send(200, {"status": "ok", "cloud": self.state.cloud})
            if what == "resources":
                return self._send(200, {"resources": list(self.state.resources.values())})
            if what == "bytes":
                blob = self.state.blobs.get(query.get("public_id", ""))
                if blob is None:
                    return self._send(404, {"error": {"message": "no such resource"}})
                return self._send(200, blob, "application/octet-stream")
            if what == "notifications":
                return self._send(200, {"notifications": list(self.state.notifications)})
        self._send(404, {"error": {"message": f"no control {what}"}})

    def _control_post(self, what: str) -> None:
        body = json.loads(self._body() or b"{}")
        with self.state.lock:
            if what == "reset":
                self.state.resources.clear()
                self.state.blobs.clear()
                self.state.notifications.clear()
                self.state.failures.clear()
                self.state.notify, self.state.eager_first = True, False
            elif what == "fail":
                self.state.failures[body["action"]] = [int(body.get("status", 500))] * int(body.get("times", 1))
            elif what == "config":
                self.state.notify = bool(body.get("notify", self.state.notify))
                self.state.eager_first = bool(body.get("eager_first", self.state.eager_first))
            else:
                return self._send(404, {"error": {"message": f"no control {what}"}})
        self._send(200, {"ok": True})


def deliver(state: FakeState, url: str, note: dict[str, Any], secret: str) -> None:
    """POST one signed notification and log what happened (with the exact body and headers)."""
    body = json.dumps(note)
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "X-Cld-Timestamp": str(timestamp),
        "X-Cld-Signature": notification_signature(body, timestamp, secret, state.algorithm),
    }
    request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status = response.status
    except urllib.error.HTTPError as err:
        status = err.code
    except OSError as err:
        status = -1
        headers["X-Fake-Error"] = str(err)
    with state.lock:
        state.notifications.append({"url": url, "body": body, "headers": headers, "status": status,
                                    "type": note.get("notification_type"), "public_id": note.get("public_id")})


class FakeCloudinary:
    """The fake server on ``127.0.0.1:port``, run in a daemon thread."""

    def __init__(self, port: int = 0, state: FakeState | None = None) -> None:
        self.state = state or FakeState()
        handler = type("BoundHandler", (Handler,), {"state": self.state})
        self.server = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, name="fake-cloudinary", daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FakeCloudinary:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Control:
    """The tests' handle on a running fake (in this process or another), over its ``/_fake/`` API."""

    def __init__(self, offset: int | None = None) -> None:
        self.base_url = f"http://127.0.0.1:{port_for(offset)}"

    def _call(self, method: str, what: str, body: dict[str, Any] | None = None) -> bytes:
        data = json.dumps(body or {}).encode() if method == "POST" else None
        request = urllib.request.Request(f"{self.base_url}/_fake/{what}", data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return bytes(response.read())

    def reset(self) -> None:
        self._call("POST", "reset")

    def fail(self, action: str, times: int = 1, status: int = 500) -> None:
        """Make the next ``times`` calls of ``action`` (``upload``/``destroy``) answer ``status``."""
        self._call("POST", "fail", {"action": action, "times": times, "status": status})

    def configure(self, **settings: bool) -> None:
        self._call("POST", "config", settings)

    def resources(self) -> dict[str, dict[str, Any]]:
        found = json.loads(self._call("GET", "resources"))["resources"]
        return {r["public_id"]: r for r in found}

    def bytes_of(self, public_id: str) -> bytes | None:
        try:
            return self._call("GET", f"bytes?public_id={urllib.parse.quote(public_id)}")
        except urllib.error.HTTPError as err:
            if err.code == 404:
                return None
            raise

    def notifications(self) -> list[dict[str, Any]]:
        return list(json.loads(self._call("GET", "notifications"))["notifications"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=None, help="default: 9200 + $GITALONG_EMULATOR_PORT_OFFSET")
    args = parser.parse_args()
    fake = FakeCloudinary(args.port if args.port is not None else port_for())
    print(f"fake Cloudinary on {fake.base_url} (cloud {CLOUD_NAME}, key {API_KEY})", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        fake.server.serve_forever()


if __name__ == "__main__":
    main()
