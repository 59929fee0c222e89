"""Where the swipes area keeps its data: swipes, matches, idempotency records, project interest.

Document ids come from :mod:`gitalong.swipes.model` (``{swiper}_{target}``, ``{low}_{high}``);
the collections and the area's queries are here.
"""

from __future__ import annotations

from typing import Any

from gitalong.infra.firestore import FieldFilter, Query
from gitalong.swipes import model as rules

SWIPES = "swipes"
MATCHES = "matches"
SWIPE_REQUESTS = "swipe_requests"
PROJECT_INTEREST = "project_interest"
PROJECTS = "projects"
_IN_CHUNK = 30  # Firestore's limit on an ``in`` filter's values


def swipe_ref(db: Any, swiper: str, target: str) -> Any:
    return db.collection(SWIPES).document(rules.swipe_doc_id(swiper, target))


def match_ref(db: Any, a: str, b: str) -> Any:
    return db.collection(MATCHES).document(rules.match_id(a, b))


def request_ref(db: Any, uid: str, swipe_id: str) -> Any:
    """The first result of ``uid``'s idempotency key ``swipe_id``."""
    return db.collection(SWIPE_REQUESTS).document(rules.idempotency_doc_id(uid, swipe_id))


def interest_ref(db: Any, swiper: str, owner: str) -> Any:
    """``project_interest/{swiper}_{owner}``: ``swiper``'s right swipes on ``owner``'s projects."""
    return db.collection(PROJECT_INTEREST).document(rules.swipe_doc_id(swiper, owner))


def project_ref(db: Any, project_id: str) -> Any:
    return db.collection(PROJECTS).document(project_id)


def swiped_ids(db: Any, uids: list[str]) -> dict[str, set[str]]:
    """Targets each of ``uids`` has swiped (any direction, users and projects)."""
    out: dict[str, set[str]] = {u: set() for u in uids}
    for i in range(0, len(uids), _IN_CHUNK):
        chunk = uids[i : i + _IN_CHUNK]
        query = db.collection(SWIPES).where(filter=FieldFilter("swiper_id", "in", chunk))
        for snap in query.select(["swiper_id", "target_id"]).stream():
            d = snap.to_dict()
            if d.get("swiper_id") in out and d.get("target_id"):
                out[d["swiper_id"]].add(str(d["target_id"]))
    return out


def popular_ids(db: Any, sample: int = 1000) -> dict[str, int]:
    """Right/super swipes received by users, counted over a sample of swipes (for cold start)."""
    counts: dict[str, int] = {}
    query = db.collection(SWIPES).where(filter=FieldFilter("direction", "in", ["right", "super"]))
    for snap in query.select(["target_id", "target_type"]).limit(sample).stream():
        d = snap.to_dict()
        if d.get("target_type", "user") == "user" and d.get("target_id"):
            counts[str(d["target_id"])] = counts.get(str(d["target_id"]), 0) + 1
    return counts


def interest_in_projects_of(db: Any, owner_id: str, project_id: str | None, limit: int) -> list[dict[str, Any]]:
    """Right/super swipes on ``owner_id``'s projects (one project if named), newest first.

    Composite index swipes: project_owner_id, direction, [target_id,] updated_at desc.
    """
    query = (
        db.collection(SWIPES)
        .where(filter=FieldFilter("project_owner_id", "==", owner_id))
        .where(filter=FieldFilter("direction", "in", sorted(rules.POSITIVE_DIRECTIONS)))
    )
    if project_id:
        query = query.where(filter=FieldFilter("target_id", "==", project_id))
    query = query.order_by("updated_at", direction=Query.DESCENDING).limit(limit)
    return [snap.to_dict() or {} for snap in query.stream()]
