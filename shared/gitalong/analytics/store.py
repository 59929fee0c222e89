"""Where the analytics area keeps its data: ``analytics/{uid}`` and its subcollections, ``stats/*``."""

from __future__ import annotations

from typing import Any

ANALYTICS = "analytics"
STATS = "stats"
CONNECTIONS = "connections"  # analytics/{uid}/connections/{match_id}
ATTENDED = "attended"  # analytics/{uid}/attended/{event_id}
DAILY = "daily"  # analytics/{uid}/daily/{yyyy-mm-dd}


def summary_ref(db: Any, uid: str) -> Any:
    """``analytics/{uid}``: the user's running counts."""
    return db.collection(ANALYTICS).document(uid)


def connection_ref(db: Any, uid: str, match_id: str) -> Any:
    return summary_ref(db, uid).collection(CONNECTIONS).document(match_id)


def attended(db: Any, uid: str) -> Any:
    """``analytics/{uid}/attended``: the events ``uid`` attends (mirrored by the events trigger)."""
    return summary_ref(db, uid).collection(ATTENDED)
