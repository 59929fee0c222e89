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
