"""Environment variable names and defaults, gathered in one place."""

from __future__ import annotations

import os

DEFAULT_PROJECT_ID = "demo-gitalong"
REGION = "us-central1"


def project_id() -> str:
    """The Firebase project: the one the runtime names, else the local demo project."""
    return (
        os.environ.get("GCLOUD_PROJECT")
        or os.environ.get("GOOGLE_CLOUD_PROJECT")
        or DEFAULT_PROJECT_ID
    )


def running_on_emulator() -> bool:
    """True inside the Functions emulator or when tests point clients at emulators."""
    return bool(os.environ.get("FUNCTIONS_EMULATOR") or os.environ.get("FIRESTORE_EMULATOR_HOST"))
