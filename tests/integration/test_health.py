"""``health`` answers from the running Functions emulator and checks Firestore."""

from __future__ import annotations

from support.emulators import Emulators


def test_health_reports_healthy_with_a_firestore_check(emulators: Emulators) -> None:
    response = emulators.session.get(emulators.url("health"), timeout=30)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "healthy"
    assert body["checks"]["firestore"]["ok"] is True


def test_health_refuses_other_methods(emulators: Emulators) -> None:
    response = emulators.session.post(emulators.url("health"), timeout=30)
    assert response.status_code == 405


def test_health_answers_a_wrong_method_with_the_error_body_of_every_http_function(emulators: Emulators) -> None:
    response = emulators.session.delete(emulators.url("health"), timeout=30)
    assert response.status_code == 405
    assert response.json() == {"error": {"status": "INVALID_ARGUMENT", "message": "health takes GET or HEAD",
                                         "details": None}}
