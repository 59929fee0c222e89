"""Where the profiles area keeps its data: ``users/{uid}`` (the owner's document) and ``profiles/{uid}`` (the card).

Collection names, document references and the area's queries live here; the use cases
(:mod:`~gitalong.profiles.sync`, :mod:`~gitalong.profiles.github`, the consistency check)
say what to do with them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from gitalong.infra.firestore import FieldFilter

USERS = "users"
PROFILES = "profiles"
RECONCILE_STATE = ("jobs", "reconcile-profiles")
"""Where the reconciliation keeps its cursors (a document of the jobs collection)."""


def user_ref(db: Any, uid: str) -> Any:
    return db.collection(USERS).document(uid)


def card_ref(db: Any, uid: str) -> Any:
    return db.collection(PROFILES).document(uid)


def live(card: dict[str, Any] | None) -> bool:
    """A card that may be shown: exists and not marked deleted."""
    return card is not None and not card.get("deleted")


def in_id_order(query: Any, after: str | None, limit: int) -> Any:
    """``query`` in document-id order, after the id ``after``, at most ``limit`` documents."""
    ordered = query.order_by("__name__").limit(limit)
    return ordered.start_after({"__name__": after}) if after else ordered


def users_after(db: Any, after: str | None, limit: int) -> Any:
    """Users in id order after ``after`` (the reconciliation's page)."""
    return in_id_order(db.collection(USERS), after, limit)


def card_ids_after(db: Any, after: str | None, limit: int) -> Any:
    """Cards in id order after ``after``, with no fields read."""
    return in_id_order(db.collection(PROFILES).select([]), after, limit)


def cards_due_github_refresh(db: Any, now: datetime, limit: int) -> Any:
    """Cards whose ``github.refresh_after`` has passed."""
    return db.collection(PROFILES).where(filter=FieldFilter("github.refresh_after", "<=", now)).limit(limit)


def cards_where(db: Any, field: str | None, value: Any, limit: int) -> list[tuple[str, dict[str, Any]]]:
    """Up to ``limit`` live cards whose ``field`` equals ``value`` (any card when ``field`` is None)."""
    query = db.collection(PROFILES)
    if field is not None:
        query = query.where(filter=FieldFilter(field, "==", value))
    return [(s.id, d) for s in query.limit(limit).stream() if live(d := s.to_dict())]
