"""Token buckets: pure rate-limit arithmetic (the Firestore side is :mod:`gitalong.infra.rate_limit`)."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class BucketLimit:
    """At most ``capacity`` actions per ``period_s`` seconds, refilled continuously."""

    name: str
    capacity: int
    period_s: float

    @property
    def refill_per_s(self) -> float:
        return self.capacity / self.period_s


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
