"""Constrained field types shared by the contract models."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

DocId = Annotated[
    str,
    StringConstraints(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_\-]+$"),
    Field(description="A Firestore document id (letters, digits, '_' and '-')."),
]
Limit = Annotated[int, Field(ge=1, le=50, strict=True, description="How many results, 1-50.")]
Role = Literal["student", "contributor", "maintainer", "mentor"]
SwipeDirection = Literal["left", "right", "super"]
TargetType = Literal["user", "project"]
MediaKind = Literal["avatar", "showcase", "video"]


class Request(BaseModel):
    """Base of every callable request: unknown fields are refused, text is trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class Response(BaseModel):
    """Base of every callable response."""

    model_config = ConfigDict(extra="forbid")


class Ok(Response):
    """An acknowledgement."""

    ok: bool = True


class PublicProfile(Response):
    """The public card of a user: what any signed-in user may see. Never the email."""

    display_name: str = ""
    bio: str = ""
    city: str = ""
    role: Role | None = None
    skills: list[str] = []
    tech_stack: list[str] = []
    avatar_url: str | None = None


class ProjectCard(Response):
    """The public card of a project."""

    title: str = ""
    description: str = ""
    owner_id: str = ""
    skills_needed: list[str] = []
