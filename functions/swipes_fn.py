"""Swipe, match and safety callables: ``record_swipe``, ``unmatch``, ``block_user``, ``report_user``.

Plus ``flush_match_outbox``, a schedule that re-delivers ``match-created`` side effects a
failed call left behind. Handlers are thin: the edge validates, the services decide.
"""

from __future__ import annotations

from typing import Any

from firebase_functions import https_fn, scheduler_fn

from _edge import run_callable


@https_fn.on_call()
def record_swipe(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    """Record a swipe; on mutual interest create the match. → ``{swipe_id, matched, match_id}``."""
    from gitalong.swipes import record as swipes

    return run_callable("record_swipe", req, swipes.record_swipe)


@https_fn.on_call()
def unmatch(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    """Set a match the caller is part of inactive. → ``{ok}``."""
    from gitalong.swipes import matches

    return run_callable("unmatch", req, matches.unmatch)


@https_fn.on_call()
def block_user(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    """Block a user: end the match, hide both from each other, refuse later swipes. → ``{ok}``."""
    from gitalong.safety import blocks

    return run_callable("block_user", req, blocks.block_user)


@https_fn.on_call()
def report_user(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    """Store a report for moderation. → ``{report_id}``."""
    from gitalong.safety import reports

    return run_callable("report_user", req, reports.report_user)


@scheduler_fn.on_schedule(schedule="every 10 minutes")
def flush_match_outbox(event: scheduler_fn.ScheduledEvent) -> None:
    """Re-deliver ``match-created`` (Pub/Sub + notifications) that a call could not finish."""
    from gitalong.swipes import matches

    matches.flush_match_outbox()
