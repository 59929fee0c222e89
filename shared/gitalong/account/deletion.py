"""Account deletion: remove everything of a user, in batches, safe to re-run.

:func:`delete_user_data` runs the cascade the contract names (plus the user's blocks,
reports filed, swipes received, projects, showcase posts and analytics, and the other
participant's analytics record of each deleted match). Every step is a query for what is left, so
a run that failed half-way is finished by running again; writes go in batches of at most
:data:`BATCH` (``recursive_delete`` for documents with subcollections). The profile card
and the user document go last: while anything else remains, ``users``/``profiles`` still
mark the account as "to delete" for the reconciliation job.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from gitalong.analytics import store as analytics_store
from gitalong.community import store as community_store
from gitalong.infra import counters, notifications, rate_limit
from gitalong.infra.firestore import where
from gitalong.matching import store as matching_store
from gitalong.media import store as media_store
from gitalong.profiles import store as profiles_store
from gitalong.safety import store as safety_store
from gitalong.swipes import store as swipes_store

logger = logging.getLogger(__name__)

BATCH = 500
"""Firestore's limit of writes per batch."""


def _delete_query(db: Any, query: Any, recursive: bool = False) -> int:
    """Delete every document ``query`` matches, ``BATCH`` at a time; returns how many."""
    total = 0
    while True:
        snaps = list(query.limit(BATCH).stream())
        if not snaps:
            return total
        if recursive:
            for snap in snaps:
                db.recursive_delete(snap.reference, chunk_size=BATCH)
        else:
            batch = db.batch()
            for snap in snaps:
                batch.delete(snap.reference)
            batch.commit()
        total += len(snaps)


def _delete_matches(db: Any, uid: str) -> int:
    """Matches of ``uid`` with their messages, and the other side's analytics record and notifications of each."""
    query = where(db.collection(swipes_store.MATCHES), "participants", "array_contains", uid)
    total = 0
    while True:
        snaps = list(query.limit(BATCH).stream())
        if not snaps:
            return total
        for snap in snaps:
            for other in snap.get("participants") or []:
                if isinstance(other, str) and other != uid:
                    _delete_tree(db, analytics_store.connection_ref(db, other, snap.id))
                    _delete_query(db, where(notifications.items(other), "data.match_id", "==", snap.id))
            db.recursive_delete(snap.reference, chunk_size=BATCH)
        total += len(snaps)


def _hide_card(db: Any, uid: str) -> None:
    """Mark ``profiles/{uid}`` ``deleted`` before anything goes: from then on nobody can swipe
    on the user (``NOT_FOUND``) or get them recommended, so no new swipe or match can appear
    behind the cascade's back. The card itself goes last."""
    from gitalong.infra.firestore import SERVER_TIMESTAMP, NotFound

    try:
        profiles_store.card_ref(db, uid).update({"deleted": True, "updated_at": SERVER_TIMESTAMP})
    except NotFound:  # no card (never synced, or already removed by an earlier run)
        return


def _delete_interest_notifications(db: Any, uid: str) -> int:
    """The "new interest in your project" notifications ``uid`` caused in project owners' inboxes.

    Every project swipe leaves ``project_interest/{uid}_{owner}`` (its ``project_ids`` may be
    empty again), so those documents name every owner whose inbox may hold one.
    """
    interest = where(db.collection(swipes_store.PROJECT_INTEREST), "swiper_id", "==", uid)
    owners = {str(owner) for snap in interest.stream() if (owner := (snap.to_dict() or {}).get("owner_id"))}
    total = 0
    for owner in sorted(owners):
        total += _delete_query(db, where(notifications.items(owner), "data.user_id", "==", uid))
    return total


def _delete_tree(db: Any, ref: Any) -> None:
    """``recursive_delete`` a document and its subcollections, only if there is something to delete.

    Deleting a missing document is still a write that fires ``written`` triggers (with no
    before and no after); skipping it keeps re-runs of the cascade quiet.
    """
    if ref.get().exists or any(True for _ in ref.collections()):
        db.recursive_delete(ref, chunk_size=BATCH)


