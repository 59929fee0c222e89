"""The weekly consistency check: derived data of every area against its sources; repair; report.

Each check returns ``{checked, found, fixed}`` (and ``examples``: up to 10 ids). The report
goes to ``stats/consistency/runs/{run_id}`` (``stats/consistency`` is a document, so runs
are a subcollection of it). A weekly batch job may read whole collections, page by page
with field masks; no request path does.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from gitalong.analytics import store as analytics_store
from gitalong.community import store as community_store
from gitalong.core.batching import chunks
from gitalong.infra import counters, firestore
from gitalong.infra.firestore import where
from gitalong.matching import store as matching_store
from gitalong.profiles import store as profiles_store
from gitalong.swipes import store as swipes_store

logger = logging.getLogger(__name__)

PAGE = 300
EXAMPLES = 10
Check = dict[str, Any]


def _ids(collection: Any) -> list[str]:
    """Every document id of a collection, paged with an empty field mask."""
    out: list[str] = []
    query = collection.select([]).order_by("__name__").limit(PAGE)
    last = None
    while True:
        page = list((query.start_after(last) if last is not None else query).stream())
        out.extend(s.id for s in page)
        if len(page) < PAGE:
            return out
        last = page[-1]


def _new() -> Check:
    return {"checked": 0, "found": 0, "fixed": 0, "examples": []}


def _found(check: Check, example: str) -> None:
    check["found"] += 1
    if len(check["examples"]) < EXAMPLES:
        check["examples"].append(example)


def _without_counterpart(db: Any, source: str, counterpart: str, check: Check) -> Iterator[str]:
    """Ids of ``source`` documents whose ``counterpart/{id}`` is missing, counted into ``check``."""
    for page in chunks(_ids(db.collection(source)), PAGE):
        refs = [db.collection(counterpart).document(uid) for uid in page]
        missing = [s.id for s in db.get_all(refs, field_paths=["display_name"]) if not s.exists]
        check["checked"] += len(page)
        for uid in missing:
            _found(check, uid)
            yield uid


def profiles_vs_users() -> Check:
    """A card ``profiles/{uid}`` without ``users/{uid}`` is an orphan: delete it."""
    db = firestore.client()
    check = _new()
    for uid in _without_counterpart(db, profiles_store.PROFILES, profiles_store.USERS, check):
        profiles_store.card_ref(db, uid).delete()
        check["fixed"] += 1
    return check


def users_without_profiles() -> Check:
    """A user without a card: rebuilt through the profiles area's sync when it offers one."""
    db = firestore.client()
    check = _new()
    for uid in _without_counterpart(db, profiles_store.USERS, profiles_store.PROFILES, check):
        if _resync_profile(uid):
            check["fixed"] += 1
    return check


def _resync_profile(uid: str) -> bool:
    """Rebuild ``uid``'s card through the profiles sync (and publish, as the trigger would).

    A transient Firestore failure is reported and left to next week's run; anything else is
    a bug and fails the check loudly.
    """
    from gitalong.profiles import sync

    try:
        outcome = sync.process(uid)
    except Exception as exc:
        if not sync.is_transient(exc):
            raise
        logger.warning("could not rebuild the profile of %s (transient): %s", uid, exc)
        return False
    return outcome.status == "synced"


def counters_vs_documents() -> Check:
    """The swipes area's counters against counts of the documents; a wrong one is set to the count.

    The count and the repair are not one transaction (a count query can't be), so a swipe
    landing between them can leave that counter one off until the next week's run.
    """
    db = firestore.client()
    check = _new()
    swipes, matches = db.collection(swipes_store.SWIPES), db.collection(swipes_store.MATCHES)
    for ref in db.collection(counters.COLLECTION).list_documents(page_size=PAGE):
        uid = ref.id
        have = dict(counters.read(uid))
        truth = {
            "swipes_given": firestore.count(where(swipes, "swiper_id", "==", uid)),
            "swipes_received": firestore.count(where(swipes, "target_id", "==", uid)),
            "matches": firestore.count(where(matches, "participants", "array_contains", uid)),
        }
        check["checked"] += 1
        wrong = {k: (int(have.get(k) or 0), v) for k, v in truth.items() if int(have.get(k) or 0) != v}
        if wrong:
            _found(check, f"{uid}: {wrong}")
            for name, (_, value) in wrong.items():
                counters.set_total(uid, name, value)
            check["fixed"] += 1
    return check


def attendee_counts() -> Check:
    """``events/{id}.attendee_count`` and ``analytics/{uid}.events_attended`` against the attendees."""
    db = firestore.client()
    check = _new()
    per_user: dict[str, int] = {}
    for event_id in _ids(db.collection(community_store.EVENTS)):
        ref = community_store.event_ref(db, event_id)
        attendees = _ids(ref.collection(community_store.ATTENDEES))
        for uid in attendees:
            per_user[uid] = per_user.get(uid, 0) + 1
        check["checked"] += 1
        stored = (ref.get(field_paths=["attendee_count"]).to_dict() or {}).get("attendee_count")
        if stored != len(attendees):
            _found(check, f"events/{event_id}: {stored} != {len(attendees)}")
            ref.update({"attendee_count": len(attendees)})
            check["fixed"] += 1
    for uid in set(per_user) | set(_ids(db.collection(analytics_store.ANALYTICS))):
        ref = analytics_store.summary_ref(db, uid)
        stored = (ref.get(field_paths=["events_attended"]).to_dict() or {}).get("events_attended", 0)
        check["checked"] += 1
        if stored != per_user.get(uid, 0):
            _found(check, f"analytics/{uid}: {stored} != {per_user.get(uid, 0)}")
            ref.set({"events_attended": per_user.get(uid, 0)}, merge=True)
            check["fixed"] += 1
    return check


