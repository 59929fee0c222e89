"""Cards written straight to ``profiles/``, exactly as the profile trigger writes them."""

from __future__ import annotations

from typing import Any


def seed(db: Any, uid: str, offer: str = "", need: str = "", skills: list[str] | None = None, **card: Any) -> str:
    """Write a public card with its vectors, as the profile trigger does (same encoder, same fields)."""
    from google.cloud.firestore import SERVER_TIMESTAMP
    from google.cloud.firestore_v1.vector import Vector

    from gitalong.matching.encode import card_vectors

    skills = skills or []
    vecs = card_vectors(offer, need, skills)
    db.collection("profiles").document(uid).set(
        {
            "display_name": card.pop("display_name", uid),
            "city": card.pop("city", "Lagos"),
            "role": card.pop("role", "student"),
            "skills": skills,
            "skills_to_offer": offer,
            "services_needed": need,
            "updated_at": SERVER_TIMESTAMP,
            **{k: Vector(v) if isinstance(v, list) else v for k, v in vecs.items()},
            **card,
        }
    )
    return uid
