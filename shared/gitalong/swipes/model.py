"""Swipe and match rules: pure functions, no I/O.

The services (``gitalong.swipes.record`` and friends) read and write Firestore; what a
swipe *means* is decided here so that it can be unit-tested without emulators.
"""

from __future__ import annotations

from gitalong.core.buckets import BucketLimit

POSITIVE_DIRECTIONS = frozenset({"right", "super"})
PREVIEW_CHARS = 100


def is_positive(direction: str | None) -> bool:
    """A right or super swipe: interest that can make a match."""
    return direction in POSITIVE_DIRECTIONS


def pair(a: str, b: str) -> tuple[str, str]:
    """The two ids in the order used everywhere for a pair (sorted)."""
    return (a, b) if a <= b else (b, a)


def match_id(a: str, b: str) -> str:
    """The deterministic id of the match between ``a`` and ``b``: ``{low}_{high}``."""
    low, high = pair(a, b)
    return f"{low}_{high}"


def swipe_doc_id(swiper_id: str, target_id: str) -> str:
    """``swipes/{swiper}_{target}``: one document per swiper and target; a new swipe replaces it."""
    return f"{swiper_id}_{target_id}"


def block_doc_id(blocker_id: str, blocked_id: str) -> str:
    """``blocks/{blocker}_{blocked}``."""
    return f"{blocker_id}_{blocked_id}"


def idempotency_doc_id(uid: str, swipe_id: str) -> str:
    """``swipe_requests/{uid}_{swipe_id}``: the first result of a client's idempotency key."""
    return f"{uid}_{swipe_id}"


def preview(text: str, limit: int = PREVIEW_CHARS) -> str:
    """The first ``limit`` characters of a message, on one line, with an ellipsis when cut."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


SWIPE_LIMITS: tuple[BucketLimit, ...] = (
    BucketLimit("minute", 100, 60.0),
    BucketLimit("day", 1000, 86_400.0),
)
