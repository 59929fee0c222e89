"""The re-encode job's pure parts: run ids, messages, and the per-shard loop (no emulators)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta, timezone

import pytest

from gitalong.contract.messages import ReencodeProfiles, parse
from gitalong.matching import ENCODER_ID, reencode
from support.manifest import endpoint_of

AT = datetime(2026, 12, 1, 3, 7, 59, tzinfo=UTC)


class Transient(ConnectionError):
    """Counts as transient for profile_sync.is_transient."""


def test_the_default_run_id_names_the_encoder_and_the_utc_minute_of_publication() -> None:
    assert reencode.default_run_id(AT) == f"reencode-{ENCODER_ID}-20261201T0307"
    lagos = AT.astimezone(timezone(timedelta(hours=1)))
    assert reencode.default_run_id(lagos) == reencode.default_run_id(AT)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", None),
        (b"{}", None),
        (b'{"run_id": null}', None),
        (b'{"run_id": "reencode-2026-12-01"}', "reencode-2026-12-01"),
        ('{"run_id": "r1", "other": 3}', "r1"),
    ],
)
def test_a_start_message_names_its_run_or_gets_the_default(data: bytes | str, expected: str | None) -> None:
    assert reencode.run_id_for(parse(ReencodeProfiles, data), AT) == (expected or reencode.default_run_id(AT))


@pytest.mark.parametrize(
    "data",
    [b"reencode-2026-12-01", b"[1]", b'"r"', b'{"run_id": 7}', b'{"run_id": "a/b"}', b'{"run_id": ""}',
     b'{"run_id": "__x__"}', b'{"run_id": " padded"}', b'{"run_id": "' + b"x" * 201 + b'"}', b"\xff\xfe"],
)
def test_a_start_message_that_is_not_an_object_or_names_an_unusable_id_is_refused(data: bytes) -> None:
    with pytest.raises(ValueError):  # MalformedMessage: the edge drops it
        reencode.run_id_for(parse(ReencodeProfiles, data), AT)


def test_a_card_is_outdated_unless_its_encoder_is_this_codes() -> None:
    assert reencode.outdated({}) and reencode.outdated({"encoder": "hashed@0"})
    assert not reencode.outdated({"encoder": ENCODER_ID})


class Recorder:
    """The checkpoints ``process_cards`` writes, and a clock it can be moved by."""

    def __init__(self) -> None:
        self.calls: list[tuple[dict[str, int], str | None, bool]] = []
        self.now = 0.0

    def checkpoint(self, delta: Counter[str], cursor: str | None, final: bool) -> None:
        self.calls.append((dict(delta), cursor, final))

    def clock(self) -> float:
        return self.now

    def total(self) -> Counter[str]:
        out: Counter[str] = Counter()
        for delta, _, _ in self.calls:
            out.update(delta)
        return out


def test_every_user_is_counted_once_under_its_outcome_and_the_last_checkpoint_is_final() -> None:
    rec = Recorder()
    outcomes = {"a": "synced", "b": "invalid", "d": "synced", "e": "unchanged"}
    todo = [("a", False), ("b", False), ("c", True), ("d", False), ("e", False)]
    counts, finished = reencode.process_cards(
        todo, outcomes.__getitem__, rec.checkpoint, clock=rec.clock, every=2
    )
    assert finished
    assert counts == rec.total() == Counter(synced=2, invalid=1, deleted=1, unchanged=1)
    assert [c for _, c, _ in rec.calls] == ["b", "d", "e"] and [f for *_, f in rec.calls] == [False, False, True]


def test_a_user_marked_deleted_is_never_synced() -> None:
    rec = Recorder()
    synced: list[str] = []

    def sync(uid: str) -> str:
        synced.append(uid)
        return "synced"

    reencode.process_cards([("gone", True)], sync, rec.checkpoint, clock=rec.clock)
    assert synced == [] and rec.total() == Counter(deleted=1)


def test_one_users_failure_is_counted_and_the_shard_goes_on() -> None:
    rec = Recorder()

    def sync(uid: str) -> str:
        if uid in ("b", "d"):
            raise Transient("blip") if uid == "b" else KeyError("a bug")
        return "synced"

    counts, finished = reencode.process_cards(
        [(u, False) for u in "abcde"], sync, rec.checkpoint, clock=rec.clock
    )
    assert finished and counts == Counter(synced=3, failed=2)
    assert rec.calls[-1][1:] == ("e", True)


def test_users_failing_transiently_in_a_row_raise_after_recording_those_before_them() -> None:
    rec = Recorder()

    def sync(uid: str) -> str:
        if uid >= "c":
            raise Transient("firestore is down")
        return "synced"

    with pytest.raises(reencode.ShardUnavailable):
        reencode.process_cards([(u, False) for u in "abcdefg"], sync, rec.checkpoint, clock=rec.clock)
    assert rec.calls == [({"synced": 2}, "b", False)]  # a retry resumes after b and retries c, d, e


def test_a_short_transient_streak_at_the_end_is_counted_as_failed() -> None:
    rec = Recorder()

    def sync(uid: str) -> str:
        if uid == "c":
            raise Transient("blip")
        return "synced"

    counts, finished = reencode.process_cards([(u, False) for u in "abc"], sync, rec.checkpoint, clock=rec.clock)
    assert finished and counts == Counter(synced=2, failed=1) and rec.calls[-1][1:] == ("c", True)


def test_past_its_budget_a_shard_records_where_it_stopped_and_is_not_finished() -> None:
    rec = Recorder()

    def sync(uid: str) -> str:
        rec.now += 100.0
        return "synced"

    counts, finished = reencode.process_cards(
        [(u, False) for u in "abcdef"], sync, rec.checkpoint, clock=rec.clock, budget_s=250.0, every_s=1e9
    )
    assert not finished
    assert counts == Counter(synced=3) and rec.calls == [({"synced": 3}, "c", False)]


def test_checkpoints_also_come_by_time() -> None:
    rec = Recorder()

    def sync(uid: str) -> str:
        rec.now += 20.0
        return "synced"

    reencode.process_cards([(u, False) for u in "abcd"], sync, rec.checkpoint, clock=rec.clock, every_s=30.0)
    assert [c for _, c, _ in rec.calls] == ["b", "d", "d"]


def test_an_empty_shard_still_writes_its_final_checkpoint() -> None:
    rec = Recorder()
    assert reencode.process_cards([], lambda u: "synced", rec.checkpoint, clock=rec.clock) == (Counter(), True)
    assert rec.calls == [({}, None, True)]


def test_the_shard_function_declares_retry_1_gib_and_540_s_and_the_start_function_its_topic() -> None:
    import profiles_fn

    shard = endpoint_of(profiles_fn.reencode_shard)
    assert shard.eventTrigger == {
        "eventType": "google.cloud.pubsub.topic.v1.messagePublished",
        "retry": True,
        "eventFilters": {"topic": "reencode-shard"},
    }
    assert (shard.availableMemoryMb, shard.timeoutSeconds) == (1024, 540)
    start = endpoint_of(profiles_fn.reencode_profiles)
    assert start.eventTrigger is not None
    assert start.eventTrigger["eventFilters"] == {"topic": "reencode-profiles"}
