"""Swipe and match rules: pure functions, no I/O.

The services (``gitalong.services.swipes`` and friends) read and write Firestore; what a
swipe *means* is decided here so that it can be unit-tested without emulators.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

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


# --- rate limiting: token buckets ---------------------------------------------------


@dataclass(frozen=True)
class BucketLimit:
    """At most ``capacity`` actions per ``period_s`` seconds, refilled continuously."""

    name: str
    capacity: int
    period_s: float

    @property
    def refill_per_s(self) -> float:
        return self.capacity / self.period_s


SWIPE_LIMITS: tuple[BucketLimit, ...] = (
    BucketLimit("minute", 100, 60.0),
    BucketLimit("day", 1000, 86_400.0),
)


@dataclass(frozen=True)
class Bucket:
    """A bucket's state: ``tokens`` left at time ``at`` (epoch seconds)."""

    tokens: float
    at: float


def refill(bucket: Bucket | None, limit: BucketLimit, now: float) -> Bucket:
    """The bucket at ``now``: refilled since its last update, never above capacity."""
    if bucket is None:
        return Bucket(float(limit.capacity), now)
    elapsed = max(0.0, now - bucket.at)
    tokens = min(float(limit.capacity), max(0.0, bucket.tokens) + elapsed * limit.refill_per_s)
    return Bucket(tokens, now)


def take(
    buckets: dict[str, Bucket | None], limits: tuple[BucketLimit, ...], now: float, cost: float = 1.0
) -> tuple[dict[str, Bucket], int]:
    """Take ``cost`` tokens from every bucket, or none at all.

    Returns the new buckets and ``0`` when allowed; when any bucket is short, the buckets
    unchanged (but refilled) and the whole seconds to wait until every bucket has enough.
    """
    refilled = {limit.name: refill(buckets.get(limit.name), limit, now) for limit in limits}
    wait = 0.0
    for limit in limits:
        short = cost - refilled[limit.name].tokens
        if short > 1e-9:
            wait = max(wait, short / limit.refill_per_s)
    if wait > 0:
        return refilled, max(1, math.ceil(wait))
    return {name: Bucket(b.tokens - cost, now) for name, b in refilled.items()}, 0
