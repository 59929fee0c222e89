"""``health``: is the backend and what it depends on up?"""

from __future__ import annotations

import json

from firebase_functions import https_fn


@https_fn.on_request()
def health(req: https_fn.Request) -> https_fn.Response:
    """GET → ``{"status": "healthy", "checks": {...}}``; 503 when a dependency is down."""
    if req.method not in ("GET", "HEAD"):
        return https_fn.Response(json.dumps({"error": "use GET"}), status=405, content_type="application/json")
    from gitalong.infra.health import run_checks

    report = run_checks()
    status = 200 if report["status"] == "healthy" else 503
    return https_fn.Response(json.dumps(report), status=status, content_type="application/json")
