"""Request and response models of every callable in ../shared/CONTRACT.md."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import Field, StrictBool, StringConstraints, model_validator

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
    match_id: Annotated[str, StringConstraints(min_length=3, max_length=257)]


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
    metric: Metric | None = None
    start_date: date | None = None
    end_date: date | None = None

    @model_validator(mode="after")
    def _range_is_sane(self) -> GetAnalyticsRequest:
        if self.start_date and self.end_date:
            if self.start_date > self.end_date:
                raise ValueError("start_date must not be after end_date")
            if (self.end_date - self.start_date).days > 366:
                raise ValueError("the date range may span at most one year")
        return self


class AnalyticsMetrics(Response):
    total_matches: int | None = None
    successful_connections: int | None = None
    response_rate: float | None = None
    swipes_given: int | None = None
    swipes_received: int | None = None
    events_attended: int | None = None
    posts_created: int | None = None
    profile_views: int | None = None


class GetAnalyticsResponse(Response):
    metrics: AnalyticsMetrics


class DeleteAccountRequest(Request):
    confirm: StrictBool = Field(description="Must be true: deletion cannot be undone.")

    @model_validator(mode="after")
    def _confirmed(self) -> DeleteAccountRequest:
        if not self.confirm:
            raise ValueError("confirm must be true to delete the account")
        return self


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
    "delete_account": CallableSpec(DeleteAccountRequest, Ok),
}
