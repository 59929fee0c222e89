"""``get_analytics``: the caller's metrics over a date range, from counts and per-user documents."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from gitalong.analytics import model as domain
from gitalong.analytics import store
from gitalong.community import store as community_store
from gitalong.core.errors import InvalidArgument
from gitalong.infra import firestore
from gitalong.infra.firestore import count, where
from gitalong.swipes import store as swipes_store

if TYPE_CHECKING:
    from gitalong.contract.callables import GetAnalyticsRequest

logger = logging.getLogger(__name__)

RESPONSE_RATE_CAP = 5000
"""At most this many received right swipes are checked for ``response_rate`` (newest first)."""


def _counters(uid: str) -> dict[str, int]:
    """The swipes area's sharded counters for ``uid``."""
    from gitalong.infra import counters

    values = counters.read(uid)
    return {k: int(v or 0) for k, v in dict(values).items()}


def _response_rate(uid: str, span: domain.DateRange | None) -> float | None:
    """Share of right/super swipes received (in ``span``) whose swiper the user swiped on since."""
    db = firestore.client()
    query = store.in_span(where(db.collection(swipes_store.SWIPES), "target_id", "==", uid), "created_at", span)
    query = where(query, "direction", "in", ["right", "super"])
    snaps = query.select(["swiper_id"]).limit(RESPONSE_RATE_CAP).stream()
    swipers = [(snap.to_dict() or {}).get("swiper_id") for snap in snaps]
    swipers = [s for s in swipers if isinstance(s, str)]
    if not swipers:
        return None
    refs = [db.collection(swipes_store.SWIPES).document(f"{uid}_{s}") for s in swipers]
    answered = sum(1 for snap in db.get_all(refs, field_paths=["direction"]) if snap.exists)
    return domain.ratio(answered, len(swipers))


def metrics_for(uid: str, span: domain.DateRange | None, only: str | None = None) -> dict[str, Any]:
    """The caller's metrics over ``span`` (all time when None); just ``only`` when given.

    Every figure is a count aggregation or a read of per-user documents: nothing scans a
    collection. All-time swipe and match totals come from the swipes area's counters when
    that module is installed.
    """
    db = firestore.client()
    wanted = set(domain_metrics()) if only is None else {only}
    summary_ref = store.summary_ref(db, uid)
    summary = (summary_ref.get().to_dict() or {}) if span is None else {}
    counters = (
        _counters(uid) if span is None and wanted & {"swipes_given", "swipes_received", "total_matches"} else None
    )
    out: dict[str, Any] = {}
    swipes, matches = db.collection(swipes_store.SWIPES), db.collection(swipes_store.MATCHES)
    posts = db.collection(community_store.SHOWCASE_POSTS)
    if "swipes_given" in wanted:
        out["swipes_given"] = (
            counters.get("swipes_given", 0)
            if counters is not None
            else count(store.in_span(where(swipes, "swiper_id", "==", uid), "created_at", span))
        )
    if "swipes_received" in wanted:
        out["swipes_received"] = (
            counters.get("swipes_received", 0)
            if counters is not None
            else count(store.in_span(where(swipes, "target_id", "==", uid), "created_at", span))
        )
    if "total_matches" in wanted:
        out["total_matches"] = (
            counters.get("matches", 0)
            if counters is not None
            else count(store.in_span(where(matches, "participants", "array_contains", uid), "created_at", span))
        )
    if "successful_connections" in wanted:
        connections = where(summary_ref.collection(store.CONNECTIONS), "successful", "==", True)
        out["successful_connections"] = count(store.in_span(connections, "successful_at", span))
    if "response_rate" in wanted:
        out["response_rate"] = _response_rate(uid, span)
    if "events_attended" in wanted:
        out["events_attended"] = (
            int(summary.get("events_attended", 0))
            if span is None
            else count(store.in_span(summary_ref.collection(store.ATTENDED), "attended_at", span))
        )
    if "posts_created" in wanted:
        out["posts_created"] = (
            int(summary.get("posts_created", 0))
            if span is None
            else count(store.in_span(where(posts, "user_id", "==", uid), "created_at", span))
        )
    if "profile_views" in wanted:
        out["profile_views"] = _profile_views(uid, span, summary)
    return out


def _profile_views(uid: str, span: domain.DateRange | None, summary: Mapping[str, Any]) -> int | None:
    """Profile views where recorded (``analytics/{uid}.profile_views``, or per day in the daily docs)."""
    if span is None:
        views = summary.get("profile_views")
        return int(views) if isinstance(views, int) else None
    days = store.summary_ref(firestore.client(), uid).collection(store.DAILY)
    query = where(where(days, "date", ">=", span.start.isoformat()), "date", "<=", span.end.isoformat())
    recorded = [(s.to_dict() or {}).get("profile_views") for s in query.select(["profile_views"]).stream()]
    numbers = [v for v in recorded if isinstance(v, int)]
    return sum(numbers) if numbers else None


def domain_metrics() -> tuple[str, ...]:
    """Every metric name, as the contract's ``Metric`` type lists them."""
    from typing import get_args

    from gitalong.contract.callables import Metric

    return tuple(get_args(Metric))


def get_analytics(uid: str, request: GetAnalyticsRequest, today: date | None = None) -> dict[str, Any]:
    """The ``get_analytics`` callable: validate the range, then measure."""
    today = today or datetime.now(UTC).date()
    problems = domain.range_problems(request.start_date, request.end_date)
    span = None if problems else domain.resolve_range(request.start_date, request.end_date, today)
    if span is not None:
        problems = domain.range_problems(span.start, span.end)
        if problems and request.start_date is not None and request.end_date is None:
            problems = [{"field": "start_date", "message": problems[0]["message"]}]
    if problems:
        raise InvalidArgument("invalid date range", problems)
    metrics = metrics_for(uid, span, request.metric)
    logger.info("analytics for %s over %s: %s", uid, span or "all time", metrics)
    return {
        "metrics": metrics,
        "start_date": span.start if span else None,
        "end_date": span.end if span else None,
    }
