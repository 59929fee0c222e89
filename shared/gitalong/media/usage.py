"""The monthly usage summary: uploads and bandwidth against the plan's limits."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from gitalong.core.errors import FailedPrecondition
from gitalong.infra import firestore
from gitalong.infra.cloudinary_store import MediaStore, resolved_store
from gitalong.media import model as media
from gitalong.media import store as store_refs

logger = logging.getLogger(__name__)


def monthly_usage(month: str, store: MediaStore | None = None, limits: media.Limits | None = None) -> dict[str, Any]:
    """Summarise uploads of ``month`` (``yyyy-mm``) into ``stats/media_usage/months/{month}``."""
    limits = limits or media.Limits.from_env()
    start, end = media.month_bounds(month)
    usage = media.MonthlyUsage(month)
    for snap in store_refs.created_between(firestore.client(), start, end).stream():
        record = snap.to_dict() or {}
        if record.get("status") in (media.READY, media.DELETING, media.DELETE_FAILED) and record.get("bytes"):
            usage.add(record)
    bandwidth = None
    try:
        bandwidth = resolved_store(store).bandwidth_used((end - timedelta(days=1)).date())
    except FailedPrecondition as err:  # not configured: fall back to uploaded bytes
        logger.warning("monthly usage without Cloudinary's figure: %s", err.message)
    summary = {**usage.summary(limits, bandwidth), "computed_at": datetime.now(UTC)}
    store_refs.monthly_usage_ref(firestore.client(), month).set(summary)
    logger.info("media usage %s: %s", month, summary)
    return summary
