"""Request and response models of every callable in ../shared/CONTRACT.md."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import Field, StrictBool, StringConstraints, ValidationInfo, field_validator, model_validator

from gitalong.contract.types import (
    DocId,
    Limit,
    MediaKind,
    Ok,
    ProjectCard,
    PublicProfile,
    Request,
    Response,
    SwipeDirection,
    TargetType,
)

ShortText = Annotated[str, StringConstraints(max_length=2000)]


# --- swipes and matches -------------------------------------------------------------


class RecordSwipeRequest(Request):
    """Swipe on a user or a project."""

    target_id: DocId
    direction: SwipeDirection
    target_type: TargetType = "user"
    swipe_id: DocId | None = Field(
        default=None, description="Client idempotency key: the same key twice returns the first result."
    )


class RecordSwipeResponse(Response):
    swipe_id: str
    matched: bool
    match_id: str | None


class UnmatchRequest(Request):
    match_id: Annotated[
        str,
        StringConstraints(min_length=3, max_length=257, pattern=r"^[A-Za-z0-9_\-]+$"),
        Field(description="The match document id: the two uids, sorted, joined by '_'."),
    ]


class BlockUserRequest(Request):
    target_id: DocId


class ReportUserRequest(Request):
    target_id: DocId
    reason: Annotated[str, StringConstraints(min_length=1, max_length=500)]


class ReportUserResponse(Response):
    report_id: str


# --- recommendations and search -----------------------------------------------------


class GetRecommendationsRequest(Request):
    limit: Limit = 20
    exclude_ids: Annotated[list[DocId], Field(max_length=500)] = []
    target_type: TargetType = "user"


class Recommendation(Response):
    id: str
    score: float
    reasons: list[str]
    profile: PublicProfile | ProjectCard


class GetRecommendationsResponse(Response):
    recommendations: list[Recommendation]
    source: Literal["precomputed", "live"]
    generated_at: datetime


class FindReciprocalMatchesRequest(Request):
    offer_text: ShortText | None = Field(default=None, description="Default: the caller's skills_to_offer.")
    need_text: ShortText | None = Field(default=None, description="Default: the caller's services_needed.")
    limit: Limit = 20


class ReciprocalMatch(Response):
    id: str
    score: float = Field(description="Harmonic mean 2ab/(a+b) of offer_score and need_score.")
    offer_score: float = Field(description="How well their offer meets my need.")
    need_score: float = Field(description="How well my offer meets their need.")
    profile: PublicProfile


class FindReciprocalMatchesResponse(Response):
    matches: list[ReciprocalMatch]


class SearchProfilesRequest(Request):
    query: Annotated[str, StringConstraints(min_length=1, max_length=500)]
    mode: Literal["offers", "needs", "all"] = "all"
    limit: Limit = 20
    city: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = None


class SearchResult(Response):
    id: str
    score: float
    reasons: list[str] = Field(default_factory=list, description="Why it matched, readable; never empty.")
    profile: PublicProfile


class SearchProfilesResponse(Response):
    results: list[SearchResult]


class SimilarUsersRequest(Request):
    limit: Limit = 20


class SimilarUser(Response):
    id: str
    score: float
    shared_skills: list[str]
    profile: PublicProfile


class SimilarUsersResponse(Response):
    similar_users: list[SimilarUser]


# --- media --------------------------------------------------------------------------


class CreateUploadSignatureRequest(Request):
    kind: MediaKind
    filename: Annotated[str, StringConstraints(min_length=1, max_length=255)] | None = None


class CreateUploadSignatureResponse(Response):
    """Everything a direct signed upload to Cloudinary needs; send every signed param as is."""

    media_id: str
    upload_url: str
    api_key: str
    timestamp: int
    signature: str
    public_id: str
    folder: str
    resource_type: Literal["image", "video"]
    allowed_formats: str
    eager: str
    eager_async: bool
    notification_url: str
    max_bytes: int
    expires_at: datetime


class DeleteMediaRequest(Request):
    media_id: DocId


# --- analytics and account ----------------------------------------------------------

Metric = Literal[
    "total_matches",
    "successful_connections",
    "response_rate",
    "swipes_given",
    "swipes_received",
    "events_attended",
    "posts_created",
    "profile_views",
]


class GetAnalyticsRequest(Request):
    """The caller's metrics, all time or over whole UTC days ``start_date``..``end_date``.

    A lone ``start_date`` runs to today, a lone ``end_date`` starts a year before it; the
    range must have ``start_date <= end_date`` and span at most 366 days.
    """

    metric: Metric | None = Field(default=None, description="Only this metric (the others come back null).")
    start_date: date | None = None
    end_date: date | None = None

    @field_validator("end_date")
    @classmethod
    def _range_is_sane(cls, end: date | None, info: ValidationInfo) -> date | None:
        start = info.data.get("start_date")
        if start is not None and end is not None:
            if start > end:
                raise ValueError("end_date must not be before start_date")
            if (end - start).days + 1 > 366:
                raise ValueError("the date range may span at most one year (366 days)")
        return end


class AnalyticsMetrics(Response):
    """Null means not asked for (``metric``) or not recorded (``profile_views``, or
    ``response_rate`` when no right swipe was received)."""

    total_matches: int | None = None
    successful_connections: int | None = Field(default=None, description="Matches where both sides wrote.")
    response_rate: float | None = Field(
        default=None, description="Share (0-1) of right/super swipes received that the user swiped back on."
    )
    swipes_given: int | None = None
    swipes_received: int | None = None
    events_attended: int | None = None
    posts_created: int | None = None
    profile_views: int | None = None


class GetAnalyticsResponse(Response):
    metrics: AnalyticsMetrics
    start_date: date | None = Field(default=None, description="The measured range; null for all time.")
    end_date: date | None = None


class DeleteAccountRequest(Request):
    confirm: StrictBool = Field(description="Must be true: deletion cannot be undone.")

    @model_validator(mode="after")
    def _confirmed(self) -> DeleteAccountRequest:
        if not self.confirm:
            raise ValueError("confirm must be true to delete the account")
        return self


# --- events (recommend_events) ------------------------------------------------------


class RecommendEventsRequest(Request):
    limit: Annotated[int, Field(ge=1, le=50, strict=True, description="How many events, 1-50.")] = 10


class EventCard(Response):
    """What the app shows of an event."""

    title: str = ""
    category: str | None = None
    department: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    attendee_count: int = 0
    skills: list[str] = Field(default=[], description="Canonical skills of the event (taxonomy spelling).")


class RecommendedEvent(Response):
    id: str
    score: float = Field(description="0.7 x skill overlap + 0.3 x similar users going (saturates at 3).")
    reasons: list[str]
    event: EventCard


class RecommendEventsResponse(Response):
    events: list[RecommendedEvent]


# --- the registry -------------------------------------------------------------------


@dataclass(frozen=True)
class CallableSpec:
    """A callable's request and response models."""

    request: type[Request]
    response: type[Response]


CALLABLES: dict[str, CallableSpec] = {
    "record_swipe": CallableSpec(RecordSwipeRequest, RecordSwipeResponse),
    "get_recommendations": CallableSpec(GetRecommendationsRequest, GetRecommendationsResponse),
    "find_reciprocal_matches": CallableSpec(FindReciprocalMatchesRequest, FindReciprocalMatchesResponse),
    "search_profiles": CallableSpec(SearchProfilesRequest, SearchProfilesResponse),
    "similar_users": CallableSpec(SimilarUsersRequest, SimilarUsersResponse),
    "unmatch": CallableSpec(UnmatchRequest, Ok),
    "block_user": CallableSpec(BlockUserRequest, Ok),
    "report_user": CallableSpec(ReportUserRequest, ReportUserResponse),
    "create_upload_signature": CallableSpec(CreateUploadSignatureRequest, CreateUploadSignatureResponse),
    "delete_media": CallableSpec(DeleteMediaRequest, Ok),
    "get_analytics": CallableSpec(GetAnalyticsRequest, GetAnalyticsResponse),
    "recommend_events": CallableSpec(RecommendEventsRequest, RecommendEventsResponse),
    "delete_account": CallableSpec(DeleteAccountRequest, Ok),
}
