"""The code stays ruff- and mypy-clean (the configuration is in pyproject.toml)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _run(tool: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / tool), *args], cwd=ROOT, capture_output=True, text=True)


def test_ruff_finds_nothing() -> None:
    result = _run("ruff", "check", ".", "--output-format", "concise")
    assert result.returncode == 0, result.stdout[-4000:]


@pytest.mark.slow
def test_mypy_finds_nothing() -> None:
    result = _run("mypy")
    assert result.returncode == 0, result.stdout[-4000:]


def test_no_two_test_files_share_a_name() -> None:
    """pytest imports test modules by basename (no packages here): a second one refuses collection."""
    names = [p.name for p in (ROOT / "tests").rglob("test_*.py")]
    assert sorted({n for n in names if names.count(n) > 1}) == []


@pytest.mark.slow
def test_mypy_resolves_the_library_and_refuses_a_call_to_a_function_that_does_not_exist(tmp_path: Path) -> None:
    """A wrong cross-module call fails the check (mypy sees ``gitalong``, not ``Any``)."""
    planted = tmp_path / "planted.py"
    planted.write_text(
        "from gitalong.profiles import sync\n"
        "from gitalong.swipes.model import match_id\n\n"
        "sync.sync('u1', None)\n"  # the call the weekly consistency check used to make
        "match_id('a', 2)\n"
    )
    result = _run("mypy", "--config-file", str(ROOT / "pyproject.toml"), str(planted))
    assert result.returncode == 1, result.stdout
    assert 'Module has no attribute "sync"' in result.stdout, result.stdout
    assert 'Argument 2 to "match_id" has incompatible type "int"' in result.stdout, result.stdout
