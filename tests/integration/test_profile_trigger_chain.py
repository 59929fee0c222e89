"""A write to ``users/{uid}`` fires the Python trigger, which writes ``profiles/{uid}``."""

from __future__ import annotations

from typing import Any

from support.emulators import wait_for


def test_a_new_user_document_produces_a_public_card_without_the_email(db: Any, uid: str) -> None:
    db.collection("users").document(uid).set(
        {"display_name": "Ada", "email": "ada@example.test", "city": "Lagos", "role": "mentor"}
    )
    card = wait_for(lambda: db.collection("profiles").document(uid).get().to_dict(), what="profiles card")
    assert card["display_name"] == "Ada"
    assert "email" not in card


def test_deleting_the_user_document_removes_the_card(db: Any, uid: str) -> None:
    db.collection("users").document(uid).set({"display_name": "Ada"})
    wait_for(lambda: db.collection("profiles").document(uid).get().exists, what="card created")
    db.collection("users").document(uid).delete()
    wait_for(lambda: not db.collection("profiles").document(uid).get().exists, what="card removed")
