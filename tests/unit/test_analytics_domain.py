"""The pure analytics arithmetic: date ranges, the daily roll-up, skill trends, event ranking."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError

from gitalong.analytics import model as analytics
from gitalong.community.model import (
    counted_skills,
    event_problems,
    event_score,
    event_skills,
    post_problems,
    skill_overlap,
)
from gitalong.contract.callables import GetAnalyticsRequest, RecommendEventsRequest

TODAY = date(2026, 3, 10)


def test_a_range_covers_whole_utc_days_as_a_half_open_interval() -> None:
    span = analytics.DateRange(date(2026, 3, 1), date(2026, 3, 7))
    assert span.since == datetime(2026, 3, 1, tzinfo=UTC)
    assert span.until == datetime(2026, 3, 8, tzinfo=UTC)
    assert span.days == 7


def test_start_after_end_is_a_problem_of_start_date() -> None:
    assert [p["field"] for p in analytics.range_problems(date(2026, 3, 2), date(2026, 3, 1))] == ["start_date"]


def test_a_year_of_366_days_is_allowed_and_367_is_not() -> None:
    assert analytics.range_problems(date(2024, 1, 1), date(2024, 12, 31)) == []  # a leap year: 366 days
    assert analytics.range_problems(date(2026, 3, 1), date(2026, 3, 1)) == []
    assert [p["field"] for p in analytics.range_problems(date(2024, 1, 1), date(2025, 1, 1))] == ["end_date"]


def test_the_request_model_refuses_a_backwards_range_on_end_date() -> None:
    with pytest.raises(ValidationError) as err:
        GetAnalyticsRequest.model_validate({"start_date": "2026-03-05", "end_date": "2026-03-01"})
    assert err.value.errors()[0]["loc"] == ("end_date",)


def test_the_request_model_refuses_more_than_a_year() -> None:
    with pytest.raises(ValidationError):
        GetAnalyticsRequest.model_validate({"start_date": "2024-01-01", "end_date": "2025-06-01"})


def test_the_request_model_refuses_unknown_metrics_and_bad_dates() -> None:
    for bad in ({"metric": "likes"}, {"start_date": "yesterday"}, {"start_date": "2026-02-30"}):
        with pytest.raises(ValidationError):
            GetAnalyticsRequest.model_validate(bad)


def test_a_lone_start_runs_to_today_and_a_lone_end_starts_a_year_earlier() -> None:
    assert analytics.resolve_range(None, None, TODAY) is None
    assert analytics.resolve_range(date(2026, 3, 1), None, TODAY) == analytics.DateRange(date(2026, 3, 1), TODAY)
    lone_end = analytics.resolve_range(None, date(2026, 3, 1), TODAY)
    assert lone_end is not None and lone_end.end == date(2026, 3, 1) and lone_end.days == 366


def test_the_daily_job_reports_on_the_utc_day_before_its_schedule() -> None:
    assert analytics.day_to_report(datetime(2026, 3, 10, 1, 15, tzinfo=UTC)) == date(2026, 3, 9)


def test_ratio_is_none_without_a_denominator() -> None:
    assert analytics.ratio(1, 0) is None
    assert analytics.ratio(2, 3) == 0.6667


def test_the_daily_rollup_counts_each_user_and_the_platform() -> None:
    activity = analytics.DailyActivity(
        swipes=[
            {"swiper_id": "a", "target_id": "b", "target_type": "user", "direction": "right"},
            {"swiper_id": "b", "target_id": "a", "target_type": "user", "direction": "left"},
            {"swiper_id": "a", "target_id": "p1", "target_type": "project", "direction": "super"},
        ],
        matches=[{"participants": ["a", "c"]}],
        messages=[{"sender_id": "c"}, {"sender_id": "c"}],
        attendances=["d"],
        posts=[{"user_id": "a", "canonical_skills": ["Python", "Go"]}, {"user_id": "e", "canonical_skills": ["Go"]}],
    )
    per_user, platform = analytics.daily_rollup(activity)
    assert per_user["a"]["swipes_given"] == 2 and per_user["a"]["swipes_received"] == 1
    assert per_user["b"]["right_swipes_received"] == 1 and per_user["a"]["right_swipes_received"] == 0
    assert "p1" not in per_user  # a project is not a user
    assert per_user["c"] == {**dict.fromkeys(analytics.USER_DAILY_FIELDS, 0), "matches": 1, "messages_sent": 2,
                             "active": 1}
    assert per_user["d"]["events_attended"] == 1
    assert platform["active_users"] == 5  # a, b (swiped), c (wrote), d (attended), e (posted)
    assert (platform["swipes"], platform["right_swipes"], platform["matches"], platform["messages"]) == (3, 2, 1, 2)
    assert platform["top_skills"] == [{"skill": "Go", "count": 2}, {"skill": "Python", "count": 1}]


def test_receiving_a_match_alone_does_not_make_a_user_active() -> None:
    per_user, platform = analytics.daily_rollup(analytics.DailyActivity(matches=[{"participants": ["x", "y"]}]))
    assert platform["active_users"] == 0
    assert per_user["x"]["active"] == 0


def test_shards_add_up_per_skill_and_source() -> None:
    totals = analytics.sum_shards([
        {"posts": {"Python": 2}, "profiles": {"Python": 1}},
        {"posts": {"Python": 1, "Go": 1}, "events": {"Go": 4}},
    ])
    assert totals == {"Python": {"profiles": 1, "posts": 3, "events": 0},
                      "Go": {"profiles": 0, "posts": 1, "events": 4}}


def test_trends_compare_with_last_weeks_totals() -> None:
    current = {"Python": {"profiles": 5, "posts": 5}, "Go": {"events": 3}, "Rust": {"posts": 0}}
    stats = analytics.skill_trends(current, {"Python": 8, "Go": 3})
    assert stats["skills"]["Python"]["total"] == 10
    assert stats["skills"]["Python"]["wow_change"] == 2 and stats["skills"]["Python"]["wow_pct"] == 0.25
    assert stats["skills"]["Go"]["wow_change"] == 0
    assert "Rust" not in stats["skills"]
    assert stats["popular"] == ["Python", "Go"] and stats["trending"] == ["Python"]


def test_without_a_snapshot_a_week_ago_there_is_no_change_to_report() -> None:
    stats = analytics.skill_trends({"Go": {"posts": 1}}, None)
    assert stats["skills"]["Go"]["wow_change"] is None and stats["trending"] == []


def test_a_post_over_5000_characters_counts_for_nothing() -> None:
    post = {"user_id": "a", "content": "x" * 5001, "skills": ["python"]}
    assert [p["field"] for p in post_problems(post)] == ["content"]
    assert counted_skills(post) == (None, set())


def test_a_valid_post_counts_its_canonical_skills_once() -> None:
    author, skills = counted_skills({"user_id": "a", "content": "hi", "skills": ["python", "Python ", "JS"]})
    assert author == "a"
    assert len(skills) == 2


def test_an_event_needs_a_title_and_a_start_before_its_end() -> None:
    start, end = datetime(2026, 3, 2, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC)
    fields = [p["field"] for p in event_problems({"title": "", "start": start, "end": end})]
    assert fields == ["title", "end"]
    assert event_skills({"title": "", "start": start}) == set()


def test_event_ranking_weighs_skill_overlap_and_similar_users() -> None:
    assert skill_overlap({"python"}, {"Python", "Go"}) == 0.5
    assert skill_overlap(set(), {"Go"}) == 0.0
    assert event_score(1.0, 0) == 0.7
    assert event_score(0.0, 3) == event_score(0.0, 10) == 0.3


def test_recommend_events_limit_is_bounded() -> None:
    with pytest.raises(ValidationError):
        RecommendEventsRequest.model_validate({"limit": 51})
    assert RecommendEventsRequest.model_validate({}).limit == 10