def recommendations_to_deleted_users() -> Check:
    """Recommendation items pointing at users whose card is gone: removed from the list."""
    db = firestore.client()
    check = _new()
    for page in chunks(_ids(db.collection(matching_store.RECOMMENDATIONS)), PAGE):
        for snap in db.get_all([matching_store.recommendations_ref(db, uid) for uid in page]):
            doc = snap.to_dict() or {}
            items = [i for i in doc.get("items") or [] if isinstance(i, dict) and isinstance(i.get("id"), str)]
            check["checked"] += 1
            if not items:
                continue
            refs = [profiles_store.card_ref(db, i["id"]) for i in items]
            gone = {s.id for s in db.get_all(refs, field_paths=["display_name"]) if not s.exists}
            if not gone:
                continue
            _found(check, f"recommendations/{snap.id}: {sorted(gone)[:5]}")
            snap.reference.update(
                {
                    "items": [i for i in items if i["id"] not in gone],
                    "candidate_ids": [c for c in doc.get("candidate_ids") or [] if c not in gone],
                }
            )
            check["fixed"] += 1
    return check


CHECKS: dict[str, Callable[[], Check]] = {
    "profiles_without_users": profiles_vs_users,
    "users_without_profiles": users_without_profiles,
    "counters_vs_documents": counters_vs_documents,
    "attendee_counts": attendee_counts,
    "recommendations_to_deleted_users": recommendations_to_deleted_users,
}


LEASE = timedelta(minutes=15)
"""A run that started less than this ago (and did not finish) holds its ``run_id``."""


def _claim(ref: Any, run_id: str, now: datetime) -> bool:
    """Claim ``run_id``: True unless another attempt of it is running right now.

    ``create`` of the report (``status: running``) either wins or finds an earlier attempt;
    a finished one (a retry) or one older than ``LEASE`` (a crash) may be run again.
    """
    from gitalong.infra.firestore import AlreadyExists, Conflict

    try:
        ref.create({"run_id": run_id, "status": "running", "started_at": now, "attempts": 0, "checks": {}})
        return True
    except (AlreadyExists, Conflict):
        earlier = ref.get().to_dict() or {}
        started = earlier.get("lease_at") or earlier.get("started_at")
        if earlier.get("status") == "running" and started is not None and now - started < LEASE:
            return False
        ref.update({"lease_at": now, "status": "running"})
        return True


def run(schedule_time: datetime | None = None) -> dict[str, Any] | None:
    """Run every check, record the report at ``stats/consistency/runs/{run_id}``, return it.

    ``run_id`` is the schedule time (``YYYYMMDDTHHMMSSZ``). A second attempt while one is
    running does nothing (returns None); a retry after it adds its findings to the report
    and counts ``attempts``.
    """
    when = (schedule_time or datetime.now(UTC)).astimezone(UTC)
    run_id = when.strftime("%Y%m%dT%H%M%SZ")
    stats = firestore.client().collection(analytics_store.STATS)
    ref = stats.document("consistency").collection("runs").document(run_id)
    started = datetime.now(UTC)
    if not _claim(ref, run_id, started):
        logger.info("consistency run %s is already running: this attempt does nothing", run_id)
        return None
    report: dict[str, Any] = {"run_id": run_id, "started_at": started, "checks": {}}
    for name, check in CHECKS.items():
        try:
            report["checks"][name] = check()
        except Exception as err:  # one failing check must not hide the others
            logger.exception("consistency check %s failed", name)
            report["checks"][name] = {**_new(), "error": str(err)[:500]}
    report = _merge(ref.get().to_dict() or {}, report)
    report["found"] = sum(c["found"] for c in report["checks"].values())
    report["fixed"] = sum(c["fixed"] for c in report["checks"].values())
    report["finished_at"] = datetime.now(UTC)
    report["status"] = "done"
    ref.set(report)
    logger.info("consistency run %s (attempt %d): found %d, fixed %d",
                run_id, report["attempts"], report["found"], report["fixed"])
    return report


def _merge(earlier: dict[str, Any], report: dict[str, Any]) -> dict[str, Any]:
    """A retried run adds to its first attempt's report: what that one fixed stays reported."""
    checks = dict(earlier.get("checks") or {})
    for name, check in report["checks"].items():
        before = checks.get(name) or _new()
        merged = {**check, "found": before.get("found", 0) + check["found"],
                  "fixed": before.get("fixed", 0) + check["fixed"],
                  "examples": (list(before.get("examples") or []) + check["examples"])[:EXAMPLES]}
        checks[name] = merged
    return {**report, "started_at": earlier.get("started_at", report["started_at"]), "checks": checks,
            "attempts": int(earlier.get("attempts") or 0) + 1}
