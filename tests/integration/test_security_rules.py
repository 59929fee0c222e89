"""firestore.rules, proven by the allow/deny matrix in rules/firestore_cases.yaml.

The rules are loaded into the emulator once, the matrix's fixture documents are seeded once
with the admin client (rules don't apply to it), then every case runs as a client would:
through the emulator's Firestore REST API with an (unsigned) emulator ID token, or with no
token for ``anonymous``. A case passes when the emulator allows or refuses (403
PERMISSION_DENIED) as the matrix expects. After an allowed write, the documents the case
touched are put back, so cases don't depend on each other's order.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from google.api_core.exceptions import Aborted
from google.api_core.retry import Retry, if_exception_type

from emulators import PROJECT_ID
from support.emulators import Emulators, id_token

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "firestore.rules"
MATRIX = ROOT / "rules" / "firestore_cases.yaml"
DOCUMENTS = f"projects/{PROJECT_ID}/databases/(default)/documents"
OPERATIONS = ("get", "list", "create", "update", "delete")
WRITES = ("create", "update", "set", "delete")
# Writes to users/ fire the profile-sync trigger, whose transaction locks the document; the
# emulator makes a write that meets that lock wait and may answer 409 "Transaction lock timeout".
LOCK_WAIT = 120.0
FILTER_OPS = {
    "==": "EQUAL", "!=": "NOT_EQUAL", "<": "LESS_THAN", "<=": "LESS_THAN_OR_EQUAL", ">": "GREATER_THAN",
    ">=": "GREATER_THAN_OR_EQUAL", "array-contains": "ARRAY_CONTAINS", "in": "IN",
    "array-contains-any": "ARRAY_CONTAINS_ANY",
}


class RequestTime:
    """``$request_time``: the server's timestamp (a REQUEST_TIME transform / SERVER_TIMESTAMP)."""


class Delete:
    """``$delete``: remove the field (in the update mask, absent from the fields)."""


def resolve(value: Any) -> Any:
    """The matrix's sentinels made real: ``$request_time``, ``$now``, ``$delete``, ``{$repeat: [s, n]}``."""
    if value == "$request_time":
        return RequestTime()
    if value == "$now":
        return datetime.now(UTC)
    if value == "$delete":
        return Delete()
    if isinstance(value, dict):
        if set(value) == {"$repeat"}:
            text, times = value["$repeat"]
            return str(text) * int(times)
        return {key: resolve(item) for key, item in value.items()}
    if isinstance(value, list):
        return [resolve(item) for item in value]
    return value


def encode(value: Any) -> dict[str, Any]:
    """A Python value as a Firestore REST ``Value``."""
    if value is None:
        return {"nullValue": None}
    if isinstance(value, bool):
        return {"booleanValue": value}
    if isinstance(value, int):
        return {"integerValue": str(value)}
    if isinstance(value, float):
        return {"doubleValue": value}
    if isinstance(value, str):
        return {"stringValue": value}
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return {"timestampValue": moment.astimezone(UTC).isoformat().replace("+00:00", "Z")}
    if isinstance(value, list):
        return {"arrayValue": {"values": [encode(item) for item in value]}}
    if isinstance(value, dict):
        return {"mapValue": {"fields": {key: encode(item) for key, item in value.items()}}}
    raise TypeError(f"no Firestore encoding for {value!r}")


def for_admin(value: Any) -> Any:
    """A resolved fixture value for the admin client (server timestamps as SERVER_TIMESTAMP)."""
    from google.cloud import firestore

    if isinstance(value, RequestTime):
        return firestore.SERVER_TIMESTAMP
    if isinstance(value, dict):
        return {key: for_admin(item) for key, item in value.items()}
    if isinstance(value, list):
        return [for_admin(item) for item in value]
    return value


