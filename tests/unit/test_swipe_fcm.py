"""The FCM adapter: which sender runs where, and which tokens count as dead."""

from __future__ import annotations

from typing import Any

import pytest

from gitalong.infra import fcm


@pytest.fixture(autouse=True)
def fresh_sender_choice(monkeypatch: pytest.MonkeyPatch) -> Any:
    for name in ("GITALONG_FCM", "FUNCTIONS_EMULATOR", "FIRESTORE_EMULATOR_HOST"):
        monkeypatch.delenv(name, raising=False)
    fcm.sender.cache_clear()
    yield
    fcm.sender.cache_clear()


def test_production_sends_through_firebase_and_the_emulator_records(monkeypatch: pytest.MonkeyPatch) -> None:
    assert isinstance(fcm.sender(), fcm.FirebaseSender)
    fcm.sender.cache_clear()
    monkeypatch.setenv("FUNCTIONS_EMULATOR", "true")
    assert isinstance(fcm.sender(), fcm.RecordingSender)
    fcm.sender.cache_clear()
    monkeypatch.setenv("GITALONG_FCM", "firebase")
    assert isinstance(fcm.sender(), fcm.FirebaseSender)


def test_unregistered_and_mismatched_tokens_are_dead_other_failures_are_not(monkeypatch: pytest.MonkeyPatch) -> None:
    import firebase_admin
    from firebase_admin import messaging

    class Result:
        def __init__(self, exception: Exception | None) -> None:
            self.exception = exception
            self.success = exception is None

    class Response:
        responses = [Result(None), Result(messaging.UnregisteredError("gone")),
                     Result(messaging.SenderIdMismatchError("other project")), Result(RuntimeError("quota"))]
        success_count = 1

    sent: list[Any] = []

    def send_each_for_multicast(message: Any) -> type[Response]:
        sent.append(message)
        return Response

    monkeypatch.setattr(firebase_admin, "_apps", {"[DEFAULT]": object()})
    monkeypatch.setattr(messaging, "send_each_for_multicast", send_each_for_multicast)
    push = fcm.Push("u1", ["ok", "gone", "mismatch", "busy"], "Hi", "there", {"k": "v"})
    report = fcm.FirebaseSender().send(push)
    assert report == fcm.SendReport(sent=1, dead_tokens=["gone", "mismatch"])
    assert sent[0].tokens == ["ok", "gone", "mismatch", "busy"] and sent[0].data == {"k": "v"}
