"""Bench-only codebase: a trivial callable to measure the callable round trip against.

Never deployed: it is loaded only by ``bench/record_swipe.py``, which starts the
emulators with a config that adds this folder as a second codebase (``bench``).
"""

from typing import Any

from firebase_admin import initialize_app
from firebase_functions import https_fn

initialize_app()  # on_call verifies the caller's ID token through the default app


@https_fn.on_call()
def bench_echo(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    """Return the request and the caller: no Firestore, no validation."""
    return {"echo": req.data, "uid": req.auth.uid if req.auth else None}
