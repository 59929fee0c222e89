"""``health``: is the backend and what it depends on up?"""

from __future__ import annotations

from firebase_functions import https_fn

from _edge import json_response, run_http


def _report(req: https_fn.Request) -> https_fn.Response:
    from gitalong.infra.health import run_checks

    report = run_checks()
    return json_response(report, 200 if report["status"] == "healthy" else 503)


@https_fn.on_request()
def health(req: https_fn.Request) -> https_fn.Response:
    """GET → ``{"status": "healthy", "checks": {...}}``; 503 when a dependency is down."""
    return run_http("health", req, _report, methods=("GET", "HEAD"))
