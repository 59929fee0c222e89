"""The dev environment runs the same pinned versions the deployed functions do."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==(\S+)$")


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        match = PIN.match(line.strip())
        if match:
            pins[match.group(1).lower()] = match.group(2)
    return pins


def test_every_runtime_dependency_is_pinned_and_matches_the_dev_environment() -> None:
    runtime = _pins(ROOT / "functions" / "requirements.txt")
    dev = _pins(ROOT / "requirements.txt")
    required = {"firebase-functions", "firebase-admin", "functions-framework", "google-cloud-firestore",
                "google-cloud-pubsub", "pydantic", "numpy", "scikit-learn", "cloudinary"}
    assert required <= set(runtime)
    assert {name: dev.get(name) for name in runtime} == runtime


def test_functions_requirements_install_the_shared_wheel_the_predeploy_step_builds() -> None:
    import package_shared

    lines = (ROOT / "functions" / "requirements.txt").read_text().splitlines()
    assert f"./vendor/{package_shared.wheel_name()}" in lines
