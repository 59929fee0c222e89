"""A client's view of the running emulator suite: callables, HTTP, Firestore, Pub/Sub, schedules."""

from __future__ import annotations

import base64
import contextlib
import json
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import requests

from emulators import PROJECT_ID, Endpoints

T = TypeVar("T")
OWNER = {"Authorization": "Bearer owner"}  # the emulators' admin credential


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def id_token(uid: str, **claims: Any) -> str:
    """An unsigned Firebase ID token for ``uid``: the emulators accept it (``alg: none``)."""
    now = int(time.time())
    payload = {
        "iss": f"https://securetoken.google.com/{PROJECT_ID}",
        "aud": PROJECT_ID,
        "auth_time": now,
        "iat": now,
        "exp": now + 3600,
        "sub": uid,
        "user_id": uid,
        "email": f"{uid}@example.test",
        "email_verified": True,
        "firebase": {"sign_in_provider": "password", "identities": {}},
        **claims,
    }
    return f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(payload)}."


@dataclass
class CallResult:
    """What a callable answered: ``result`` on success, else ``error`` ({status, message, details})."""

    http_status: int
    result: Any = None
    error: dict[str, Any] | None = None

    @property
    def status(self) -> str:
        return "OK" if self.error is None else str(self.error.get("status"))

    @property
    def field_errors(self) -> list[str]:
        details = (self.error or {}).get("details") or {}
        return [e["field"] for e in details.get("errors", [])]


def wait_for(
    probe: Callable[[], T | None], timeout: float = 60.0, interval: float = 0.1, what: str = "condition"
) -> T:
    """Poll ``probe`` until it returns something truthy; fail with ``what`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


@dataclass
class Emulators:
    """Helpers bound to one suite's endpoints."""

    endpoints: Endpoints
    session: requests.Session = field(default_factory=requests.Session)
    log_path: Path | None = None
    """The suite's log when this run started it (what :meth:`wait_for_idle_functions` reads)."""
    _log_read: int = 0
    _begun: int = 0
    _finished: int = 0

    # --- functions ----------------------------------------------------------------------

    def url(self, function: str) -> str:
        return self.endpoints.function_url(function)

    def call(self, name: str, data: Any = None, uid: str | None = None, token: str | None = None,
             timeout: float = 60.0) -> CallResult:
        """Call a callable over HTTP as the Flutter SDK does, signed in as ``uid`` if given."""
        headers = {"Content-Type": "application/json"}
        if uid is not None or token is not None:
            headers["Authorization"] = f"Bearer {token or id_token(uid or '')}"
        response = self.session.post(self.url(name), json={"data": data}, headers=headers, timeout=timeout)
        body = response.json()
        if "error" in body:
            return CallResult(response.status_code, error=body["error"])
        return CallResult(response.status_code, result=body.get("result"))

    def run_scheduled(self, name: str, schedule_time: datetime | None = None) -> requests.Response:
        """Run a scheduled function now (the emulator never fires them by itself)."""
        when = (schedule_time or datetime.now(UTC)).isoformat().replace("+00:00", "Z")
        headers = {"X-CloudScheduler-JobName": name, "X-CloudScheduler-ScheduleTime": when}
        return self.session.post(f"{self.url(name)}-0", headers=headers, json={}, timeout=120)

    # --- firestore ----------------------------------------------------------------------

    def firestore(self) -> Any:
        """An admin Firestore client (rules do not apply)."""
        from google.cloud import firestore

        return firestore.Client(project=PROJECT_ID)

    def firestore_rest(self, path: str) -> str:
        return f"http://{self.endpoints.firestore}/v1/projects/{PROJECT_ID}/databases/(default)/documents/{path}"

    def wait_for_idle_functions(self, timeout: float = 15.0, settle: float = 0.3, lost_after: float = 2.0) -> bool:
        """Wait until no function runs and the suite's log has been quiet for ``settle`` s (every
        ``Beginning execution of`` has its ``Finished``); False after ``timeout``. A test whose
        last trigger finished a while ago pays nothing; an execution whose ``Finished`` line
        has not come after ``lost_after`` s of silence is counted lost.

        Triggers of one test's writes may still run when the next test starts; one that
        lands after the clear writes into the next test's data (a skill counted twice, a
        notification from nowhere). Without a log (a suite started elsewhere): True at once.
        """
        if self.log_path is None or not self.log_path.exists():
            return True
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            begun, finished = self._executions()
            quiet_for = time.time() - self.log_path.stat().st_mtime  # since the suite last said anything
            if begun <= finished and quiet_for >= settle:
                return True
            if quiet_for >= lost_after:  # a "Finished" line never came (seen: a Pub/Sub redelivery)
                self._finished = self._begun  # count it lost, so later clears don't wait for it
                return True
            time.sleep(0.05)
        return False

    def _executions(self) -> tuple[int, int]:
        """Executions begun and finished so far, read on from where the last call stopped."""
        assert self.log_path is not None
        with self.log_path.open("rb") as log:
            log.seek(self._log_read)
            chunk = log.read()
        complete = chunk[: chunk.rfind(b"\n") + 1]  # a line being written is read next time
        self._log_read += len(complete)
        self._begun += complete.count(b"Beginning execution of ")
        self._finished += complete.count(b": Finished ")
        return self._begun, self._finished

    def clear_firestore(self, timeout: float = 30.0) -> None:
        """Delete every document once the functions are idle. The emulator answers 409 while a
        transaction (say, a late trigger of the previous test) holds a lock: retried until ``timeout``."""
        self.wait_for_idle_functions()
        url = f"http://{self.endpoints.firestore}/emulator/v1/projects/{PROJECT_ID}/databases/(default)/documents"
        deadline = time.monotonic() + timeout
        while True:
            response = self.session.delete(url, timeout=30)
            if response.status_code != 409 or time.monotonic() > deadline:
                response.raise_for_status()
                return
            time.sleep(0.2)

    def clear_auth(self) -> None:
        url = f"http://{self.endpoints.auth}/emulator/v1/projects/{PROJECT_ID}/accounts"
        self.session.delete(url, timeout=30).raise_for_status()

    def load_rules(self, rules: str) -> None:
        """Replace the Firestore emulator's security rules."""
        url = f"http://{self.endpoints.firestore}/emulator/v1/projects/{PROJECT_ID}:securityRules"
        body = {"rules": {"files": [{"name": "firestore.rules", "content": rules}]}}
        response = self.session.put(url, json=body, timeout=30)
        if response.status_code != 200:
            raise AssertionError(f"rules refused by the emulator: {response.text[:2000]}")

    # --- pub/sub ------------------------------------------------------------------------

    def publish(self, topic: str, message: dict[str, Any]) -> str:
        """Publish a JSON message to ``topic`` (created if missing); returns the message id."""
        from google.api_core.exceptions import AlreadyExists
        from google.cloud import pubsub_v1  # type: ignore[attr-defined]

        publisher = pubsub_v1.PublisherClient()
        path = publisher.topic_path(PROJECT_ID, topic)
        with contextlib.suppress(AlreadyExists):
            publisher.create_topic(name=path)
        return str(publisher.publish(path, json.dumps(message).encode()).result(timeout=30))


