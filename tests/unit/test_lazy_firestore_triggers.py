"""Our lazy Firestore triggers declare exactly the endpoint the SDK's decorators declare."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from firebase_functions import firestore_fn

import _firestore_triggers as lazy

FUNCTIONS = Path(__file__).resolve().parents[2] / "functions"


def _handler(event: Any) -> None:
    return None


@pytest.mark.parametrize("kind", sorted(lazy.EVENT_TYPES))
def test_the_declared_endpoint_equals_the_sdk_one(kind: str) -> None:
    kwargs = {"document": "matches/{matchId}/messages/{messageId}"}
    ours = getattr(lazy, f"on_document_{kind}")(**kwargs)(_handler)
    sdks = getattr(firestore_fn, f"on_document_{kind}")(**kwargs)(_handler)
    assert ours.__firebase_endpoint__ == sdks.__firebase_endpoint__


def test_main_imports_without_loading_the_firestore_client_library() -> None:
    probe = "import sys; sys.path.insert(0, '.'); import main; print('google.cloud.firestore_v1' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], cwd=FUNCTIONS, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False", (
        "a handler module imports firebase_functions.firestore_fn or google.cloud.firestore at module "
        "level: declare Firestore triggers with functions/_firestore_triggers.py and import clients lazily"
    )
