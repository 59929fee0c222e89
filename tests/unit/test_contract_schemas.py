"""The committed JSON Schemas are exactly what the contract models generate."""

from __future__ import annotations

from pathlib import Path

import write_schemas as schema_tool
from gitalong.contract.callables import CALLABLES

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"


def test_every_callable_has_a_committed_schema_equal_to_its_models() -> None:
    rendered = schema_tool.render_all()
    committed = {p.name: p.read_text() for p in SCHEMAS.glob("*.json")}
    assert set(committed) == set(rendered), "run ./dev schemas"
    stale = [name for name, content in rendered.items() if committed[name] != content]
    assert not stale, f"schemas out of date (run ./dev schemas): {stale}"


def test_every_contract_callable_is_in_the_registry() -> None:
    contract = {
        "record_swipe", "get_recommendations", "find_reciprocal_matches", "search_profiles",
        "similar_users", "unmatch", "block_user", "report_user", "create_upload_signature",
        "delete_media", "get_analytics", "delete_account",
    }
    assert contract <= set(CALLABLES)