@dataclass(frozen=True)
class Case:
    """One line of the matrix: ``who`` tries ``op`` on ``path`` and is expected to be allowed or not."""

    name: str
    who: str
    op: str
    path: str
    expect: str
    data: dict[str, Any] = field(default_factory=dict)
    where: list[list[Any]] = field(default_factory=list)
    order: list[list[str]] = field(default_factory=list)  # [[field, asc|desc]]
    collection_group: bool = False
    kind: str = ""  # principal kind, where the coverage test can't tell it from path and data

    @property
    def allowed(self) -> bool:
        return self.expect == "allow"


@dataclass(frozen=True)
class Matrix:
    """The parsed case file: principals (name -> uid or None), fixture documents, cases."""

    principals: dict[str, str | None]
    fixtures: dict[str, dict[str, Any]]
    cases: list[Case]


class Namespace:
    """Gives one run its own ids, so triggers still busy with an earlier run's documents (the
    emulator runs the project's functions) can't touch this run's.

    Principals' uids and every document id get the run's suffix: a document id made of parts
    joined by ``_`` (``alice_bob``) has each part renamed; string values naming a principal
    (``swiper_id: alice``, ``participants: [alice, bob]``) become that principal's uid.
    """

    def __init__(self, principals: dict[str, str | None], run: str) -> None:
        self.uids = {name: f"{uid}-{run}" for name, uid in principals.items() if uid is not None}
        self.run = run

    def doc_id(self, logical: str) -> str:
        return "_".join(self.uids.get(part, f"{part}-{self.run}") for part in logical.split("_"))

    def path(self, logical: str) -> str:
        segments = logical.split("/")
        return "/".join(self.doc_id(s) if i % 2 else s for i, s in enumerate(segments))

    def value(self, logical: Any) -> Any:
        if isinstance(logical, str):
            return self.uids.get(logical, logical)
        if isinstance(logical, list):
            return [self.value(item) for item in logical]
        if isinstance(logical, dict):
            return {key: self.value(item) for key, item in logical.items()}
        return logical


def load_matrix(path: Path = MATRIX, run: str | None = None) -> Matrix:
    """Parse and check the case file, then move its ids into this run's namespace."""
    raw = yaml.safe_load(path.read_text())
    principals = raw["principals"]
    cases = [Case(**case) for case in raw["cases"]]
    for case in cases:
        assert case.op in (*OPERATIONS, "set"), f"{case.name}: unknown operation {case.op!r}"
        assert case.expect in ("allow", "deny"), f"{case.name}: expect must be allow or deny"
        assert case.who in principals, f"{case.name}: unknown principal {case.who!r}"
        segments = case.path.count("/") + 1
        assert segments % 2 == (1 if case.op == "list" else 0), f"{case.name}: path {case.path!r} vs {case.op}"
    ns = Namespace(principals, run or uuid.uuid4().hex[:8])
    fixtures = {ns.path(doc): ns.value(data) for doc, data in raw["fixtures"].items()}
    cases = [
        replace(case, path=ns.path(case.path) if not case.collection_group else case.path,
                data=ns.value(case.data), where=ns.value(case.where))
        for case in cases
    ]
    return Matrix({name: ns.uids.get(name) for name in principals}, fixtures, cases)


MATRIX_DATA = load_matrix()


