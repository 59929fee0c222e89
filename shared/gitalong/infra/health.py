"""Health checks of the backend's dependencies."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def _firestore() -> None:
    from gitalong.infra import firestore

    firestore.client().collection("_health").document("probe").get(timeout=5)


CHECKS: dict[str, Callable[[], None]] = {"firestore": _firestore}


def run_checks(checks: dict[str, Callable[[], None]] | None = None) -> dict[str, Any]:
    """Run every check; ``status`` is ``healthy`` only when all pass."""
    results: dict[str, Any] = {}
    for name, check in (checks or CHECKS).items():
        started = time.perf_counter()
        try:
            check()
            results[name] = {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)}
        except Exception as exc:  # a health check reports every failure, whatever it is
            results[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
    healthy = all(r["ok"] for r in results.values())
    return {"status": "healthy" if healthy else "unhealthy", "checks": results}
