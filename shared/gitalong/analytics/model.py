"""Analytics arithmetic: date ranges, ratios, daily roll-ups and skill trends. Standard library only."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

MAX_RANGE_DAYS = 366
"""A range may span at most one year (366 days covers a leap year)."""

TOP_SKILLS = 10


@dataclass(frozen=True)
class DateRange:
    """Whole UTC days ``start``..``end`` inclusive, as the half-open instant range ``[since, until)``."""

    start: date
    end: date

    @property
    def since(self) -> datetime:
        return datetime.combine(self.start, time.min, tzinfo=UTC)

    @property
    def until(self) -> datetime:
        return datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=UTC)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def range_problems(start: date | None, end: date | None) -> list[dict[str, str]]:
    """The ``{field, message}`` problems of a requested range (empty when it is fine)."""
    if start is not None and end is not None:
        if start > end:
            return [{"field": "start_date", "message": "start_date must not be after end_date"}]
        if (end - start).days + 1 > MAX_RANGE_DAYS:
            return [{"field": "end_date", "message": f"the range may span at most {MAX_RANGE_DAYS} days"}]
    return []


def resolve_range(start: date | None, end: date | None, today: date) -> DateRange | None:
    """The range to measure: ``None`` (all time) when neither end is given.

    A lone ``start_date`` runs to today; a lone ``end_date`` starts a year before it.
    Call :func:`range_problems` first; this only fills in the missing end.
    """
    if start is None and end is None:
        return None
    if end is None:
        end = max(today, start) if start is not None else today
    if start is None:
        start = end - timedelta(days=MAX_RANGE_DAYS - 1)
    return DateRange(start, end)


def day_range(day: date) -> DateRange:
    """One UTC day."""
    return DateRange(day, day)


def day_to_report(schedule_time: datetime) -> date:
    """The day a daily job run reports on: the UTC day before its schedule time."""
    return (schedule_time.astimezone(UTC) - timedelta(days=1)).date()


def ratio(part: int, whole: int) -> float | None:
    """``part / whole`` rounded to 4 places, or ``None`` when there is nothing to divide."""
    if whole <= 0:
        return None
    return round(part / whole, 4)


# --- the daily engagement roll-up ---------------------------------------------------


USER_DAILY_FIELDS = (
    "swipes_given",
    "swipes_received",
    "right_swipes_received",
    "matches",
    "messages_sent",
    "events_attended",
    "posts_created",
)


@dataclass
class DailyActivity:
    """What happened on one day, as plain records read from the day's documents."""

    swipes: list[Mapping[str, Any]] = field(default_factory=list)
    """``{swiper_id, target_id, target_type, direction}`` of swipes created that day."""
    matches: list[Mapping[str, Any]] = field(default_factory=list)
    """``{participants}`` of matches created that day."""
    messages: list[Mapping[str, Any]] = field(default_factory=list)
    """``{sender_id}`` of chat messages created that day."""
    attendances: list[str] = field(default_factory=list)
    """uid of each attendance created that day."""
    posts: list[Mapping[str, Any]] = field(default_factory=list)
    """``{user_id, canonical_skills}`` of valid showcase posts created that day."""


def daily_rollup(activity: DailyActivity) -> tuple[dict[str, dict[str, int]], dict[str, Any]]:
    """Per-user metrics and the platform-wide figures of one day.

    Active users are the ones who did something (swiped, messaged, attended, posted);
    receiving a swipe or a match alone does not make a user active.
    """
    users: dict[str, Counter[str]] = {}

    def bump(uid: str | None, metric: str) -> None:
        if uid:
            users.setdefault(uid, Counter())[metric] += 1

    active: set[str] = set()
    for swipe in activity.swipes:
        bump(swipe.get("swiper_id"), "swipes_given")
        active.add(str(swipe.get("swiper_id")))
        if swipe.get("target_type", "user") == "user":
            bump(swipe.get("target_id"), "swipes_received")
            if swipe.get("direction") in ("right", "super"):
                bump(swipe.get("target_id"), "right_swipes_received")
    for match in activity.matches:
        for uid in match.get("participants") or []:
            bump(uid, "matches")
    for message in activity.messages:
        bump(message.get("sender_id"), "messages_sent")
        active.add(str(message.get("sender_id")))
    for uid in activity.attendances:
        bump(uid, "events_attended")
        active.add(uid)
    skills: Counter[str] = Counter()
    for post in activity.posts:
        bump(post.get("user_id"), "posts_created")
        active.add(str(post.get("user_id")))
        skills.update(set(post.get("canonical_skills") or []))
    per_user = {uid: {metric: int(counts[metric]) for metric in USER_DAILY_FIELDS} for uid, counts in users.items()}
    for uid, metrics in per_user.items():
        metrics["active"] = int(uid in active)
    platform = {
        "active_users": len(active - {"None", ""}),
        "swipes": len(activity.swipes),
        "right_swipes": sum(1 for s in activity.swipes if s.get("direction") in ("right", "super")),
        "matches": len(activity.matches),
        "messages": len(activity.messages),
        "attendances": len(activity.attendances),
        "posts": len(activity.posts),
        "top_skills": top_counts(skills),
    }
    return per_user, platform


def top_counts(counts: Mapping[str, int], limit: int = TOP_SKILLS) -> list[dict[str, Any]]:
    """``[{skill, count}]``, highest first, ties by name, without zeros."""
    ranked = sorted(((k, v) for k, v in counts.items() if v > 0), key=lambda kv: (-kv[1], kv[0]))
    return [{"skill": skill, "count": count} for skill, count in ranked[:limit]]


# --- skill popularity and trends ----------------------------------------------------

SKILL_SOURCES = ("profiles", "posts", "events")


def sum_shards(shards: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, int]]:
    """Add up counter shards ``{source: {skill: n}}`` into ``{skill: {source: n}}``."""
    totals: dict[str, dict[str, int]] = {}
    for shard in shards:
        for source in SKILL_SOURCES:
            for skill, count in (shard.get(source) or {}).items():
                row = totals.setdefault(skill, dict.fromkeys(SKILL_SOURCES, 0))
                row[source] += int(count)
    return totals


def skill_trends(
    current: Mapping[str, Mapping[str, int]], week_ago: Mapping[str, int] | None, limit: int = 20
) -> dict[str, Any]:
    """``stats/skills``: per skill its counts, total and week-over-week change; the trending list.

    ``week_ago`` maps skill → total a week earlier (``None`` when there is no snapshot yet:
    changes are then ``None``). ``wow_pct`` is the change relative to last week's total
    (``None`` for a skill that had none).
    """
    skills: dict[str, dict[str, Any]] = {}
    for skill, row in current.items():
        total = sum(int(row.get(source, 0)) for source in SKILL_SOURCES)
        if total <= 0:
            continue
        entry: dict[str, Any] = {source: int(row.get(source, 0)) for source in SKILL_SOURCES}
        entry["total"] = total
        before = None if week_ago is None else int(week_ago.get(skill, 0))
        entry["week_ago_total"] = before
        entry["wow_change"] = None if before is None else total - before
        entry["wow_pct"] = None if not before else round((total - before) / before, 4)
        skills[skill] = entry
    popular = sorted(skills, key=lambda s: (-skills[s]["total"], s))[:limit]
    trending = sorted(
        (s for s in skills if (skills[s]["wow_change"] or 0) > 0),
        key=lambda s: (-skills[s]["wow_change"], -skills[s]["total"], s),
    )[:limit]
    return {"skills": skills, "popular": popular, "trending": trending}
