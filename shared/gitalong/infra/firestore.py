"""The Firestore client, built once per instance on first use."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from gitalong.core.config import project_id

if TYPE_CHECKING:
    from google.cloud.firestore import Client


@lru_cache(maxsize=1)
def client() -> Client:
    """A Firestore client for the current project (the emulator when its variable is set).

    ``google.cloud.firestore.Client`` honours ``FIRESTORE_EMULATOR_HOST`` and then needs no
    credentials, unlike ``firebase_admin.firestore.client()``.
    """
    from google.cloud import firestore

    return firestore.Client(project=project_id())
