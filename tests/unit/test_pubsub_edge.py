"""Every Pub/Sub function gets its message parsed by the contract; a malformed one is dropped, logged.

Each function is called as the functions framework calls it, with a real CloudEvent; the
domain entry point it would run is replaced by a spy, so "changes nothing" means "never ran".
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from support.events import PUBSUB_EVENT, pubsub_event
from support.manifest import endpoint_of

FUNCTIONS = Path(__file__).resolve().parents[2] / "functions"
PUBLISHED = datetime(2026, 12, 1, 3, 7, 59, tzinfo=UTC)
NOT_MESSAGES = [b"not json", b"[1]", b'"uid"', b"\xff\xfe", b"null"]
"""Malformed on every topic: not UTF-8, not JSON, or JSON that is not an object."""


@dataclass
class Case:
    """A Pub/Sub function, the domain call it makes, and messages for it."""

    module: str
    domain: str
    """``module:attribute`` of the domain function the handler runs (replaced by a spy)."""
    valid: dict[str, Any]
    called_with: Callable[[datetime], tuple[tuple[Any, ...], dict[str, Any]]]
    """The spy's ``(args, kwargs)`` for ``valid`` published at the given time."""
    malformed: list[dict[str, Any]] = field(default_factory=list)


CASES = {
    "recompute_shard": Case(
        "matching_fn", "gitalong.matching.recompute:run_shard", {"shard": 1, "shards": 4, "run_id": "nightly-1"},
        lambda at: ((1, 4, "nightly-1"), {}),
        [{}, {"shard": 4, "shards": 4, "run_id": "r"}, {"shard": -1, "shards": 4, "run_id": "r"},
         {"shard": 0, "shards": 10_001, "run_id": "r"}, {"shard": 0, "shards": 1},
         {"shard": 0, "shards": 1, "run_id": ""},
         {"shard": 0, "shards": 1, "run_id": "a/b"}, {"shard": "zero", "shards": 1, "run_id": "r"}],
    ),
    "refresh_recommendations": Case(
        "matching_fn", "gitalong.matching.recommendations:refresh_user", {"uid": "u1"},
        lambda at: (("u1", "profile-updated:event-1"), {}),
        [{}, {"uid": ""}, {"uid": "a/b"}, {"uid": 7}, {"user": "u1"}],
    ),
    "retry_profile_sync": Case(
        "profiles_fn", "gitalong.profiles.sync:process", {"uid": "u1", "event_id": "e1"},
        lambda at: (("u1", "e1"), {}),
        [{}, {"uid": ""}, {"uid": None, "event_id": "e1"}, {"uid": "u1", "event_id": 5}],
    ),
    "enrich_github": Case(
        "profiles_fn", "gitalong.profiles.github:run", {"uid": "u1"},
        lambda at: (("u1",), {"give_up": datetime.now(UTC) - at > timedelta(hours=1)}),
        [{}, {"uid": ""}, {"uid": ["u1"]}],
    ),
    "reencode_profiles": Case(
        "profiles_fn", "gitalong.matching.reencode:start_run", {},  # no run_id: named after the publish time
        lambda at: ((_reencode().default_run_id(at),), {}),
        [{"run_id": "a/b"}, {"run_id": 7}, {"run_id": ""}, {"run_id": "__x__"}, {"run_id": "x" * 201}],
    ),
    "reencode_shard": Case(
        "profiles_fn", "gitalong.matching.reencode:run_shard", {"shard": 0, "shards": 2, "run_id": "reencode-r"},
        lambda at: ((0, 2, "reencode-r"), {}),
        [{}, {"shard": 2, "shards": 2, "run_id": "r"}, {"shard": 0, "shards": 65, "run_id": "r"},
         {"shard": 0, "shards": 1, "run_id": "a/b"}, {"shard": 0, "shards": 1}],
    ),
}


def _reencode() -> Any:
    from gitalong.matching import reencode

    return reencode


def _pubsub_functions() -> dict[str, Any]:
    found = {}
    for path in sorted(FUNCTIONS.glob("*_fn.py")):
        module = importlib.import_module(path.stem)
        for name, value in vars(module).items():
            endpoint = getattr(value, "__firebase_endpoint__", None)
            if endpoint is not None and (endpoint.eventTrigger or {}).get("eventType") == PUBSUB_EVENT:
                found[name] = value
    return found


