"""Showcase posts: what a valid post is, and the skill normalization shared with events."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

MAX_CONTENT = 5000
MAX_SKILLS = 20
MAX_MEDIA = 10


def canonical_skills(raw: Iterable[Any]) -> list[str]:
    """Skills in the profiles' taxonomy spelling, de-duplicated, order kept.

    The one boundary to the taxonomy (``gitalong.taxonomy``, owned by the profiles area);
    without it, skills are trimmed and de-duplicated case-insensitively.
    """
    texts = [str(item) for item in raw if isinstance(item, str) and item.strip()]
    try:
        from gitalong import taxonomy
    except ImportError:  # pragma: no cover - the taxonomy ships with the library
        out: list[str] = []
        seen: set[str] = set()
        for text in texts:
            name = " ".join(text.split())
            if name.lower() not in seen:
                seen.add(name.lower())
                out.append(name)
        return out
    return taxonomy.normalize_skills(texts)


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
