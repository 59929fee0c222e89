"""Community rules: what a valid showcase post and a valid event are, their skills, who counts as attending."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

MAX_CONTENT = 5000
MAX_SKILLS = 20
MAX_MEDIA = 10
MAX_TITLE = 200  # of an event


def canonical_skills(raw: Iterable[Any]) -> list[str]:
    """Skills in the profiles' taxonomy spelling, de-duplicated, order kept."""
    from gitalong.profiles import taxonomy

    return taxonomy.normalize_skills([str(item) for item in raw if isinstance(item, str) and item.strip()])


def post_problems(post: Mapping[str, Any]) -> list[dict[str, str]]:
    """The ``{field, message}`` problems of a ``showcase_posts`` document (empty when valid)."""
    problems: list[dict[str, str]] = []
    if not isinstance(post.get("user_id"), str) or not post.get("user_id"):
        problems.append({"field": "user_id", "message": "user_id is required"})
    content = post.get("content", "")
    if not isinstance(content, str):
        problems.append({"field": "content", "message": "content must be text"})
    elif len(content) > MAX_CONTENT:
        problems.append({"field": "content", "message": f"content may have at most {MAX_CONTENT} characters"})
    skills = post.get("skills", [])
    if not isinstance(skills, list) or not all(isinstance(s, str) for s in skills):
        problems.append({"field": "skills", "message": "skills must be a list of text"})
    elif len(skills) > MAX_SKILLS:
        problems.append({"field": "skills", "message": f"at most {MAX_SKILLS} skills"})
    media = post.get("media_ids", [])
    if not isinstance(media, list) or len(media) > MAX_MEDIA:
        problems.append({"field": "media_ids", "message": f"media_ids must be a list of at most {MAX_MEDIA}"})
    if "category" in post and not isinstance(post["category"], str):
        problems.append({"field": "category", "message": "category must be text"})
    return problems


def counted_skills(post: Mapping[str, Any] | None) -> tuple[str | None, set[str]]:
    """What a post contributes to the counts: its author (None if it does not count) and skills.

    A missing or invalid post counts for nothing; a valid one counts once for its author
    and once for each canonical skill.
    """
    if post is None or post_problems(post):
        return None, set()
    return str(post["user_id"]), set(canonical_skills(post.get("skills") or []))


# Events and attendance


def event_problems(event: Mapping[str, Any]) -> list[dict[str, str]]:
    """The ``{field, message}`` problems of an ``events`` document (empty when valid)."""
    problems: list[dict[str, str]] = []
    title = event.get("title")
    if not isinstance(title, str) or not title.strip() or len(title) > MAX_TITLE:
        problems.append({"field": "title", "message": f"title is required, at most {MAX_TITLE} characters"})
    for name in ("category", "department", "created_by"):
        if name in event and not isinstance(event[name], str):
            problems.append({"field": name, "message": f"{name} must be text"})
    start, end = event.get("start"), event.get("end")
    if not isinstance(start, datetime):
        problems.append({"field": "start", "message": "start must be a timestamp"})
    if end is not None and not isinstance(end, datetime):
        problems.append({"field": "end", "message": "end must be a timestamp"})
    if isinstance(start, datetime) and isinstance(end, datetime) and end < start:
        problems.append({"field": "end", "message": "end must not be before start"})
    skills = event.get("skills", [])
    if not isinstance(skills, list) or len(skills) > MAX_SKILLS:
        problems.append({"field": "skills", "message": f"skills must be a list of at most {MAX_SKILLS}"})
    return problems


def event_skills(event: Mapping[str, Any] | None) -> set[str]:
    """The canonical skills an event is about: its ``skills`` and its ``category``.

    An invalid or missing event is about nothing (it counts for no skill).
    """
    if event is None or event_problems(event):
        return set()
    raw = [*list(event.get("skills") or []), event.get("category") or ""]
    return set(canonical_skills(raw))


def skill_overlap(user_skills: set[str], event_skill_set: set[str]) -> float:
    """Share of the event's skills the user has (0..1): how much the event is about them."""
    if not user_skills or not event_skill_set:
        return 0.0
    lowered = {s.lower() for s in user_skills}
    return len({s for s in event_skill_set if s.lower() in lowered}) / len(event_skill_set)


def event_score(overlap: float, similar_attending: int) -> float:
    """Rank of an upcoming event: 70 % skill overlap, 30 % similar users going (saturating at 3)."""
    return round(0.7 * overlap + 0.3 * min(1.0, similar_attending / 3), 4)