class Client:
    """A Firestore REST client acting as one principal (no token for ``anonymous``)."""

    def __init__(self, emulators: Emulators, uid: str | None) -> None:
        self.base = f"http://{emulators.endpoints.firestore}/v1/{DOCUMENTS}"
        self.session = emulators.session
        self.headers = {"Authorization": f"Bearer {id_token(uid)}"} if uid else {}

    def run(self, case: Case) -> requests.Response:
        if case.op == "get":
            return self.session.get(f"{self.base}/{case.path}", headers=self.headers, timeout=30)
        if case.op == "list":
            return self._query(case)
        return self._commit(case)

    def _query(self, case: Case) -> requests.Response:
        parent, _, collection = case.path.rpartition("/")
        query: dict[str, Any] = {"from": [{"collectionId": collection, "allDescendants": case.collection_group}],
                                 "limit": 50}
        filters = [
            {"fieldFilter": {"field": {"fieldPath": name}, "op": FILTER_OPS[op], "value": encode(resolve(value))}}
            for name, op, value in case.where
        ]
        if len(filters) == 1:
            query["where"] = filters[0]
        elif filters:
            query["where"] = {"compositeFilter": {"op": "AND", "filters": filters}}
        if case.order:
            query["orderBy"] = [
                {"field": {"fieldPath": name}, "direction": "DESCENDING" if way == "desc" else "ASCENDING"}
                for name, way in case.order
            ]
        url = f"{self.base}/{parent}:runQuery" if parent else f"{self.base}:runQuery"
        return self.session.post(url, json={"structuredQuery": query}, headers=self.headers, timeout=30)

    def _commit(self, case: Case) -> requests.Response:
        name = f"{DOCUMENTS}/{case.path}"
        write: dict[str, Any]
        if case.op == "delete":
            write = {"delete": name}
        else:
            data = resolve(case.data)
            fields = {k: encode(v) for k, v in data.items() if not isinstance(v, RequestTime | Delete)}
            write = {"update": {"name": name, "fields": fields}}
            transforms = [{"fieldPath": k, "setToServerValue": "REQUEST_TIME"}
                          for k, v in data.items() if isinstance(v, RequestTime)]
            if transforms:
                write["updateTransforms"] = transforms
            if case.op == "create":
                write["currentDocument"] = {"exists": False}
            elif case.op == "update":  # update(): only the named fields, on an existing document
                write["updateMask"] = {"fieldPaths": [k for k, v in data.items() if not isinstance(v, RequestTime)]}
                write["currentDocument"] = {"exists": True}
        url = f"{self.base.rsplit('/documents', 1)[0]}/documents:commit"
        deadline = time.monotonic() + LOCK_WAIT
        while True:  # a profile-sync trigger's transaction may hold the document: 409, try again
            response = self.session.post(url, json={"writes": [write]}, headers=self.headers, timeout=60)
            if response.status_code != 409 or time.monotonic() > deadline:
                return response
            time.sleep(0.2)


def outcome(case: Case, response: requests.Response) -> str:
    """``allow`` or ``deny``; anything but success or PERMISSION_DENIED fails the case loudly."""
    if response.status_code == 200:
        return "allow"
    if response.status_code == 404 and case.op == "get":
        return "allow"  # the rules let the read through; the document just isn't there
    if response.status_code == 403 and "PERMISSION_DENIED" in response.text:
        return "deny"
    raise AssertionError(f"{case.name}: unexpected answer {response.status_code}: {response.text[:500]}")


class Fixtures:
    """The matrix's documents, seeded with the admin client and restored after allowed writes."""

    def __init__(self, emulators: Emulators, documents: dict[str, dict[str, Any]]) -> None:
        self.db = emulators.firestore()
        self.documents = {path: for_admin(resolve(data)) for path, data in documents.items()}

    def seed(self) -> None:
        batch = self.db.batch()
        for path, data in self.documents.items():
            batch.set(self.db.document(path), data)
        batch.commit()

    def restore(self, path: str) -> None:
        """Put ``path`` back; retried while a trigger's transaction holds it (emulator 409)."""
        ref = self.db.document(path)
        retry = Retry(predicate=if_exception_type(Aborted), timeout=LOCK_WAIT)
        if path in self.documents:
            ref.set(self.documents[path], retry=retry)
        else:
            ref.delete(retry=retry)


@pytest.fixture(autouse=True)
def clean_firestore() -> None:
    """Replaces the integration tier's per-test wipe: the whole matrix shares one seeded state."""


@pytest.fixture(scope="module")
def fixtures(emulators: Emulators) -> Iterator[Fixtures]:
    emulators.load_rules(RULES.read_text())
    emulators.clear_firestore()
    seeded = Fixtures(emulators, MATRIX_DATA.fixtures)
    seeded.seed()
    yield seeded
    emulators.clear_firestore()


