"""Analytics: the caller's metrics, event recommendations, the daily and weekly jobs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from firebase_functions import https_fn, scheduler_fn

import _firestore_triggers as firestore_trigger
from _edge import run_callable

if TYPE_CHECKING:
    from firebase_functions.firestore_fn import Change, Event


@https_fn.on_call()
def get_analytics(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    """The caller's metrics, all time or over ``start_date``..``end_date`` (at most a year)."""
    from gitalong.analytics import metrics

    return run_callable("get_analytics", req, metrics.get_analytics)


@https_fn.on_call()
def recommend_events(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    """Upcoming events for the caller, ranked by skill overlap and by what similar users attend."""
    from gitalong.community import events

    return run_callable("recommend_events", req, events.recommend_events)


@firestore_trigger.on_document_created(document="matches/{matchId}/messages/{messageId}")
def track_connection(event: Event[Any]) -> None:
    """Mark a match a successful connection once both participants have written."""
    from gitalong.analytics import connections

    message = event.data.to_dict() if event.data is not None else None
    if not message or not isinstance(message.get("sender_id"), str):
        return
    connections.record_message(event.params["matchId"], message["sender_id"], message.get("created_at"))


@firestore_trigger.on_document_written(document="profiles/{uid}")
def count_profile_skills(event: Event[Change[Any]]) -> None:
    """Per-skill profile counts for ``stats/skills``."""
    from gitalong.analytics import skills

    before, after = event.data.before, event.data.after
    skills.profile_skill_deltas(
        event.id, event.params["uid"],
        before.to_dict() if before is not None and before.exists else None,
        after.to_dict() if after is not None and after.exists else None,
    )


@scheduler_fn.on_schedule(schedule="15 1 * * *", timezone=scheduler_fn.Timezone("Etc/UTC"), timeout_sec=540)
def daily_engagement(event: scheduler_fn.ScheduledEvent) -> None:
    """Yesterday's (UTC) per-user and platform metrics, then ``stats/skills``; safe to re-run."""
    from gitalong.analytics import daily, skills
    from gitalong.analytics import model as domain

    day = domain.day_to_report(event.schedule_time)
    daily.run_daily(day)
    skills.refresh_skill_stats(day)


@scheduler_fn.on_schedule(schedule="30 3 * * 1", timezone=scheduler_fn.Timezone("Etc/UTC"), timeout_sec=540)
def weekly_consistency(event: scheduler_fn.ScheduledEvent) -> None:
    """Check derived data against its sources, repair what can be, report in ``stats/consistency/runs``."""
    from gitalong.maintenance import consistency

    consistency.run(event.schedule_time)
