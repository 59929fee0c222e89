"""Matching: recommendations, reciprocal matches, search, similar users, nightly precompute."""

from __future__ import annotations

from typing import Any

from firebase_functions import https_fn, options, pubsub_fn, scheduler_fn

from _edge import run_callable, run_message
from gitalong.contract import topics


@https_fn.on_call(memory=options.MemoryOption.GB_1)  # encoder ≈ 210 MB + the candidate index
def get_recommendations(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    """People (or projects) for the caller: precomputed when fresh, else live."""
    from gitalong.matching import recommendations

    return run_callable("get_recommendations", req, recommendations.get_recommendations)


@https_fn.on_call(memory=options.MemoryOption.GB_1)  # encoder ≈ 210 MB + the candidate index
def find_reciprocal_matches(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    """Two-sided matches for the caller's (or given) offer and need texts."""
    from gitalong.matching import recommendations

    return run_callable("find_reciprocal_matches", req, recommendations.find_reciprocal_matches)


@https_fn.on_call(memory=options.MemoryOption.GB_1)  # encoder ≈ 210 MB + the candidate index
def search_profiles(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    """Search people by meaning of what they offer and/or need."""
    from gitalong.matching import search

    return run_callable("search_profiles", req, search.search_profiles)


@https_fn.on_call(memory=options.MemoryOption.GB_1)  # encoder ≈ 210 MB + the candidate index
def similar_users(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    """People whose skills are closest to the caller's."""
    from gitalong.matching import search

    return run_callable("similar_users", req, search.similar_users)


@scheduler_fn.on_schedule(schedule="0 2 * * *", timezone=scheduler_fn.Timezone("Etc/UTC"), timeout_sec=540)
def nightly_recompute(event: scheduler_fn.ScheduledEvent) -> None:
    """Start tonight's run: record ``jobs/{run_id}`` and publish one ``recompute-shard`` per shard."""
    from gitalong.matching import recompute

    run_id = "nightly-" + event.schedule_time.strftime("%Y%m%dT%H%M")
    recompute.start_run(run_id)


@pubsub_fn.on_message_published(topic=topics.RECOMPUTE_SHARD, retry=True, memory=2048, timeout_sec=540)
def recompute_shard(event: pubsub_fn.CloudEvent[pubsub_fn.MessagePublishedData[Any]]) -> None:
    """Compute one shard's recommendations; an exception makes Pub/Sub redeliver (idempotent)."""
    from gitalong.contract.messages import RecomputeShard
    from gitalong.matching import recompute

    run_message("recompute_shard", event, RecomputeShard,
                lambda msg, _: recompute.run_shard(msg.shard, msg.shards, msg.run_id))


@pubsub_fn.on_message_published(topic=topics.PROFILE_UPDATED, retry=True, memory=options.MemoryOption.GB_1)
def refresh_recommendations(event: pubsub_fn.CloudEvent[pubsub_fn.MessagePublishedData[Any]]) -> None:
    """Recompute one user's recommendations right after their profile changed."""
    from gitalong.contract.messages import ProfileUpdated
    from gitalong.matching import recommendations

    run_message("refresh_recommendations", event, ProfileUpdated,
                lambda msg, delivery: recommendations.refresh_user(msg.uid, f"profile-updated:{delivery.event_id}"))
