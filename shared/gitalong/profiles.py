"""User profiles: the private document the app writes and the public card derived from it."""

from __future__ import annotations

from typing import Any

PUBLIC_FIELDS = ("display_name", "bio", "city", "role", "skills", "tech_stack", "avatar_url")


def public_card(user: dict[str, Any]) -> dict[str, Any]:
    """The fields of ``users/{uid}`` anyone signed in may see; never the email."""
    return {field: user[field] for field in PUBLIC_FIELDS if field in user}
