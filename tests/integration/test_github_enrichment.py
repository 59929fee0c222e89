"""GitHub enrichment through the real trigger → ``github-enrich`` → ``enrich_github`` chain, on the fake."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from fakes import github_server
from support.emulators import Emulators, wait_for


@pytest.fixture
def fake() -> github_server.FakeGitHub:
    return github_server.ensure_running()


def _login() -> str:
    return f"gh-{uuid.uuid4().hex[:10]}"


def _github(db: Any, uid: str) -> dict[str, Any]:
    snap = db.collection("profiles").document(uid).get()
    return ((snap.to_dict() or {}).get("github") or {}) if snap.exists else {}


def test_setting_a_github_username_adds_stats_and_languages_to_the_card(
    db: Any, uid: str, fake: github_server.FakeGitHub
) -> None:
    login = _login()
    fake.add(github_server.FakeUser(login, followers=12, repos={"app": {"Dart": 900, "Swift": 50},
                                                                "cli": {"Rust": 400}}))
    db.collection("users").document(uid).set({"display_name": "Gia", "skills": ["flutter"],
                                              "github_username": login})
    github = wait_for(lambda: _github(db, uid).get("status") == "ok" and _github(db, uid), timeout=60,
                      what="github stats on the card")
    assert github["public_repos"] == 2 and github["followers"] == 12
    assert [lang["name"] for lang in github["top_languages"]] == ["Dart", "Rust", "Swift"]
    assert github["fetched_at"] and github["refresh_after"] > github["fetched_at"]
    # the languages feed the skills vector matching uses
    import numpy as np

    from gitalong.matching.encode import encode_skills
    from gitalong.profiles.taxonomy import normalize_skills

    stored = np.asarray(list(db.collection("profiles").document(uid).get().get("skills_vec")), dtype=np.float32)
    with_languages = encode_skills(normalize_skills(["flutter", "Dart", "Rust", "Swift"]))
    assert np.allclose(stored, with_languages, atol=1e-5)
    assert not np.allclose(stored, encode_skills(normalize_skills(["flutter"])), atol=1e-3)


def test_an_unknown_github_user_is_marked_not_found_without_a_retry_storm(
    db: Any, uid: str, fake: github_server.FakeGitHub
) -> None:
    login = _login()
    db.collection("users").document(uid).set({"display_name": "Nia", "github_username": login})
    wait_for(lambda: _github(db, uid).get("status") == "not_found", timeout=60, what="not_found on the card")
    assert fake.hits(login) == 1


def test_a_rate_limited_fetch_asks_pubsub_to_retry_and_then_gives_up_gracefully(
    db: Any, uid: str, fake: github_server.FakeGitHub
) -> None:
    from gitalong.infra import github as gh
    from gitalong.profiles import github as github_enrichment

    login = _login()
    fake.add(github_server.FakeUser(login, repos={"a": {"Go": 1}}, rate_limited="reset", retry_after_s=3600))
    db.collection("users").document(uid).set({"display_name": "Rae", "github_username": login})
    wait_for(lambda: _github(db, uid).get("username") == login, what="card with a pending github")
    client = gh.Client(base_url=github_server.url())
    with pytest.raises(github_enrichment.RetryLater):
        github_enrichment.run(uid, client=client, publisher=lambda t, m: None)
    assert github_enrichment.run(uid, give_up=True, client=client, publisher=lambda t, m: None) == "rate_limited"
    github = _github(db, uid)
    assert github["status"] == "rate_limited"
    assert github["refresh_after"] > datetime.now(UTC) + timedelta(minutes=50)


def test_the_daily_refresh_refetches_stale_stats(
    db: Any, uid: str, fake: github_server.FakeGitHub, emulators: Emulators
) -> None:
    login = _login()
    user = fake.add(github_server.FakeUser(login, followers=1, repos={"a": {"Go": 10}}))
    db.collection("users").document(uid).set({"display_name": "Ola", "github_username": login})
    wait_for(lambda: _github(db, uid).get("followers") == 1, timeout=60, what="first fetch")
    user.followers = 99
    db.collection("profiles").document(uid).update({"github.refresh_after": datetime.now(UTC) - timedelta(hours=1)})
    response = emulators.run_scheduled("refresh_github_stats")
    assert response.status_code == 200, response.text
    wait_for(lambda: _github(db, uid).get("followers") == 99, timeout=60, what="refreshed stats")
