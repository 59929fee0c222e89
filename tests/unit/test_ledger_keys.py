"""The ledger's one key scheme: every event id becomes a valid, unreserved, unshared document id."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gitalong.infra import ledger

ROOT = Path(__file__).resolve().parents[2]


def _valid_firestore_id(doc_id: str) -> bool:
    return (
        "/" not in doc_id
        and doc_id not in (".", "..")
        and not re.fullmatch(r"__.*__", doc_id)
        and 0 < len(doc_id.encode()) <= 1500
    )


def test_a_plain_event_id_keeps_the_readable_kind_colon_id_form() -> None:
    assert ledger.doc_id("event-E", "profile-sync") == "profile-sync:event-E"
    assert ledger.doc_id("1234567890", "chat-message") == "chat-message:1234567890"
    assert ledger.doc_id("1717000000:9f86d081884c7d65", "cloudinary-notification") == (
        "cloudinary-notification:1717000000:9f86d081884c7d65"
    )


@pytest.mark.parametrize(
    "event_id",
    ["a/b", "../../users/x", ".", "..", "__evil__", "", "x" * 2000, "é" * 800, "\ud800", "a#b", "with space"],
)
def test_an_unsafe_event_id_is_hashed_into_a_valid_document_id(event_id: str) -> None:
    doc_id = ledger.doc_id(event_id, "attendance")
    assert _valid_firestore_id(doc_id), doc_id
    assert re.fullmatch(r"attendance:#[0-9a-f]{64}", doc_id), doc_id


def test_distinct_event_ids_never_share_an_entry() -> None:
    ids = ["a/b", "a_b", "a:b", "a b", "#" + "0" * 64, "x" * 512, "x" * 513]
    keys = {ledger.doc_id(event_id, "event-skills") for event_id in ids}
    assert len(keys) == len(ids)


def test_the_same_event_id_under_two_kinds_makes_two_entries() -> None:
    assert ledger.doc_id("e1", "profile-sync") != ledger.doc_id("e1", "profile-skills")


@pytest.mark.parametrize("kind", ["", "Profile", "a/b", "__x__", "a:b", "-x", "k" * 64])
def test_a_kind_outside_the_scheme_is_refused(kind: str) -> None:
    with pytest.raises(ValueError):
        ledger.doc_id("e1", kind)


def test_only_the_ledger_module_names_the_processed_events_collection() -> None:
    """One ledger: no trigger keeps its own copy of the key scheme or the entry's fields."""
    sources = [*(ROOT / "shared" / "gitalong").rglob("*.py"), *(ROOT / "functions").glob("*.py")]
    naming = sorted(str(p.relative_to(ROOT)) for p in sources if "processed_events" in p.read_text())
    assert naming == ["shared/gitalong/infra/ledger.py"]
