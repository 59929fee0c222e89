"""Pure swipe rules: match ids, previews, token buckets."""

from __future__ import annotations

from gitalong.core.buckets import Bucket, BucketLimit, refill, take
from gitalong.swipes.model import is_positive, match_id, preview

MINUTE = BucketLimit("minute", 100, 60.0)
DAY = BucketLimit("day", 1000, 86_400.0)


def test_a_match_id_is_the_same_whoever_swipes_first() -> None:
    assert match_id("bob", "ada") == match_id("ada", "bob") == "ada_bob"


def test_only_right_and_super_are_positive() -> None:
    assert [is_positive(d) for d in ("right", "super", "left", None)] == [True, True, False, False]


def test_a_preview_is_one_line_and_cut_with_an_ellipsis() -> None:
    assert preview("hi\n  there") == "hi there"
    cut = preview("word " * 50, limit=20)
    assert len(cut) <= 20 and cut.endswith("…")


def test_a_new_bucket_starts_full_and_refills_up_to_capacity() -> None:
    assert refill(None, MINUTE, 10.0) == Bucket(100.0, 10.0)
    assert refill(Bucket(0.0, 0.0), MINUTE, 30.0).tokens == 50.0
    assert refill(Bucket(99.0, 0.0), MINUTE, 3600.0).tokens == 100.0


def test_the_hundred_and_first_swipe_in_a_minute_is_refused_for_under_a_second() -> None:
    buckets: dict[str, Bucket | None] = {}
    for i in range(100):
        new, wait = take(buckets, (MINUTE, DAY), now=1000.0 + i * 0.001)
        assert wait == 0
        buckets = dict(new)
    unchanged, wait = take(buckets, (MINUTE, DAY), now=1000.1)
    assert wait == 1  # 100/min refills one token in 0.6 s
    assert unchanged["minute"].tokens < 1


def test_an_empty_day_bucket_asks_for_the_day_refill_time() -> None:
    buckets: dict[str, Bucket | None] = {"minute": Bucket(100.0, 0.0), "day": Bucket(0.0, 0.0)}
    _, wait = take(buckets, (MINUTE, DAY), now=0.0)
    assert wait == 87  # 86.4 s per token, rounded up


def test_a_refused_take_spends_nothing() -> None:
    buckets: dict[str, Bucket | None] = {"minute": Bucket(5.0, 0.0), "day": Bucket(0.5, 0.0)}
    new, wait = take(buckets, (MINUTE, DAY), now=0.0)
    assert wait > 0 and new["minute"].tokens == 5.0
