"""Integration tier: every test runs against the real emulators, on a clean Firestore."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from support.emulators import Emulators


@pytest.fixture(autouse=True)
def clean_firestore(emulators: Emulators) -> Iterator[None]:
    emulators.clear_firestore()
    yield


@pytest.fixture
def uid() -> str:
    """A fresh user id, so tests never share data."""
    return f"u{uuid.uuid4().hex[:20]}"


@pytest.fixture
def db(emulators: Emulators) -> Any:
    return emulators.firestore()
