"""Functions that run the sentence encoder or hold the candidate index are deployed with 1 GiB.

The encoder adds ≈ 200 MiB resident once loaded (``./dev bench encoder_memory``); the default
256 MiB would be killed in production, where the emulator sets no limit at all.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

FUNCTIONS = Path(__file__).resolve().parents[2] / "functions"
ENCODER_MODULES = ("gitalong.matching.encoder", "gitalong.matching.encode", "gitalong.profiles.sync",
                   "gitalong.matching.search", "gitalong.matching.recommendations", "gitalong.matching.reencode")
NEEDS_1_GIB = [
    "sync_profile", "retry_profile_sync", "reconcile_profiles", "reencode_profiles", "reencode_shard",
    "get_recommendations",
    "find_reciprocal_matches", "search_profiles", "similar_users", "refresh_recommendations",
]


def _handlers_importing_the_encoder() -> set[str]:
    """Handlers whose body imports a module that encodes (found in the source, not listed by hand)."""
    found: set[str] = set()
    for path in FUNCTIONS.glob("*_fn.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef) and node.decorator_list:
                for inner in ast.walk(node):
                    if isinstance(inner, ast.ImportFrom) and inner.module:
                        names = [f"{inner.module}.{a.name}" for a in inner.names] + [inner.module]
                        if any(n in ENCODER_MODULES for n in names):
                            found.add(node.name)
    return found


def test_every_handler_that_imports_an_encoding_module_is_in_the_1_gib_list() -> None:
    assert _handlers_importing_the_encoder() - set(NEEDS_1_GIB) == set()


@pytest.mark.parametrize("name", NEEDS_1_GIB)
def test_the_deploy_manifest_gives_the_function_at_least_1_gib(name: str) -> None:
    import main

    memory = getattr(main, name).__firebase_endpoint__.availableMemoryMb
    assert isinstance(memory, int) and memory >= 1024, (name, memory)


def test_main_caps_blas_at_one_thread_before_numpy_loads() -> None:
    import os
    import subprocess
    import sys

    code = "import os, main; print(os.environ['OPENBLAS_NUM_THREADS'])"
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    out = subprocess.run([sys.executable, "-c", code], cwd=FUNCTIONS, env=env, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "1"


CASCADE_FUNCTIONS = ["delete_account", "sync_profile", "retry_profile_sync", "reconcile_profiles"]
"""They run the account-deletion cascade (``profile_sync.process`` on a deleted user), which destroys
Cloudinary assets: production hands a function only the secrets it declares."""


@pytest.mark.parametrize("name", CASCADE_FUNCTIONS)
def test_a_function_that_can_run_the_deletion_cascade_declares_the_cloudinary_secret(name: str) -> None:
    import main

    secrets = getattr(main, name).__firebase_endpoint__.secretEnvironmentVariables
    assert isinstance(secrets, list) and {"key": "CLOUDINARY_URL"} in secrets, (name, secrets)
