"""The profile model: validation at the edge, the card built from it, and the no-op filter."""

from __future__ import annotations

from typing import Any

import pytest

from gitalong.profiles import model as profiles
from gitalong.profiles import sync as profile_sync

VALID: dict[str, Any] = {
    "display_name": "Zoë 李 🚀", "bio": "b" * 1000, "city": "Kraków", "role": "contributor",
    "skills": ["js"] * 50, "tech_stack": ["s" * 50], "email": "z@example.test", "fcm_tokens": ["t"],
    "github_username": "octo-cat", "sync_error": {"fields": ["bio"]}, "created_at": object(),
}


def test_a_profile_at_every_limit_is_valid_and_unknown_fields_are_ignored() -> None:
    profile, errors = profiles.validate(VALID)
    assert errors == [] and profile is not None
    assert profile.display_name == "Zoë 李 🚀"


@pytest.mark.parametrize(
    ("change", "field"),
    [({"bio": "b" * 1001}, "bio"), ({"skills": ["x"] * 51}, "skills"), ({"skills": ["s" * 51]}, "skills"),
     ({"role": "admin"}, "role"), ({"display_name": 1}, "display_name"), ({"display_name": ""}, "display_name"),
     ({"github_username": "-bad-"}, "github_username"), ({"avatar_url": "http://x"}, "avatar_url"),
     ({"fcm_tokens": ["t"] * 21}, "fcm_tokens"), ({"city": None}, "city")],
)
def test_each_wrong_field_is_named_in_the_errors(change: dict[str, Any], field: str) -> None:
    profile, errors = profiles.validate({**VALID, **change})
    assert profile is None
    assert [e["field"].split(".")[0] for e in errors] == [field]


def test_the_card_has_normalized_skills_and_no_private_field() -> None:
    profile, _ = profiles.validate({**VALID, "skills": ["js", "JavaScript", "ML"], "tech_stack": ["k8s"]})
    assert profile is not None
    card = profiles.build_card(profile)
    assert card["skills"] == ["JavaScript", "Machine Learning"] and card["tech_stack"] == ["Kubernetes"]
    assert not {"email", "fcm_tokens", "student_id", "sync_error"} & set(card)
    assert set(profiles.public_card(card)) == set(profiles.PUBLIC_FIELDS)


def test_the_source_hash_ignores_spelling_but_not_content() -> None:
    def digest(user: dict[str, Any]) -> str:
        profile, _ = profiles.validate(user)
        assert profile is not None
        return profiles.source_hash(profiles.build_card(profile))

    assert digest({"skills": ["js"], "bio": " hi "}) == digest({"skills": ["JavaScript"], "bio": "hi"})
    assert digest({"skills": ["js"]}) != digest({"skills": ["js", "go"]})


def _record(calls: list[str], uid: str) -> profile_sync.Outcome:
    calls.append(uid)
    return profile_sync.Outcome("synced")


def test_a_write_of_fcm_tokens_only_is_filtered_before_any_read() -> None:
    calls: list[str] = []
    outcome = profile_sync.on_user_written(
        "u1", "e1", {**VALID, "fcm_tokens": ["a"]}, {**VALID, "fcm_tokens": ["b"], "sync_error": None},
        run=lambda uid, event: _record(calls, uid),
    )
    assert outcome.status == "irrelevant" and calls == []


def test_a_transient_failure_in_the_trigger_is_handed_to_the_retry_topic() -> None:
    from google.api_core.exceptions import Aborted

    handed: list[tuple[str, dict[str, Any]]] = []

    def run(uid: str, event: str | None) -> profile_sync.Outcome:
        raise ValueError("Failed to commit transaction in 5 attempts.") from Aborted("contention")

    outcome = profile_sync.on_user_written("u1", "e1", None, VALID, run=run,
                                           handoff=lambda t, m: handed.append((t, m)))
    assert outcome.status == "handed-off"
    assert handed == [("profile-sync", {"uid": "u1", "event_id": "e1"})]


def test_a_programming_error_in_the_trigger_is_not_retried_forever() -> None:
    def run(uid: str, event: str | None) -> profile_sync.Outcome:
        raise KeyError("bug")

    with pytest.raises(KeyError):
        profile_sync.on_user_written("u1", "e1", None, VALID, run=run, handoff=lambda t, m: None)


def test_an_event_with_neither_before_nor_after_does_nothing() -> None:
    """Deleting a missing document still fires ``written``; reacting to it would loop with the cascade."""
    calls: list[str] = []
    outcome = profile_sync.on_user_written("u1", "e1", None, None, run=lambda uid, event: _record(calls, uid))
    assert outcome.status == "irrelevant" and calls == []
