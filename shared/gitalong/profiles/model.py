"""User profiles: the private document the app writes and the public card derived from it.

:class:`UserProfile` validates what the owner wrote in ``users/{uid}`` (the limits match
``firestore.rules`` and the contract); :func:`build_card` turns a valid profile into the
fields of ``profiles/{uid}`` (normalized skills, never the email); :func:`public_card`
is the contract's public subset of a stored card, for any area's responses.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from gitalong.contract.types import Role
from gitalong.matching import ENCODER_ID
from gitalong.profiles import taxonomy

PUBLIC_FIELDS = ("display_name", "bio", "city", "role", "skills", "tech_stack", "avatar_url")
"""The contract's public card: what any signed-in user may see."""

SOURCE_FIELDS = (
    "display_name", "bio", "city", "role", "skills", "tech_stack", "skills_to_offer",
    "services_needed", "github_username", "department", "avatar_url",
)
"""Fields of ``users/{uid}`` the card depends on; a write touching none of them is a no-op."""

CARD_VERSION = 1
"""Bump when the card's derivation changes, so reconciliation rebuilds every card."""

MAX_BIO = 1000
MAX_SKILLS = 50
MAX_SKILL = 50
MAX_NAME = 100
MAX_TEXT = 2000
MAX_FCM_TOKENS = 20
GITHUB_LOGIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$")


def _text(value: str) -> str:
    """Reject control characters and unpaired surrogates; NFC-normalize; trim."""
    value = unicodedata.normalize("NFC", value)
    for ch in value:
        cat = unicodedata.category(ch)
        if cat == "Cs" or (cat == "Cc" and ch not in "\n\t"):
            raise ValueError("contains control or invalid characters")
    return value.strip()


Name = Annotated[str, Field(max_length=MAX_NAME)]
Skill = Annotated[str, Field(min_length=1, max_length=MAX_SKILL)]


class UserProfile(BaseModel):
    """What the owner may write in ``users/{uid}`` (other fields of the document are ignored).

    Strict types: a number where text belongs is an error, not a coercion. Text is
    NFC-normalized and trimmed; a skill that is blank after trimming is an error.
    """

    model_config = ConfigDict(extra="ignore", strict=True, frozen=True)

    display_name: str = Field(default="", max_length=MAX_NAME)
    bio: str = Field(default="", max_length=MAX_BIO)
    city: str = Field(default="", max_length=MAX_NAME)
    role: Role | None = None
    skills: list[Skill] = Field(default_factory=list, max_length=MAX_SKILLS)
    tech_stack: list[Skill] = Field(default_factory=list, max_length=MAX_SKILLS)
    skills_to_offer: str = Field(default="", max_length=MAX_TEXT)
    services_needed: str = Field(default="", max_length=MAX_TEXT)
    github_username: str | None = None
    department: str = Field(default="", max_length=MAX_NAME)
    student_id: str = Field(default="", max_length=MAX_NAME)
    fcm_tokens: list[Annotated[str, Field(max_length=4096)]] = Field(default_factory=list, max_length=MAX_FCM_TOKENS)
    avatar_url: str | None = Field(default=None, max_length=2048)

    @field_validator("display_name", "bio", "city", "skills_to_offer", "services_needed", "department",
                     "student_id", mode="after")
    @classmethod
    def _clean_text(cls, value: str) -> str:
        return _text(value)

    @field_validator("display_name", mode="after")
    @classmethod
    def _name_not_blank(cls, value: str) -> str:
        # Absent is fine (onboarding; defaults are not validated); present but blank is a mistake.
        if not value:
            raise ValueError("must not be empty")
        return value

    @field_validator("skills", "tech_stack", mode="after")
    @classmethod
    def _clean_skills(cls, value: list[str]) -> list[str]:
        out = []
        for i, skill in enumerate(value):
            cleaned = taxonomy.clean(_text(skill))
            if not cleaned:
                raise ValueError(f"item {i} is blank")
            out.append(cleaned)
        return out

    @field_validator("github_username", mode="after")
    @classmethod
    def _github_login(cls, value: str | None) -> str | None:
        if value is None or value.strip() == "":
            return None
        value = value.strip()
        if not GITHUB_LOGIN.match(value):
            raise ValueError("not a GitHub username (1-39 letters, digits or single dashes)")
        return value

    @field_validator("avatar_url", mode="after")
    @classmethod
    def _https_url(cls, value: str | None) -> str | None:
        if value is not None and value and not value.startswith("https://"):
            raise ValueError("must be an https URL")
        return value or None


def validate(user: dict[str, Any]) -> tuple[UserProfile | None, list[dict[str, str]]]:
    """``(profile, [])`` for a valid document, else ``(None, [{field, message}, ...])``."""
    from gitalong.core.errors import errors_from_validation

    try:
        return UserProfile.model_validate(user), []
    except ValidationError as exc:
        return None, errors_from_validation(exc)


def build_card(profile: UserProfile) -> dict[str, Any]:
    """The derived fields of ``profiles/{uid}`` (no vectors, no timestamps, no GitHub stats)."""
    card: dict[str, Any] = {
        "display_name": profile.display_name,
        "bio": profile.bio,
        "city": profile.city,
        "role": profile.role,
        "skills": taxonomy.normalize_skills(profile.skills),
        "tech_stack": taxonomy.normalize_skills(profile.tech_stack),
        "skills_to_offer": profile.skills_to_offer,
        "services_needed": profile.services_needed,
        "department": profile.department,
        "github_username": profile.github_username,
    }
    if profile.avatar_url is not None:
        card["avatar_url"] = profile.avatar_url
    return card


def source_hash(card: dict[str, Any]) -> str:
    """A stable digest of a built card (plus taxonomy, derivation and encoder versions).

    A deploy that changes any of them changes every digest, so reconciliation and the
    re-encode job see every older card as outdated."""
    payload = json.dumps(
        {"card": card, "taxonomy": taxonomy.version(), "version": CARD_VERSION, "encoder": ENCODER_ID},
        sort_keys=True, ensure_ascii=False, separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]


def relevant(user: dict[str, Any] | None) -> dict[str, Any] | None:
    """The part of a ``users/{uid}`` document the card depends on (None when there is none)."""
    if user is None:
        return None
    return {f: user[f] for f in SOURCE_FIELDS if f in user}


def vector_skills(card: dict[str, Any]) -> list[str]:
    """Skills that feed ``skills_vec``: skills, tech stack, then GitHub's top languages."""
    languages = [lang.get("name", "") for lang in (card.get("github") or {}).get("top_languages", [])]
    return taxonomy.normalize_skills([*card.get("skills", []), *card.get("tech_stack", []), *languages])


def public_card(card: dict[str, Any]) -> dict[str, Any]:
    """The contract's public card of a stored ``profiles/{uid}`` (or ``users``) document; never email."""
    return {
        "display_name": card.get("display_name") or "",
        "bio": card.get("bio") or "",
        "city": card.get("city") or "",
        "role": card.get("role"),
        "skills": list(card.get("skills") or []),
        "tech_stack": list(card.get("tech_stack") or []),
        "avatar_url": card.get("avatar_url"),
    }
