"""A local stand-in for the GitHub REST API v3 (the internet is unreachable here).

Serves ``GET /users/{login}``, ``/users/{login}/repos`` and ``/repos/{owner}/{repo}/languages``
in GitHub's documented shapes, 404 ``{"message": "Not Found", ...}`` for unknown users,
and 403 rate-limit responses (``X-RateLimit-Remaining: 0``, ``X-RateLimit-Reset``, or
``Retry-After``) for logins marked rate-limited. Runs in a thread of the test process, on
a port derived from ``GITALONG_EMULATOR_PORT_OFFSET`` (see :func:`port`), so the function
workers reach it through ``GITHUB_API_URL``.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

BASE_PORT = 19170


def port(offset: int | None = None) -> int:
    """The fake's port for a suite at ``offset`` (default: ``$GITALONG_EMULATOR_PORT_OFFSET``)."""
    if offset is None:
        offset = int(os.environ.get("GITALONG_EMULATOR_PORT_OFFSET", "0"))
    return BASE_PORT + offset


def url(offset: int | None = None) -> str:
    return f"http://127.0.0.1:{port(offset)}"


@dataclass
class FakeUser:
    """A GitHub account: ``repos`` maps repository name to its languages by bytes."""

    login: str
    followers: int = 0
    repos: dict[str, dict[str, int]] = field(default_factory=dict)
    forks: tuple[str, ...] = ()
    rate_limited: str | None = None  # None, "reset" (X-RateLimit-Reset) or "retry-after"
    retry_after_s: int = 3600
    limited_requests: int = 0  # with rate_limited set: only this many requests are refused (0: all)


@dataclass
class FakeGitHub:
    """State shared with the request handler; ``requests`` logs every path served."""

    users: dict[str, FakeUser] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, user: FakeUser) -> FakeUser:
        with self.lock:
            self.users[user.login.lower()] = user
        return user

    def hits(self, login: str) -> int:
        with self.lock:
            return sum(1 for p in self.requests if f"/{login.lower()}" in p.lower())


def _user_json(u: FakeUser, base: str) -> dict[str, Any]:
    return {
        "login": u.login, "id": abs(hash(u.login)) % 10**8, "type": "User", "site_admin": False,
        "html_url": f"https://github.com/{u.login}", "url": f"{base}/users/{u.login}",
        "repos_url": f"{base}/users/{u.login}/repos", "name": u.login.title(), "company": None,
        "blog": "", "location": None, "bio": None, "public_repos": len(u.repos), "public_gists": 0,
        "followers": u.followers, "following": 0,
        "created_at": "2020-01-01T00:00:00Z", "updated_at": "2024-01-01T00:00:00Z",
    }


def _repo_json(u: FakeUser, name: str, base: str) -> dict[str, Any]:
    return {
        "id": abs(hash((u.login, name))) % 10**8, "name": name, "full_name": f"{u.login}/{name}",
        "private": False, "owner": {"login": u.login, "type": "User"}, "fork": name in u.forks,
        "html_url": f"https://github.com/{u.login}/{name}",
        "languages_url": f"{base}/repos/{u.login}/{name}/languages",
        "language": max(u.repos[name], key=u.repos[name].__getitem__) if u.repos[name] else None,
        "stargazers_count": 0, "pushed_at": "2024-01-01T00:00:00Z",
    }


def _handler(state: FakeGitHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            with state.lock:
                state.requests.append(path)
            base = f"http://{self.headers.get('Host', '127.0.0.1')}"
            m = (re.fullmatch(r"/users/([^/]+)(/repos)?", path)
                 or re.fullmatch(r"/repos/([^/]+)/([^/]+)/languages", path))
            login = m.group(1).lower() if m else ""
            user = state.users.get(login)
            if user is None:
                self._send(404, {"message": "Not Found",
                                 "documentation_url": "https://docs.github.com/rest", "status": "404"})
                return
            mode = user.rate_limited
            limited = bool(mode)
            if limited and user.limited_requests:
                with state.lock:
                    user.limited_requests -= 1
                    if user.limited_requests == 0:
                        user.rate_limited = None
            if limited:
                reset = int(time.time()) + user.retry_after_s
                headers = {"X-RateLimit-Limit": "60", "X-RateLimit-Remaining": "0",
                           "X-RateLimit-Used": "60", "X-RateLimit-Reset": str(reset)}
                if mode == "retry-after":
                    headers = {"Retry-After": str(user.retry_after_s)}
                self._send(403, {"message": "API rate limit exceeded for 127.0.0.1.",
                                 "documentation_url": "https://docs.github.com/rest/rate-limit"}, headers)
                return
            limit = {"X-RateLimit-Limit": "60", "X-RateLimit-Remaining": "59"}
            if path.endswith("/languages"):
                repo = m.group(2) if m else ""
                if repo not in user.repos:
                    self._send(404, {"message": "Not Found"})
                    return
                self._send(200, user.repos[repo], limit)
            elif path.endswith("/repos"):
                self._send(200, [_repo_json(user, name, base) for name in user.repos], limit)
            else:
                self._send(200, _user_json(user, base), limit)

    return Handler


_server: ThreadingHTTPServer | None = None
_state = FakeGitHub()


def ensure_running(offset: int | None = None) -> FakeGitHub:
    """Start the fake once per process (idempotent) and return its state."""
    global _server
    if _server is None:
        _server = ThreadingHTTPServer(("127.0.0.1", port(offset)), _handler(_state))
        threading.Thread(target=_server.serve_forever, name="fake-github", daemon=True).start()
    return _state


def serve_private(port: int = 0) -> tuple[FakeGitHub, str]:
    """A separate fake on ``port`` (0: any free port), for tests without emulators; returns (state, url)."""
    state = FakeGitHub()
    server = ThreadingHTTPServer(("127.0.0.1", port), _handler(state))
    threading.Thread(target=server.serve_forever, name="fake-github-private", daemon=True).start()
    return state, f"http://127.0.0.1:{server.server_address[1]}"
