"""Profile functions: keep everything derived from ``users/{uid}`` true.

* ``sync_profile`` (Firestore trigger): filter, sync, hand transient failures to Pub/Sub.
* ``retry_profile_sync`` (Pub/Sub ``profile-sync``, retried): the fallible part, again.
* ``reconcile_profiles`` (every 6 hours): repairs cards that drifted from their source.
* ``enrich_github`` (Pub/Sub ``github-enrich``, retried): GitHub stats on the card.
* ``refresh_github_stats`` (daily): re-fetches stale GitHub stats.
* ``reencode_profiles`` (Pub/Sub ``reencode-profiles``): starts re-encoding the cards of an older encoder.
* ``reencode_shard`` (Pub/Sub ``reencode-shard``, retried): re-encodes one shard of them.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from firebase_functions import options, pubsub_fn, scheduler_fn

import _firestore_triggers as firestore_trigger
from _edge import Delivery, run_message
from gitalong.contract import topics

if TYPE_CHECKING:
    from firebase_functions.firestore_fn import Change, Event

    from gitalong.contract.messages import ProfileSync, ReencodeProfiles

logger = logging.getLogger("gitalong.profiles.model")

CASCADE = ["CLOUDINARY_URL"]
"""Secrets of functions that can run the account-deletion cascade (it destroys Cloudinary assets):
every path through ``profile_sync.process`` does when the user document is gone."""
ENCODES = options.MemoryOption.GB_1
"""Functions that run the sentence encoder (≈ 200 MiB once loaded; `./dev bench encoder_memory`)."""

MAX_RETRY_AGE_S = 24 * 3600
"""A retried message older than this is dropped (logged): the reconciliation repairs it."""


def _doc(snapshot: Any) -> dict[str, Any] | None:
    return snapshot.to_dict() if snapshot is not None and snapshot.exists else None


@firestore_trigger.on_document_written(
    document="users/{uid}", secrets=CASCADE, memory=ENCODES
)
def sync_profile(event: Event[Change[Any]]) -> None:
    """Sync ``profiles/{uid}`` after a write of ``users/{uid}`` (create, update or delete)."""
    from gitalong.profiles import sync as profile_sync

    profile_sync.on_user_written(event.params["uid"], event.id, _doc(event.data.before), _doc(event.data.after))


def _retry_sync(msg: ProfileSync, delivery: Delivery) -> None:
    from gitalong.profiles import sync as profile_sync

    if delivery.age_s() > MAX_RETRY_AGE_S:
        logger.error("profile-sync of %s given up after %.0f s; reconciliation will repair", msg.uid, delivery.age_s())
        return
    try:
        profile_sync.process(msg.uid, msg.event_id)
    except Exception as exc:
        if profile_sync.is_transient(exc):
            raise  # Pub/Sub redelivers with backoff
        logger.exception("profile-sync of %s failed permanently", msg.uid)


@pubsub_fn.on_message_published(topic=topics.PROFILE_SYNC, retry=True, memory=ENCODES, secrets=CASCADE)
def retry_profile_sync(event: pubsub_fn.CloudEvent[pubsub_fn.MessagePublishedData[Any]]) -> None:
    """Re-run a sync the trigger could not finish; a transient failure raises, so Pub/Sub retries."""
    from gitalong.contract.messages import ProfileSync

    run_message("retry_profile_sync", event, ProfileSync, _retry_sync)


@scheduler_fn.on_schedule(schedule="every 6 hours", timeout_sec=540, memory=ENCODES, secrets=CASCADE)
def reconcile_profiles(event: scheduler_fn.ScheduledEvent) -> None:
    """Repair drift: missing or outdated cards, missing ``sync_error``, cards of deleted users."""
    from gitalong.profiles import sync as profile_sync

    profile_sync.reconcile()


@pubsub_fn.on_message_published(topic=topics.GITHUB_ENRICH, retry=True)
def enrich_github(event: pubsub_fn.CloudEvent[pubsub_fn.MessagePublishedData[Any]]) -> None:
    """Fetch the user's public GitHub stats onto the card; a rate limit raises so Pub/Sub retries."""
    from gitalong.contract.messages import GithubEnrich
    from gitalong.profiles import github as github_enrichment

    run_message("enrich_github", event, GithubEnrich, lambda msg, delivery: github_enrichment.run(
        msg.uid, give_up=delivery.age_s() > github_enrichment.MAX_RETRY_AGE_S))


@scheduler_fn.on_schedule(schedule="every day 04:00", timeout_sec=540)
def refresh_github_stats(event: scheduler_fn.ScheduledEvent) -> None:
    """Queue a GitHub refresh for every card whose stats are due (daily, bounded per run)."""
    from gitalong.profiles import github as github_enrichment

    github_enrichment.queue_due()


def _start_reencode(msg: ReencodeProfiles, delivery: Delivery) -> None:
    from gitalong.matching import reencode

    try:
        reencode.start_run(reencode.run_id_for(msg, delivery.published))
    except reencode.JobConflict as exc:  # jobs/{run_id} is another job's: a retry could never succeed
        logger.error("reencode-profiles: message %s dropped (%s)", delivery.event_id, exc)


@pubsub_fn.on_message_published(topic=topics.REENCODE_PROFILES, retry=True, memory=ENCODES, timeout_sec=540)
def reencode_profiles(event: pubsub_fn.CloudEvent[pubsub_fn.MessagePublishedData[Any]]) -> None:
    """Start a re-encode run (``{run_id}``, optional): ``jobs/{run_id}`` and one ``reencode-shard`` per shard."""
    from gitalong.contract.messages import ReencodeProfiles

    run_message("reencode_profiles", event, ReencodeProfiles, _start_reencode)


@pubsub_fn.on_message_published(topic=topics.REENCODE_SHARD, retry=True, memory=ENCODES, timeout_sec=540)
def reencode_shard(event: pubsub_fn.CloudEvent[pubsub_fn.MessagePublishedData[Any]]) -> None:
    """Re-encode one shard's outdated cards; an exception makes Pub/Sub redeliver (idempotent)."""
    from gitalong.contract.messages import ReencodeShard
    from gitalong.matching import reencode

    run_message("reencode_shard", event, ReencodeShard,
                lambda msg, _: reencode.run_shard(msg.shard, msg.shards, msg.run_id))
