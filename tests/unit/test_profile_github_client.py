"""The GitHub client against the local fake: GitHub's shapes, 404s and rate limits."""

from __future__ import annotations

import time
import uuid

import pytest

from fakes import github_server
from gitalong.infra import github as gh

_PRIVATE: list[tuple[github_server.FakeGitHub, str]] = []


@pytest.fixture
def fake() -> github_server.FakeGitHub:
    if not _PRIVATE:  # one fake on a free port for this module (the offset port may be taken)
        _PRIVATE.append(github_server.serve_private())
    return _PRIVATE[0][0]


def _url() -> str:
    return _PRIVATE[0][1]


def _login() -> str:
    return f"dev-{uuid.uuid4().hex[:10]}"


def test_stats_sum_language_bytes_over_own_repositories_only(fake: github_server.FakeGitHub) -> None:
    login = _login()
    fake.add(github_server.FakeUser(login, followers=7, repos={
        "app": {"Dart": 5000, "Kotlin": 300}, "ml": {"Python": 4000, "Dart": 100},
        "forked": {"C": 99999}}, forks=("forked",)))
    stats = gh.Client(base_url=_url()).stats(login)
    assert stats.public_repos == 3 and stats.followers == 7
    assert stats.top_languages == [{"name": "Dart", "bytes": 5100}, {"name": "Python", "bytes": 4000},
                                   {"name": "Kotlin", "bytes": 300}]


def test_an_unknown_user_is_a_single_request_and_not_found(fake: github_server.FakeGitHub) -> None:
    login = _login()
    with pytest.raises(gh.UserNotFound):
        gh.Client(base_url=_url()).stats(login)
    assert fake.hits(login) == 1


def test_a_long_rate_limit_raises_at_once_with_the_wait(fake: github_server.FakeGitHub) -> None:
    login = _login()
    fake.add(github_server.FakeUser(login, repos={"a": {}}, rate_limited="reset", retry_after_s=3600))
    started = time.monotonic()
    with pytest.raises(gh.RateLimited) as info:
        gh.Client(base_url=_url()).stats(login)
    assert time.monotonic() - started < 2
    assert 3500 < info.value.retry_after_s <= 3600
    assert fake.hits(login) == 1


def test_a_short_retry_after_is_waited_out_and_the_call_succeeds(fake: github_server.FakeGitHub) -> None:
    login = _login()
    fake.add(github_server.FakeUser(login, followers=1, repos={"a": {"Go": 10}}, rate_limited="retry-after",
                                    retry_after_s=1, limited_requests=1))
    started = time.monotonic()
    stats = gh.Client(base_url=_url(), max_wait_s=5).stats(login)
    assert stats.top_languages == [{"name": "Go", "bytes": 10}]
    assert time.monotonic() - started >= 1.0
