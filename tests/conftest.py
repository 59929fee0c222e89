"""The harness: one emulator suite per test session, started here or reused.

Set the variables ``./dev run`` prints to reuse a running suite; otherwise the
suite starts here (in its own process group) and stops when the session ends.
Only tests that ask for ``emulators`` (everything under ``integration/``) start it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import environment
from emulators import EmulatorError, EmulatorSuite, Endpoints, wait_until_ready
from fakes import cloudinary_server as fake_cloudinary
from fakes import github_server as fake_github
from support.emulators import Emulators


@pytest.fixture(scope="session")
def emulators() -> Iterator[Emulators]:
    endpoints = Endpoints.from_environment()
    suite: EmulatorSuite | None = None
    try:
        if endpoints is None:
            env = environment.emulator_env(Path(sys.executable))
            # firebase-tools passes its own environment on to the Python function workers.
            env.setdefault("GITHUB_API_URL", fake_github.url())
            env.update(fake_cloudinary.emulator_env())  # media always talks to the local fake
            suite = EmulatorSuite(env)
            endpoints = suite.start()
        else:
            wait_until_ready(endpoints, deadline_s=60)
    except (EmulatorError, environment.SetupError) as err:
        pytest.exit(f"emulators: {err}", returncode=3)
    os.environ.update(endpoints.client_env())
    yield Emulators(endpoints, log_path=suite.log_path if suite is not None else None)
    if suite is not None:
        suite.stop()


@pytest.fixture(scope="session")
def cloudinary_fake() -> Iterator[fake_cloudinary.Control]:
    """The fake Cloudinary API the function workers use (started here unless one answers)."""
    server = fake_cloudinary.ensure_running()
    yield fake_cloudinary.Control()
    if server is not None:
        server.stop()
