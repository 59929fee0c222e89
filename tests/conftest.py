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

import environment
import pytest
from emulators import EmulatorError, EmulatorSuite, Endpoints, wait_until_ready
from support.emulators import Emulators


@pytest.fixture(scope="session")
def emulators() -> Iterator[Emulators]:
    endpoints = Endpoints.from_environment()
    suite: EmulatorSuite | None = None
    try:
        if endpoints is None:
            suite = EmulatorSuite(environment.emulator_env(Path(sys.executable)))
            endpoints = suite.start()
        else:
            wait_until_ready(endpoints, deadline_s=60)
    except (EmulatorError, environment.SetupError) as err:
        pytest.exit(f"emulators: {err}", returncode=3)
    os.environ.update(endpoints.client_env())
    yield Emulators(endpoints)
    if suite is not None:
        suite.stop()
