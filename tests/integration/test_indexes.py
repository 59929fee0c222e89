"""Every Firestore query the code (and the app) issues runs, and its index is declared.

``CATALOGUE`` lists each query shape: the call site in shared/ or functions/ (``path::function``)
or ``app`` for a query the Flutter app makes (and the rules allow). Three checks:

* every function in shared/ and functions/ that builds a query (``.where``, ``.order_by``,
  ``.find_nearest``, ``.collection_group``) is in the catalogue, so no query lands unlisted;
* the index each shape needs (composite, collection-group single field, vector) is declared
  in firestore.indexes.json, by Firestore's rules (equality-only filters merge single-field
  indexes; a range or order on another field, an array-contains with anything else, a
  collection-group query, or a vector search needs a declared index);
* each shape runs on the emulator and finds the document seeded to match it (the emulator
  does not enforce indexes, so this proves the query is valid, the list proves the index).
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
INDEX_FILE = ROOT / "firestore.indexes.json"
QUERY_METHODS = {"where", "order_by", "find_nearest", "collection_group"}
SOURCE_ROOTS = ("shared/gitalong", "functions")
GENERIC_HELPERS = {"shared/gitalong/infra/firestore.py::where"}  # builds what its (listed) callers ask for
EQUALITY = {"==", "in"}
ARRAY = {"array_contains", "array_contains_any"}
RANGE = {"<", "<=", ">", ">=", "!=", "not-in"}
VECTOR_DIM = 384

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
EARLIER = NOW - timedelta(days=2)
LATER = NOW + timedelta(days=2)


@dataclass(frozen=True)
class QueryShape:
    """One query: where it is issued, what it filters and orders on, and a document it must find."""

    name: str
    site: str  # "shared/gitalong/<area>/x.py::function", or "app" for the Flutter app's queries
    parent: str  # collection path (or collection id when ``group``)
    filters: tuple[tuple[str, str, Any], ...] = ()
    order: tuple[tuple[str, str], ...] = ()  # (field, ASCENDING | DESCENDING)
    group: bool = False
    vector: str | None = None  # find_nearest field (DOT_PRODUCT, 384-d)
    match: dict[str, Any] = field(default_factory=dict)  # the seeded document's data

    @property
    def collection_id(self) -> str:
        return self.parent.rsplit("/", 1)[-1]


def _vec(hot: int) -> list[float]:
    return [1.0 if i == hot else 0.0 for i in range(VECTOR_DIM)]


LIB = "shared/gitalong"
CATALOGUE: list[QueryShape] = [
    # --- account deletion --------------------------------------------------------------
    QueryShape("recommendations naming a user", f"{LIB}/account/deletion.py::_remove_from_recommendations",
               "recommendations", (("candidate_ids", "array_contains", "u1"),), match={"candidate_ids": ["u1"]}),
    QueryShape("media of a user (account deletion)", f"{LIB}/media/store.py::media_of", "media",
               (("owner_id", "==", "u1"),), match={"owner_id": "u1"}),
    QueryShape("swipes given", f"{LIB}/account/deletion.py::delete_user_data", "swipes",
               (("swiper_id", "==", "u1"),), match={"swiper_id": "u1"}),
    QueryShape("swipes received", f"{LIB}/account/deletion.py::delete_user_data", "swipes",
               (("target_id", "==", "u1"),), match={"target_id": "u1"}),
    QueryShape("matches of a user", f"{LIB}/account/deletion.py::_delete_matches", "matches",
               (("participants", "array_contains", "u1"),), match={"participants": ["u1", "u2"]}),
    QueryShape("idempotency records of a user", f"{LIB}/account/deletion.py::delete_user_data", "swipe_requests",
               (("uid", "==", "u1"),), match={"uid": "u1"}),
    QueryShape("project interest shown by a user", f"{LIB}/account/deletion.py::delete_user_data",
               "project_interest", (("swiper_id", "==", "u1"),), match={"swiper_id": "u1"}),
    QueryShape("project interest in a user's projects", f"{LIB}/account/deletion.py::delete_user_data",
               "project_interest", (("owner_id", "==", "u1"),), match={"owner_id": "u1"}),
    QueryShape("notifications about a deleted match", f"{LIB}/account/deletion.py::_delete_matches",
               "notifications/u2/items", (("data.match_id", "==", "u1_u2"),), match={"data": {"match_id": "u1_u2"}}),
    QueryShape("reports about a user", f"{LIB}/account/deletion.py::delete_user_data", "reports",
               (("target_id", "==", "u1"),), match={"target_id": "u1", "reporter_id": "u2"}),
    QueryShape("events a user organized", f"{LIB}/account/deletion.py::delete_user_data", "events",
               (("created_by", "==", "u1"),), match={"created_by": "u1", "title": "Meetup"}),
    QueryShape("project owners a user showed interest to", f"{LIB}/account/deletion.py::_delete_interest_notifications",
               "project_interest", (("swiper_id", "==", "u1"),), match={"swiper_id": "u1", "owner_id": "u2"}),
    QueryShape("interest notifications a user caused", f"{LIB}/account/deletion.py::_delete_interest_notifications",
               "notifications/u2/items", (("data.user_id", "==", "u1"),), match={"data": {"user_id": "u1"}}),
    QueryShape("blocks by a user", f"{LIB}/account/deletion.py::delete_user_data", "blocks",
               (("blocker_id", "==", "u1"),), match={"blocker_id": "u1"}),
    QueryShape("blocks of a user", f"{LIB}/account/deletion.py::delete_user_data", "blocks",
               (("blocked_id", "==", "u1"),), match={"blocked_id": "u1"}),
    QueryShape("reports by a user", f"{LIB}/account/deletion.py::delete_user_data", "reports",
               (("reporter_id", "==", "u1"),), match={"reporter_id": "u1"}),
    QueryShape("projects of a user", f"{LIB}/account/deletion.py::delete_user_data", "projects",
               (("owner_id", "==", "u1"),), match={"owner_id": "u1"}),
    # --- analytics ---------------------------------------------------------------------
    QueryShape("swipes given in a span", f"{LIB}/analytics/metrics.py::metrics_for", "swipes",
               (("swiper_id", "==", "u1"), ("created_at", ">=", EARLIER), ("created_at", "<", LATER)),
               match={"swiper_id": "u1", "created_at": NOW}),
    QueryShape("swipes received in a span", f"{LIB}/analytics/metrics.py::metrics_for", "swipes",
               (("target_id", "==", "u1"), ("created_at", ">=", EARLIER), ("created_at", "<", LATER)),
               match={"target_id": "u1", "created_at": NOW}),
    QueryShape("matches in a span", f"{LIB}/analytics/metrics.py::metrics_for", "matches",
               (("participants", "array_contains", "u1"), ("created_at", ">=", EARLIER), ("created_at", "<", LATER)),
               match={"participants": ["u1", "u2"], "created_at": NOW}),
    QueryShape("successful connections in a span", f"{LIB}/analytics/metrics.py::metrics_for",
               "analytics/u1/connections",
               (("successful", "==", True), ("successful_at", ">=", EARLIER), ("successful_at", "<", LATER)),
               match={"successful": True, "successful_at": NOW}),
    QueryShape("successful connections", f"{LIB}/analytics/metrics.py::metrics_for", "analytics/u1/connections",
               (("successful", "==", True),), match={"successful": True}),
    QueryShape("events attended in a span", f"{LIB}/analytics/store.py::in_span", "analytics/u1/attended",
               (("attended_at", ">=", EARLIER), ("attended_at", "<", LATER)), match={"attended_at": NOW}),
    QueryShape("posts in a span", f"{LIB}/analytics/metrics.py::metrics_for", "showcase_posts",
               (("user_id", "==", "u1"), ("created_at", ">=", EARLIER), ("created_at", "<", LATER)),
               match={"user_id": "u1", "created_at": NOW}),
    QueryShape("positive swipes received", f"{LIB}/analytics/metrics.py::_response_rate", "swipes",
               (("target_id", "==", "u1"), ("direction", "in", ["right", "super"])),
               match={"target_id": "u1", "direction": "right"}),
    QueryShape("positive swipes received in a span", f"{LIB}/analytics/metrics.py::_response_rate", "swipes",
               (("target_id", "==", "u1"), ("created_at", ">=", EARLIER), ("created_at", "<", LATER),
                ("direction", "in", ["right", "super"])),
               match={"target_id": "u1", "direction": "super", "created_at": NOW}),
    QueryShape("profile views per day", f"{LIB}/analytics/metrics.py::_profile_views", "analytics/u1/daily",
               (("date", ">=", "2026-05-01"), ("date", "<=", "2026-06-30")), match={"date": "2026-06-01"}),
    QueryShape("swipes of a day", f"{LIB}/analytics/daily.py::read_day", "swipes",
               (("created_at", ">=", EARLIER), ("created_at", "<", LATER)), match={"created_at": NOW}),
    QueryShape("matches of a day", f"{LIB}/analytics/daily.py::read_day", "matches",
               (("created_at", ">=", EARLIER), ("created_at", "<", LATER)), match={"created_at": NOW}),
    QueryShape("messages of a day", f"{LIB}/analytics/daily.py::read_day", "messages",
               (("created_at", ">=", EARLIER), ("created_at", "<", LATER)), group=True, match={"created_at": NOW}),
    QueryShape("attendances of a day", f"{LIB}/analytics/daily.py::read_day", "attendees",
               (("created_at", ">=", EARLIER), ("created_at", "<", LATER)), group=True, match={"created_at": NOW}),
    QueryShape("posts of a day", f"{LIB}/analytics/daily.py::read_day", "showcase_posts",
               (("created_at", ">=", EARLIER), ("created_at", "<", LATER)), match={"created_at": NOW}),
    QueryShape("stale daily documents", f"{LIB}/analytics/daily.py::run_daily", "daily",
               (("date", "==", "2026-06-01"),), group=True, match={"date": "2026-06-01"}),
    # --- blocks and swipes -------------------------------------------------------------
    QueryShape("swipes on the other's projects", f"{LIB}/safety/blocks.py::block_user", "swipes",
               (("swiper_id", "==", "u1"), ("project_owner_id", "==", "u2")),
               match={"swiper_id": "u1", "project_owner_id": "u2"}),
    QueryShape("interested users", f"{LIB}/swipes/store.py::interest_in_projects_of", "swipes",
               (("project_owner_id", "==", "u2"), ("direction", "in", ["right", "super"])),
               (("updated_at", "DESCENDING"),),
               match={"project_owner_id": "u2", "direction": "super", "updated_at": NOW}),
    QueryShape("interested users of one project", f"{LIB}/swipes/store.py::interest_in_projects_of", "swipes",
               (("project_owner_id", "==", "u2"), ("direction", "in", ["right", "super"]), ("target_id", "==", "p1")),
               (("updated_at", "DESCENDING"),),
               match={"project_owner_id": "u2", "direction": "right", "target_id": "p1", "updated_at": NOW}),
    # --- consistency -------------------------------------------------------------------
    QueryShape("every id of a collection", f"{LIB}/maintenance/consistency.py::_ids", "events", (),
               (("__name__", "ASCENDING"),), match={"title": "x"}),
    QueryShape("users after the reconciliation cursor", f"{LIB}/profiles/store.py::in_id_order", "users", (),
               (("__name__", "ASCENDING"),), match={"display_name": "x"}),
    QueryShape("swipes given (count)", f"{LIB}/maintenance/consistency.py::counters_vs_documents", "swipes",
               (("swiper_id", "==", "u1"),), match={"swiper_id": "u1"}),
    QueryShape("swipes received (count)", f"{LIB}/maintenance/consistency.py::counters_vs_documents", "swipes",
               (("target_id", "==", "u1"),), match={"target_id": "u1"}),
    QueryShape("matches (count)", f"{LIB}/maintenance/consistency.py::counters_vs_documents", "matches",
               (("participants", "array_contains", "u1"),), match={"participants": ["u1"]}),
    # --- events ------------------------------------------------------------------------
    QueryShape("upcoming events", f"{LIB}/community/store.py::upcoming_events", "events",
               (("start", ">=", NOW),), (("start", "ASCENDING"),), match={"start": LATER}),
    QueryShape("recently attended", f"{LIB}/analytics/store.py::recently_attended", "analytics/u1/attended", (),
               (("attended_at", "DESCENDING"),), match={"attended_at": NOW}),
    QueryShape("what similar users attend", f"{LIB}/analytics/store.py::upcoming_attendance_of", "attended",
               (("uid", "in", ["u1", "u2"]), ("event_start", ">=", NOW)), group=True,
               match={"uid": "u2", "event_start": LATER}),
    # --- github, matches outbox ----------------------------------------------------------
    QueryShape("cards due a GitHub refresh", f"{LIB}/profiles/store.py::cards_due_github_refresh", "profiles",
               (("github.refresh_after", "<=", NOW),), match={"github": {"refresh_after": EARLIER}}),
    QueryShape("stale match outbox", f"{LIB}/swipes/matches.py::flush_match_outbox", "outbox",
               (("created_at", "<", NOW),), match={"created_at": EARLIER}),
    # --- matching ----------------------------------------------------------------------
    QueryShape("swiped by any of", f"{LIB}/swipes/store.py::swiped_ids", "swipes",
               (("swiper_id", "in", ["u1", "u2"]),), match={"swiper_id": "u2"}),
    QueryShape("blocked by any of", f"{LIB}/safety/store.py::blocked_ids", "blocks",
               (("blocker_id", "in", ["u1", "u2"]),), match={"blocker_id": "u1"}),
    QueryShape("popular targets", f"{LIB}/swipes/store.py::popular_ids", "swipes",
               (("direction", "in", ["right", "super"]),), match={"direction": "right"}),
    QueryShape("cards in a city", f"{LIB}/profiles/store.py::cards_where", "profiles",
               (("city", "==", "Lagos"),), match={"city": "Lagos"}),
    QueryShape("cards of a role", f"{LIB}/profiles/store.py::cards_where", "profiles",
               (("role", "==", "mentor"),), match={"role": "mentor"}),
    QueryShape("cards written since the index last looked", f"{LIB}/matching/candidate_index.py::get", "profiles",
               (("updated_at", ">", EARLIER),), match={"updated_at": NOW}),
    # --- media -------------------------------------------------------------------------
    QueryShape("media of a user", f"{LIB}/media/store.py::media_of", "media", (("owner_id", "==", "u1"),),
               match={"owner_id": "u1"}),
    QueryShape("media of an uploader", f"{LIB}/media/store.py::media_of", "media", (("owner_id", "==", "u1"),),
               match={"owner_id": "u1"}),
    QueryShape("media to delete", f"{LIB}/media/store.py::media_of", "media", (("owner_id", "==", "u1"),),
               match={"owner_id": "u1"}),
    QueryShape("failed deletions", f"{LIB}/media/store.py::with_status", "media", (("status", "==", "delete_failed"),),
               match={"status": "delete_failed"}),
    QueryShape("stuck deletions", f"{LIB}/media/store.py::with_status", "media",
               (("status", "==", "deleting"), ("updated_at", "<", NOW)),
               match={"status": "deleting", "updated_at": EARLIER}),
    QueryShape("expired pending uploads", f"{LIB}/media/store.py::with_status", "media",
               (("status", "==", "pending"), ("created_at", "<", NOW)),
               match={"status": "pending", "created_at": EARLIER}),
    QueryShape("old rejected uploads", f"{LIB}/media/store.py::with_status", "media",
               (("status", "==", "rejected"), ("updated_at", "<", NOW)),
               match={"status": "rejected", "updated_at": EARLIER}),
    QueryShape("uploads of a month", f"{LIB}/media/store.py::created_between", "media",
               (("created_at", ">=", EARLIER), ("created_at", "<", LATER)), match={"created_at": NOW}),
    # --- the app's own queries (allowed by firestore.rules) ------------------------------
    QueryShape("my chats, latest first", "app", "matches", (("participants", "array_contains", "u1"),),
               (("last_message_at", "DESCENDING"),), match={"participants": ["u1", "u2"], "last_message_at": NOW}),
    QueryShape("my active matches", "app", "matches",
               (("participants", "array_contains", "u1"), ("status", "==", "active")),
               match={"participants": ["u1", "u2"], "status": "active"}),
    QueryShape("a chat's messages", "app", "matches/u1_u2/messages", (), (("created_at", "ASCENDING"),),
               match={"created_at": NOW}),
    QueryShape("my notifications", "app", "notifications/u1/items", (), (("created_at", "DESCENDING"),),
               match={"created_at": NOW}),
    QueryShape("my unread notifications", "app", "notifications/u1/items", (("read", "==", False),),
               (("created_at", "DESCENDING"),), match={"read": False, "created_at": NOW}),
    QueryShape("my swipes", "app", "swipes", (("swiper_id", "==", "u1"),), match={"swiper_id": "u1"}),
    QueryShape("my media", "app", "media", (("owner_id", "==", "u1"),), match={"owner_id": "u1"}),
    QueryShape("my projects, newest first", "app", "projects", (("owner_id", "==", "u1"),),
               (("created_at", "DESCENDING"),), match={"owner_id": "u1", "created_at": NOW}),
    QueryShape("open projects, newest first", "app", "projects", (("status", "==", "open"),),
               (("created_at", "DESCENDING"),), match={"status": "open", "created_at": NOW}),
    QueryShape("a user's showcase, newest first", "app", "showcase_posts", (("user_id", "==", "u1"),),
               (("created_at", "DESCENDING"),), match={"user_id": "u1", "created_at": NOW}),
    QueryShape("showcase feed", "app", "showcase_posts", (), (("created_at", "DESCENDING"),),
               match={"created_at": NOW}),
    QueryShape("upcoming events (app)", "app", "events", (("start", ">=", NOW),), (("start", "ASCENDING"),),
               match={"start": LATER}),
    QueryShape("an event's attendees", "app", "events/e1/attendees", (), (("created_at", "ASCENDING"),),
               match={"created_at": NOW}),
]


# --- which index a shape needs ---------------------------------------------------------


@dataclass(frozen=True)
class Need:
    """An index a shape needs: a composite/vector index, or a collection-group single-field one."""

    kind: str  # "composite" | "field"
    collection: str
    scope: str  # COLLECTION | COLLECTION_GROUP
    prefix: frozenset[tuple[str, str]] = frozenset()  # equality/array fields, any order
    ordered: tuple[tuple[str, str], ...] = ()  # then these, in this order (the last may be a vector)

    def describe(self) -> str:
        fields = [*sorted(self.prefix), *self.ordered]
        return f"{self.kind} index on {self.collection} ({self.scope}): {fields}"


def needed_index(shape: QueryShape) -> Need | None:
    """The index ``shape`` needs beyond the automatic single-field ones, if any."""
    eq = {(f, "ASCENDING") for f, op, _ in shape.filters if op in EQUALITY}
    arr = {(f, "CONTAINS") for f, op, _ in shape.filters if op in ARRAY}
    ordered = [(f, d) for f, d in shape.order if f != "__name__"]
    for f in sorted({f for f, op, _ in shape.filters if op in RANGE}):
        if f not in {o for o, _ in ordered}:
            ordered.append((f, "ASCENDING"))
    scope = "COLLECTION_GROUP" if shape.group else "COLLECTION"
    if shape.vector:
        return Need("composite", shape.collection_id, scope, frozenset(eq | arr), (*ordered, (shape.vector, "VECTOR")))
    fields = {f for f, _ in eq | arr} | {f for f, _ in ordered}
    if not fields:
        return None
    if len(fields) == 1:
        if not shape.group:
            return None
        ((name, mode),) = sorted(eq | arr) or ordered[:1]
        return Need("field", shape.collection_id, scope, ordered=((name, mode),))
    if not shape.group and not arr and not ordered:
        return None  # equality filters only: single-field indexes merge
    return Need("composite", shape.collection_id, scope, frozenset(eq | arr), tuple(ordered))


def _mode(entry: dict[str, Any]) -> str:
    if "vectorConfig" in entry:
        return "VECTOR"
    return str(entry.get("order") or entry.get("arrayConfig"))


def declared(need: Need, spec: dict[str, Any]) -> bool:
    """Whether firestore.indexes.json (``spec``) holds an index that serves ``need``."""
    if need.kind == "field":
        ((name, mode),) = need.ordered
        return any(
            o["collectionGroup"] == need.collection and o["fieldPath"] == name
            and any(i.get("queryScope") == need.scope and _mode(i) == mode for i in o.get("indexes", []))
            for o in spec.get("fieldOverrides", [])
        )
    for index in spec.get("indexes", []):
        if index["collectionGroup"] != need.collection or index.get("queryScope", "COLLECTION") != need.scope:
            continue
        fields = [(f["fieldPath"], _mode(f)) for f in index["fields"]]
        if any(f.get("vectorConfig", {}).get("dimension") not in (None, VECTOR_DIM) for f in index["fields"]):
            continue
        head, tail = fields[: len(need.prefix)], fields[len(need.prefix):]
        if set(head) == need.prefix and tail == list(need.ordered):
            return True
    return False


# --- the code's query sites ----------------------------------------------------------------


def query_sites() -> set[str]:
    """``path::function`` of every function under shared/ and functions/ that builds a query."""
    sites: set[str] = set()
    for root in SOURCE_ROOTS:
        for path in sorted((ROOT / root).rglob("*.py")):
            if {"venv", "vendor", "__pycache__"} & set(path.parts):
                continue
            tree = ast.parse(path.read_text(), filename=str(path))
            for node in ast.walk(tree):
                if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                for call in ast.walk(node):
                    if not isinstance(call, ast.Call):
                        continue
                    method = (call.func.attr if isinstance(call.func, ast.Attribute)
                              else call.func.id if isinstance(call.func, ast.Name) else None)  # where(...) of infra
                    if method in QUERY_METHODS and not (
                            isinstance(call.func, ast.Attribute) and isinstance(call.func.value, ast.Name)
                            and call.func.value.id in ("np", "numpy")):
                        sites.add(f"{path.relative_to(ROOT)}::{node.name}")
                        break
    return sites - GENERIC_HELPERS


def _index_spec() -> dict[str, Any]:
    return json.loads(INDEX_FILE.read_text())


def test_every_function_that_builds_a_query_is_in_the_catalogue() -> None:
    # Helper functions that only wrap a query passed in by a listed caller are listed too.
    listed = {shape.site for shape in CATALOGUE}
    missing = sorted(query_sites() - listed)
    assert not missing, f"queries not in tests/integration/test_indexes.py CATALOGUE: {missing}"


def test_every_catalogued_site_still_exists() -> None:
    stale = []
    for site in sorted({shape.site for shape in CATALOGUE if shape.site != "app"}):
        path, _, function = site.partition("::")
        source = ROOT / path
        names = {n.name for n in ast.walk(ast.parse(source.read_text())) if isinstance(n, ast.FunctionDef)} \
            if source.exists() else set()
        if function not in names:
            stale.append(site)
    assert not stale, f"catalogue entries whose function is gone: {stale}"


@pytest.mark.parametrize("shape", CATALOGUE, ids=[shape.name for shape in CATALOGUE])
def test_the_index_each_query_needs_is_declared(shape: QueryShape) -> None:
    need = needed_index(shape)
    if need is not None:
        assert declared(need, _index_spec()), f"{shape.name} ({shape.site}) needs a {need.describe()}"


def test_no_index_is_declared_twice() -> None:
    spec = _index_spec()
    keys = [json.dumps(index, sort_keys=True) for index in spec.get("indexes", [])]
    assert len(keys) == len(set(keys)), "duplicate entries in firestore.indexes.json indexes"
    fields = [(o["collectionGroup"], o["fieldPath"]) for o in spec.get("fieldOverrides", [])]
    assert len(fields) == len(set(fields)), "duplicate fieldOverrides in firestore.indexes.json"


def test_field_overrides_keep_the_automatic_collection_indexes() -> None:
    # A fieldOverride replaces a field's automatic indexes: it must restate the collection-scope ones.
    for override in _index_spec().get("fieldOverrides", []):
        modes = {(i.get("queryScope"), _mode(i)) for i in override.get("indexes", [])}
        if override.get("indexes"):
            assert {("COLLECTION", "ASCENDING"), ("COLLECTION", "DESCENDING")} <= modes, override


def test_the_index_rules_tell_merging_from_composite() -> None:
    # GIVEN shapes whose needs are known from Firestore's documentation
    eq_only = QueryShape("eq", "t", "c", (("a", "==", 1), ("b", "in", [1])))
    eq_range = QueryShape("eq-range", "t", "c", (("a", "==", 1), ("b", "<", 2)))
    group_single = QueryShape("group", "t", "c", (("b", ">=", 1),), group=True)
    contains_order = QueryShape("contains", "t", "c", (("a", "array_contains", 1),), (("b", "DESCENDING"),))
    # THEN
    assert needed_index(eq_only) is None
    assert needed_index(QueryShape("range", "t", "c", (("b", "<", 2),), (("b", "ASCENDING"),))) is None
    assert needed_index(eq_range) == Need("composite", "c", "COLLECTION", frozenset({("a", "ASCENDING")}),
                                          (("b", "ASCENDING"),))
    assert needed_index(group_single) == Need("field", "c", "COLLECTION_GROUP", ordered=(("b", "ASCENDING"),))
    assert needed_index(contains_order) == Need("composite", "c", "COLLECTION", frozenset({("a", "CONTAINS")}),
                                                (("b", "DESCENDING"),))
    spec = {"indexes": [{"collectionGroup": "c", "queryScope": "COLLECTION", "fields": [
        {"fieldPath": "a", "order": "ASCENDING"}, {"fieldPath": "b", "order": "DESCENDING"}]}]}
    assert not declared(needed_index(eq_range), spec)  # type: ignore[arg-type]


# --- running each shape on the emulator ---------------------------------------------------


def _build(db: Any, shape: QueryShape) -> Any:
    from google.cloud.firestore_v1.base_query import FieldFilter
    from google.cloud.firestore_v1.base_vector_query import DistanceMeasure
    from google.cloud.firestore_v1.vector import Vector

    query = db.collection_group(shape.parent) if shape.group else db.collection(shape.parent)
    for name, op, value in shape.filters:
        query = query.where(filter=FieldFilter(name, op, value))
    for name, direction in shape.order:
        query = query.order_by(name, direction=direction)
    if shape.vector:
        return query.find_nearest(vector_field=shape.vector, query_vector=Vector(shape.match[shape.vector]),
                                  distance_measure=DistanceMeasure.DOT_PRODUCT, limit=5)
    return query.limit(50)


def _document_path(shape: QueryShape) -> str:
    if shape.group:
        parents = {"messages": "matches/u1_u2", "attendees": "events/e1", "daily": "analytics/u1",
                   "attended": "analytics/u2"}
        return f"{parents[shape.collection_id]}/{shape.collection_id}/target"
    return f"{shape.parent}/target"


@pytest.fixture(autouse=True)
def clean_firestore() -> None:
    """Replaces the tier's per-test wipe: each shape overwrites its own target and decoy."""


@pytest.fixture(scope="module", autouse=True)
def clean_once(emulators: Any) -> None:
    emulators.clear_firestore()


@pytest.mark.parametrize("shape", CATALOGUE, ids=[shape.name for shape in CATALOGUE])
def test_each_query_runs_on_the_emulator_and_finds_its_document(db: Any, shape: QueryShape) -> None:
    from google.cloud.firestore_v1.vector import Vector

    # GIVEN the document the query is for, and one it must not return
    data = {k: Vector(v) if k == shape.vector else v for k, v in shape.match.items()}
    db.document(_document_path(shape)).set(data)
    if shape.filters and not shape.vector:
        db.document(_document_path(shape).replace("/target", "/decoy")).set({"unrelated": True})
    # WHEN it runs
    ids = [snap.id for snap in _build(db, shape).stream()]
    # THEN it finds that document (and, when it filters, only that one)
    assert "target" in ids
    if shape.filters and not shape.vector:
        assert "decoy" not in ids
