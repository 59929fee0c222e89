"""The Pub/Sub messages our functions receive: one model per topic, and :func:`parse`.

A message is a JSON object. Fields a newer publisher adds are ignored (a deploy rolls out
publishers and subscribers in any order); a message that does not fit its model is
malformed, and a retry could never make it fit: the edge logs and drops it.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Self, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from gitalong.contract import topics
from gitalong.core.errors import errors_from_validation

MAX_RUN_ID = 200
"""A re-encode run id is at most this long (its recommendations run appends ``-recommendations``)."""
MAX_RECOMPUTE_SHARDS = 10_000
MAX_REENCODE_SHARDS = 64


def usable_document_id(value: str) -> str:
    """``value`` if it can name a Firestore document; else raises :class:`ValueError`."""
    if (
        not value
        or not value.isprintable()
        or value.strip() != value
        or "/" in value
        or value in (".", "..")
        or (value.startswith("__") and value.endswith("__"))
    ):
        raise ValueError("not a usable document id")
    return value


Uid = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[^/]+$", description="A Firebase Auth uid.")]
JobId = Annotated[str, Field(min_length=1, max_length=1500), AfterValidator(usable_document_id)]
"""The id of a ``jobs/{run_id}`` document."""
RunId = Annotated[str, Field(min_length=1, max_length=MAX_RUN_ID), AfterValidator(usable_document_id)]
"""The id of a re-encode run (a ``jobs/{run_id}`` document)."""
Shard = Annotated[int, Field(ge=0)]


class Message(BaseModel):
    """Base of every message: its ``TOPIC``; unknown fields ignored; frozen."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    TOPIC: ClassVar[str]


class ProfileUpdated(Message):
    """A public card changed."""

    TOPIC = topics.PROFILE_UPDATED
    uid: Uid


class ProfileSync(Message):
    """A sync the Firestore trigger handed off; ``event_id`` is the trigger's, for its ledger."""

    TOPIC = topics.PROFILE_SYNC
    uid: Uid
    event_id: str | None = None


class GithubEnrich(Message):
    """Fetch the user's GitHub stats."""

    TOPIC = topics.GITHUB_ENRICH
    uid: Uid


class _ShardOfRun(Message):
    shard: Shard
    shards: int

    @model_validator(mode="after")
    def _shard_in_range(self) -> Self:
        if self.shard >= self.shards:
            raise ValueError(f"shard {self.shard} is not below shards {self.shards}")
        return self


class RecomputeShard(_ShardOfRun):
    """One shard of a recommendations recompute."""

    TOPIC = topics.RECOMPUTE_SHARD
    shards: Annotated[int, Field(ge=1, le=MAX_RECOMPUTE_SHARDS)]
    run_id: JobId


class ReencodeProfiles(Message):
    """Start a re-encode run; without ``run_id`` the run is named after the publish time."""

    TOPIC = topics.REENCODE_PROFILES
    run_id: RunId | None = None


class ReencodeShard(_ShardOfRun):
    """One shard of a re-encode run."""

    TOPIC = topics.REENCODE_SHARD
    shards: Annotated[int, Field(ge=1, le=MAX_REENCODE_SHARDS)]
    run_id: RunId


class MalformedMessage(ValueError):
    """The message does not fit its topic's model; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


M = TypeVar("M", bound=Message)


def parse(model: type[M], data: bytes | str | None) -> M:
    """The message ``data`` (JSON; empty means ``{}``) as ``model``; raises :class:`MalformedMessage`."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            raise MalformedMessage("not UTF-8") from None
    try:
        return model.model_validate_json((data or "").strip() or "{}")
    except ValidationError as exc:
        raise MalformedMessage(
            "; ".join(f"{e['field']}: {e['message']}" for e in errors_from_validation(exc))
        ) from None
