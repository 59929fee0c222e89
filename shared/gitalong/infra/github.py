"""GitHub REST API v3 (public data only): a user's profile, repositories and their languages.

The base URL is ``$GITHUB_API_URL`` (default ``https://api.github.com``); tests point it at
a local fake. Rate limits are honoured: a 403/429 with ``Retry-After`` or
``X-RateLimit-Remaining: 0`` waits and retries when the wait is short (≤ ``max_wait_s``),
else raises :class:`RateLimited` carrying the wait, so the caller can retry later.
"""

from __future__ import annotations

import json
import logging
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger(__name__)

GITHUB_API_URL = "GITHUB_API_URL"
"""Environment variable: the API's base URL."""
GITHUB_TOKEN = "GITHUB_TOKEN"
"""Environment variable (optional): a token for the higher rate limit."""
DEFAULT_API_URL = "https://api.github.com"
MAX_REPOS_FOR_LANGUAGES = 10


class GitHubError(Exception):
    """A GitHub call failed."""


class UserNotFound(GitHubError):
    """The username does not exist (404): not worth retrying."""


class RateLimited(GitHubError):
    """GitHub's rate limit is used up; ``retry_after_s`` says when to try again."""

    def __init__(self, retry_after_s: float) -> None:
        super().__init__(f"GitHub rate limit: retry after {retry_after_s:.0f} s")
        self.retry_after_s = retry_after_s


class Unavailable(GitHubError):
    """GitHub answered 5xx or could not be reached."""


@dataclass
class GitHubStats:
    """What the card shows of a GitHub account."""

    login: str
    public_repos: int
    followers: int
    top_languages: list[dict[str, Any]] = field(default_factory=list)
    html_url: str = ""


def api_url() -> str:
    return os.environ.get(GITHUB_API_URL, DEFAULT_API_URL).rstrip("/")


def _retry_after(headers: Any) -> float | None:
    """Seconds to wait from a rate-limit response, or None when it is not one."""
    if headers.get("Retry-After"):
        try:
            return max(0.0, float(headers["Retry-After"]))
        except ValueError:
            return 60.0
    if headers.get("X-RateLimit-Remaining") == "0":
        try:
            return max(0.0, float(headers.get("X-RateLimit-Reset", "0")) - time.time())
        except ValueError:
            return 60.0
    return None


class Client:
    """A small GitHub client; ``max_wait_s`` bounds the in-call backoff on rate limits."""

    def __init__(self, base_url: str | None = None, timeout_s: float = 10.0, max_wait_s: float = 5.0,
                 attempts: int = 3) -> None:
        self.base_url = (base_url or api_url()).rstrip("/")
        self.timeout_s = timeout_s
        self.max_wait_s = max_wait_s
        self.attempts = attempts
        self.calls = 0

    def get(self, path: str) -> Any:
        """GET ``path`` as JSON, with backoff on short rate limits and 5xx."""
        headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28",
                   "User-Agent": "gitalong-backend"}
        if os.environ.get(GITHUB_TOKEN):
            headers["Authorization"] = f"Bearer {os.environ[GITHUB_TOKEN]}"
        delay = 0.5
        for attempt in range(1, self.attempts + 1):
            self.calls += 1
            request = urllib.request.Request(self.base_url + path, headers=headers)
            try:
                with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                    return json.loads(response.read() or b"null")
            except urllib.error.HTTPError as err:
                if err.code == 404:
                    raise UserNotFound(path) from None
                wait = _retry_after(err.headers) if err.code in (403, 429) else None
                if wait is not None:
                    if wait > self.max_wait_s or attempt == self.attempts:
                        raise RateLimited(wait) from None
                    logger.info("GitHub rate limit on %s: waiting %.1f s", path, wait)
                    time.sleep(wait)
                    continue
                if err.code >= 500 and attempt < self.attempts:
                    time.sleep(delay)
                    delay *= 2
                    continue
                raise (Unavailable if err.code >= 500 else GitHubError)(f"GitHub {err.code} on {path}") from None
            except (urllib.error.URLError, TimeoutError, ConnectionError) as err:
                if attempt < self.attempts:
                    time.sleep(delay)
                    delay *= 2
                    continue
                raise Unavailable(f"GitHub unreachable: {err}") from None
        raise Unavailable(f"GitHub: no answer for {path}")

    def stats(self, username: str) -> GitHubStats:
        """Profile, public repositories and top languages by bytes (of the most recent own repos)."""
        login = urllib.parse.quote(username, safe="")
        user = self.get(f"/users/{login}")
        repos = self.get(f"/users/{login}/repos?per_page=100&sort=pushed&type=owner") or []
        totals: dict[str, int] = {}
        own = [r for r in repos if isinstance(r, dict) and not r.get("fork")][:MAX_REPOS_FOR_LANGUAGES]
        for repo in own:
            name = urllib.parse.quote(str(repo.get("name", "")), safe="")
            owner = urllib.parse.quote(str((repo.get("owner") or {}).get("login") or username), safe="")
            try:
                languages = self.get(f"/repos/{owner}/{name}/languages") or {}
            except UserNotFound:
                continue
            for language, size in languages.items():
                if isinstance(size, int):
                    totals[language] = totals.get(language, 0) + size
        top = sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
        return GitHubStats(
            login=str(user.get("login") or username),
            public_repos=int(user.get("public_repos") or 0),
            followers=int(user.get("followers") or 0),
            top_languages=[{"name": n, "bytes": b} for n, b in top],
            html_url=str(user.get("html_url") or ""),
        )
