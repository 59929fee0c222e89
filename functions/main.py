"""Every GitAlong Cloud Function, exposed for discovery and deploy.

Handlers live in the ``*_fn`` modules, grouped by what they serve. Import only
``firebase_functions`` here: every import in this file is paid by every cold start,
so handlers load the domain (``gitalong``) and heavy libraries when first called.
"""

import logging
import os

# One BLAS thread: a 1 GiB function has 0.58 vCPU, and OpenBLAS's threads then only contend
# (a 5,000 x 384 mat-vec took 4.8 ms with its default threads on a busy 2-core machine, 0.33 ms
# with one). Set before anything imports numpy.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import firebase_admin

from account_fn import delete_account
from analytics_fn import (
    count_profile_skills,
    daily_engagement,
    get_analytics,
    recommend_events,
    track_connection,
    weekly_consistency,
)
from chat_fn import on_chat_message
from events_fn import count_attendance, sync_event, sync_showcase_post
from health_fn import health
from matching_fn import (
    find_reciprocal_matches,
    get_recommendations,
    nightly_recompute,
    recompute_shard,
    refresh_recommendations,
    search_profiles,
    similar_users,
)
from media_fn import (
    cloudinary_webhook,
    create_upload_signature,
    delete_media,
    media_monthly_usage,
    media_sweep,
    upload_media,
)
from profiles_fn import (
    enrich_github,
    reconcile_profiles,
    reencode_profiles,
    reencode_shard,
    refresh_github_stats,
    retry_profile_sync,
    sync_profile,
)
from swipes_fn import block_user, flush_match_outbox, record_swipe, report_user, unmatch

# Our loggers say what happened at INFO; libraries stay at WARNING.
logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
logging.getLogger("gitalong").setLevel(logging.INFO)

# The emulator re-imports main on every code change, in the same process.
try:
    firebase_admin.get_app()
except ValueError:  # no default app yet
    firebase_admin.initialize_app()

__all__ = [
    # profiles and accounts
    "delete_account",
    "enrich_github",
    "reconcile_profiles",
    "reencode_profiles",
    "reencode_shard",
    "refresh_github_stats",
    "retry_profile_sync",
    "sync_profile",
    # swipes, matches, chat
    "block_user",
    "flush_match_outbox",
    "on_chat_message",
    "record_swipe",
    "report_user",
    "unmatch",
    # matching
    "find_reciprocal_matches",
    "get_recommendations",
    "nightly_recompute",
    "recompute_shard",
    "refresh_recommendations",
    "search_profiles",
    "similar_users",
    # media
    "cloudinary_webhook",
    "create_upload_signature",
    "delete_media",
    "media_monthly_usage",
    "media_sweep",
    "upload_media",
    # analytics, events, showcase
    "count_attendance",
    "count_profile_skills",
    "daily_engagement",
    "get_analytics",
    "recommend_events",
    "sync_event",
    "sync_showcase_post",
    "track_connection",
    "weekly_consistency",
    # operations
    "health",
]