def _remove_from_recommendations(db: Any, uid: str, attempts: int = 5) -> int:
    """Drop ``uid`` from other users' ``recommendations`` (items and ``candidate_ids``).

    Each update is conditioned on the document's ``update_time``, so a concurrent rewrite
    by the matching job is never clobbered: the batch fails and the query runs again.
    """
    from gitalong.infra.firestore import ArrayRemove, FailedPrecondition, NotFound

    query = where(db.collection(matching_store.RECOMMENDATIONS), "candidate_ids", "array_contains", uid)
    total = conflicts = 0
    while conflicts < attempts:  # only a conflicting batch uses up an attempt, not a full one
        snaps = list(query.limit(BATCH).stream())
        if not snaps:
            return total
        batch = db.batch()
        for snap in snaps:
            items = [i for i in (snap.get("items") or []) if not (isinstance(i, dict) and i.get("id") == uid)]
            batch.update(
                snap.reference,
                {"items": items, "candidate_ids": ArrayRemove([uid])},
                option=db.write_option(last_update_time=snap.update_time),
            )
        try:
            batch.commit()
        except (FailedPrecondition, NotFound):
            logger.info("recommendations changed under the clean-up of %s; retrying", uid)
            conflicts += 1
            continue
        total += len(snaps)
        if len(snaps) < BATCH:
            return total
    raise RuntimeError(f"could not remove {uid} from recommendations after {attempts} attempts")


def _delete_media(db: Any, uid: str) -> int:
    """The media area's deletion (Cloudinary assets + records).

    Skipped when the user has no media record (so an account without media never needs
    Cloudinary to be configured or reachable).
    """
    from gitalong.media import deletion as media

    if not list(media_store.media_of(db, uid).limit(1).select([]).stream()):
        return 0
    return media.delete_all_media_of(uid)


def _delete_attendance(db: Any, uid: str) -> int:
    """The user's ``events/*/attendees/{uid}``, found through their list ``analytics/{uid}/attended``."""
    total = 0
    for snap in analytics_store.attended(db, uid).stream():
        community_store.attendee_ref(db, snap.id, uid).delete()
        total += 1
    return total


def delete_user_data(uid: str, delete_user_doc: bool = True) -> dict[str, int]:
    """Run the whole cascade for ``uid``; returns how many documents each step removed."""
    from gitalong.infra import firestore

    db = firestore.client()
    col = db.collection
    _hide_card(db, uid)
    counts: dict[str, int] = {}
    counts["interest_notifications"] = _delete_interest_notifications(db, uid)  # before the swipe state it reads
    swipes, blocks, reports = (col(c) for c in (swipes_store.SWIPES, safety_store.BLOCKS, safety_store.REPORTS))
    interest = col(swipes_store.PROJECT_INTEREST)
    counts["swipes_given"] = _delete_query(db, where(swipes, "swiper_id", "==", uid))
    counts["swipes_received"] = _delete_query(db, where(swipes, "target_id", "==", uid))
    counts["matches"] = _delete_matches(db, uid)
    counts["in_recommendations"] = _remove_from_recommendations(db, uid)
    counts["blocks"] = _delete_query(db, where(blocks, "blocker_id", "==", uid))
    counts["blocks"] += _delete_query(db, where(blocks, "blocked_id", "==", uid))
    counts["reports"] = _delete_query(db, where(reports, "reporter_id", "==", uid))
    counts["reports"] += _delete_query(db, where(reports, "target_id", "==", uid))
    counts["events"] = _delete_query(db, where(col(community_store.EVENTS), "created_by", "==", uid), recursive=True)
    counts["projects"] = _delete_query(db, where(col(swipes_store.PROJECTS), "owner_id", "==", uid), recursive=True)
    counts["showcase_posts"] = _delete_query(
        db, where(col(community_store.SHOWCASE_POSTS), "user_id", "==", uid), recursive=True
    )
    counts["media"] = _delete_media(db, uid)
    counts["attendance"] = _delete_attendance(db, uid)
    counts["swipe_state"] = _delete_query(db, where(col(swipes_store.SWIPE_REQUESTS), "uid", "==", uid))
    counts["swipe_state"] += _delete_query(db, where(interest, "swiper_id", "==", uid))
    counts["swipe_state"] += _delete_query(db, where(interest, "owner_id", "==", uid))
    for action in ("swipe", "report"):
        rate_limit.ref(uid, action).delete()
    for name in (matching_store.RECOMMENDATIONS, notifications.COLLECTION, counters.COLLECTION,
                 analytics_store.ANALYTICS, media_store.QUOTA):
        _delete_tree(db, col(name).document(uid))
    _delete_tree(db, profiles_store.card_ref(db, uid))
    if delete_user_doc:
        _delete_tree(db, profiles_store.user_ref(db, uid))
    logger.info("deleted the data of %s: %s", uid, counts)
    return counts


def delete_account(uid: str, delete_auth_user: Callable[[str], None]) -> dict[str, int]:
    """``delete_account``: the cascade, the user document, then the Auth user itself."""
    counts = delete_user_data(uid, delete_user_doc=True)
    delete_auth_user(uid)
    logger.info("account %s deleted", uid)
    return counts