def _topic(function: Any) -> str:
    trigger = endpoint_of(function).eventTrigger
    assert trigger is not None
    return str(trigger["eventFilters"]["topic"])


class Spy:
    """Stands in for a domain function: records its calls, optionally raises."""

    def __init__(self, raises: BaseException | None = None) -> None:
        self.calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
        self.raises = raises

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls.append((args, kwargs))
        if self.raises is not None:
            raise self.raises
        return {}


def _spy(monkeypatch: pytest.MonkeyPatch, case: Case, raises: BaseException | None = None) -> Spy:
    module, attribute = case.domain.split(":")
    spy = Spy(raises)
    monkeypatch.setattr(importlib.import_module(module), attribute, spy)
    return spy


def _malformed() -> list[tuple[str, bytes | dict[str, Any]]]:
    found: list[tuple[str, bytes | dict[str, Any]]] = []
    for name, case in CASES.items():
        found += [(name, data) for data in NOT_MESSAGES]
        found += [(name, data) for data in case.malformed]
    return found


def test_every_pubsub_function_has_a_case_here() -> None:
    assert sorted(_pubsub_functions()) == sorted(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_valid_message_reaches_the_domain_with_its_fields(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    case, function = CASES[name], _pubsub_functions()[name]
    spy = _spy(monkeypatch, case)
    published = datetime.now(UTC) - timedelta(minutes=5)
    function(pubsub_event(_topic(function), case.valid, published=published))
    assert spy.calls == [case.called_with(published)]


@pytest.mark.parametrize(("name", "data"), _malformed(), ids=repr)
def test_a_malformed_message_is_dropped_with_a_warning_naming_its_topic_and_runs_nothing(
    name: str, data: bytes | dict[str, Any], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    case, function = CASES[name], _pubsub_functions()[name]
    spy = _spy(monkeypatch, case)
    topic = _topic(function)
    with caplog.at_level(logging.WARNING, logger="gitalong"):
        assert function(pubsub_event(topic, data)) is None  # returns: Pub/Sub acks, never redelivers
    assert spy.calls == []
    [record] = [r for r in caplog.records if r.name == "gitalong"]
    assert record.levelno == logging.WARNING
    assert f"malformed {topic} message" in record.getMessage() and name in record.getMessage()


@pytest.mark.parametrize("name", ["recompute_shard", "reencode_shard", "retry_profile_sync", "enrich_github"])
def test_an_exception_from_the_domain_propagates_so_pubsub_redelivers(
    name: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    case, function = CASES[name], _pubsub_functions()[name]
    _spy(monkeypatch, case, raises=ConnectionError("firestore is down"))
    with pytest.raises(ConnectionError):
        function(pubsub_event(_topic(function), case.valid))


def test_a_start_message_without_run_id_is_named_after_its_publish_time_not_its_delivery(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    function = _pubsub_functions()["reencode_profiles"]
    spy = _spy(monkeypatch, CASES["reencode_profiles"])
    function(pubsub_event(_topic(function), b"", published=PUBLISHED))
    assert spy.calls == [((_reencode().default_run_id(PUBLISHED),), {})]


def test_a_start_message_for_another_jobs_run_is_dropped_not_retried(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    function = _pubsub_functions()["reencode_profiles"]
    _spy(monkeypatch, CASES["reencode_profiles"], raises=_reencode().JobConflict("jobs/r1 is a recompute"))
    with caplog.at_level(logging.ERROR):
        function(pubsub_event(_topic(function), {"run_id": "r1"}))
    assert "jobs/r1 is a recompute" in caplog.text


def test_a_profile_sync_message_older_than_a_day_is_given_up_without_syncing(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    function = _pubsub_functions()["retry_profile_sync"]
    spy = _spy(monkeypatch, CASES["retry_profile_sync"])
    function(pubsub_event(_topic(function), {"uid": "u1"}, published=datetime.now(UTC) - timedelta(hours=25)))
    assert spy.calls == [] and "given up" in caplog.text


def test_a_permanent_profile_sync_failure_is_logged_and_not_retried(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    function = _pubsub_functions()["retry_profile_sync"]
    spy = _spy(monkeypatch, CASES["retry_profile_sync"], raises=KeyError("a bug"))
    function(pubsub_event(_topic(function), {"uid": "u1"}))
    assert len(spy.calls) == 1 and "failed permanently" in caplog.text