class TopicTap:
    """A pull subscription on a topic, made before the code under test publishes.

    ``pull(timeout)`` returns every JSON message received so far (acked, each message id once:
    Pub/Sub redelivers a message whose ack came late), waiting at most ``timeout`` seconds for
    the first batch.
    """

    def __init__(self, topic: str) -> None:
        import uuid

        from google.api_core.exceptions import AlreadyExists
        from google.cloud import pubsub_v1  # type: ignore[attr-defined]

        self._publisher = pubsub_v1.PublisherClient()
        self._subscriber = pubsub_v1.SubscriberClient()
        topic_path = self._publisher.topic_path(PROJECT_ID, topic)
        with contextlib.suppress(AlreadyExists):
            self._publisher.create_topic(name=topic_path)
        self.path = self._subscriber.subscription_path(PROJECT_ID, f"tap-{topic}-{uuid.uuid4().hex[:8]}")
        self._subscriber.create_subscription(name=self.path, topic=topic_path)
        self.received: list[dict[str, Any]] = []
        self._seen: set[str] = set()

    def pull(self, timeout: float = 2.0) -> list[dict[str, Any]]:
        """Pull what has arrived (up to ``timeout`` seconds of waiting); returns everything so far."""
        deadline = time.monotonic() + timeout
        while True:
            with warnings.catch_warnings():  # deprecated for production, right for polling an emulator
                warnings.simplefilter("ignore", DeprecationWarning)
                response = self._subscriber.pull(
                    subscription=self.path, max_messages=100, return_immediately=True, timeout=10
                )
            ids = [m.ack_id for m in response.received_messages]
            for m in response.received_messages:  # at least once: a late ack is redelivered, count it once
                if m.message.message_id not in self._seen:
                    self._seen.add(m.message.message_id)
                    self.received.append(json.loads(m.message.data))
            if ids:
                self._subscriber.acknowledge(subscription=self.path, ack_ids=ids)
            if ids or time.monotonic() > deadline:
                if not ids:
                    return self.received
                continue
            time.sleep(0.1)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._subscriber.delete_subscription(subscription=self.path)
