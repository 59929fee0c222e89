"""Every GitAlong Cloud Function, exposed for discovery and deploy.

Handlers live in the ``*_fn`` modules, grouped by what they serve. Import only
``firebase_functions`` here: every import in this file is paid by every cold start,
so handlers load the domain (``gitalong``) and heavy libraries when first called.
"""

from account_fn import delete_account
from firebase_admin import initialize_app
from analytics_fn import (
    count_profile_skills,
    daily_engagement,
    get_analytics,
    recommend_events,
    track_connection,
    weekly_consistency,
)
from events_fn import count_attendance, sync_event, sync_showcase_post
from chat_fn import on_chat_message
from health_fn import health
from media_fn import (
    cloudinary_webhook,
    create_upload_signature,
    delete_media,
    media_monthly_usage,
    media_sweep,
    upload_media,
)
from matching_fn import (
    find_reciprocal_matches,
    get_recommendations,
    nightly_recompute,
    recompute_shard,
    refresh_recommendations,
    search_profiles,
    similar_users,
)
from swipes_fn import block_user, flush_match_outbox, record_swipe, report_user, unmatch
from profiles_fn import enrich_github, reconcile_profiles, refresh_github_stats, retry_profile_sync, sync_profile

initialize_app()

__all__ = [
    "get_analytics",
    "recommend_events",
    "track_connection",
    "count_profile_skills",
    "daily_engagement",
    "weekly_consistency",
    "sync_event",
    "count_attendance",
    "sync_showcase_post",
    "health",
    "create_upload_signature",
    "delete_media",
    "upload_media",
    "cloudinary_webhook",
    "media_sweep",
    "media_monthly_usage",
    "get_recommendations",
    "find_reciprocal_matches",
    "search_profiles",
    "similar_users",
    "nightly_recompute",
    "recompute_shard",
    "refresh_recommendations",
    "sync_profile",
    "retry_profile_sync",
    "reconcile_profiles",
    "enrich_github",
    "refresh_github_stats",
    "delete_account",
    "record_swipe",
    "unmatch",
    "block_user",
    "report_user",
    "flush_match_outbox",
    "on_chat_message",
]