@pytest.mark.parametrize("case", MATRIX_DATA.cases, ids=[case.name for case in MATRIX_DATA.cases])
def test_the_rules_allow_or_refuse_each_case_as_the_matrix_says(
    emulators: Emulators, fixtures: Fixtures, case: Case
) -> None:
    client = Client(emulators, MATRIX_DATA.principals[case.who])
    response = client.run(case)
    result = outcome(case, response)
    if result == "allow" and case.op in WRITES:
        fixtures.restore(case.path)
    verdict = "allowed" if result == "allow" else f"denied: {response.text[:800]}"
    assert result == case.expect, f"{case.name}: {case.who} {case.op} {case.path} was {verdict}"


CONTRACT_COLLECTIONS = ("users", "profiles", "projects", "swipes", "matches", "recommendations",
                        "notifications", "media", "events", "showcase_posts")
OWNER_FIELDS = ("owner_id", "created_by", "user_id", "swiper_id", "sender_id")


def principal_kind(case: dict[str, Any], fixtures: dict[str, dict[str, Any]]) -> str:
    """anonymous, owner or other; participant or non-participant for matches (logical ids).

    Owner: the uid in the path (``users/alice``, ``notifications/alice/...``), in a match id,
    as the swiper of a swipe id, in the document's (or the written data's) owner field, or in
    a list's filter values.
    """
    if case.get("kind"):
        return str(case["kind"])
    who, path, op = case["who"], case["path"], case["op"]
    if who == "anonymous":
        return "anonymous"
    parts = path.split("/")
    collection = parts[0]
    mine: set[str] = set()
    if op == "list":
        mine |= {str(w[2]) for w in case.get("where") or []}
        if len(parts) > 1:
            mine |= set(parts[1].split("_"))
    else:
        if collection in ("users", "profiles", "recommendations", "notifications"):
            mine.add(parts[1])
        if collection == "matches":
            mine |= set(parts[1].split("_"))
        if collection == "swipes":
            mine.add(parts[1].split("_")[0])
        for source in (fixtures.get(path) or {}, case.get("data") or {} if op == "create" else {}):
            mine |= {source[f] for f in OWNER_FIELDS if isinstance(source.get(f), str)}
    if collection == "matches":
        return "participant" if who in mine else "non-participant"
    return "owner" if who in mine else "other"


def test_the_matrix_covers_every_collection_with_every_operation_and_principal_kind() -> None:
    # GIVEN the case file as written (logical ids); WHEN each case is classified by collection,
    # principal kind and operation; THEN every cell of the issue's grid has at least one case
    raw = yaml.safe_load(MATRIX.read_text())
    cells = {(c["path"].split("/")[0], principal_kind(c, raw["fixtures"]), c["op"]) for c in raw["cases"]}
    missing = []
    for collection in CONTRACT_COLLECTIONS:
        kinds = ("anonymous", "participant", "non-participant") if collection == "matches" else (
            "anonymous", "owner", "other")
        missing += [(collection, kind, op) for kind in kinds for op in OPERATIONS
                    if (collection, kind, op) not in cells]
    assert missing == [], f"grid cells without a case: {missing}"
    assert {case.who for case in MATRIX_DATA.cases} == set(MATRIX_DATA.principals)
    assert len(MATRIX_DATA.cases) >= 80
    issue_attacks = {
        "attack-write-someone-elses-profile", "attack-update-role-admin", "attack-update-is-admin-flag",
        "attack-forge-sender-id", "attack-read-another-users-recommendations", "attack-read-another-users-swipe",
        "attack-list-all-users-emails", "attack-oversize-bio-1001-chars", "attack-change-project-owner-id",
    }
    names = [case.name for case in MATRIX_DATA.cases]
    assert issue_attacks <= set(names)
    assert len(names) == len(set(names)), "case names must be unique"
    assert {case.expect for case in MATRIX_DATA.cases} == {"allow", "deny"}
