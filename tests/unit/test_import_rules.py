"""Dependencies point one way, and no module reaches into another's private names."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SDK_INTERNALS_ALLOWED = {
    # the one module each that leans on SDK internals (tests/unit/test_sdk_internals.py watches them)
    "shared/gitalong/infra/transactions.py",
    "functions/_firestore_triggers.py",
}


def _lint_imports(cwd: Path, pythonpath: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **({"PYTHONPATH": str(pythonpath)} if pythonpath else {})}
    return subprocess.run([str(BIN / "lint-imports"), "--no-cache"], cwd=cwd, env=env, capture_output=True, text=True)


def test_the_import_rules_in_pyproject_hold() -> None:
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout[-4000:]
    assert result.stdout.count("KEPT") == 3, result.stdout


@pytest.mark.slow
def test_the_import_rules_refuse_a_planted_violation_of_each_rule(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "shared" / "gitalong", tmp_path / "gitalong", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    planted = {
        "core/planted.py": "from gitalong.profiles import model\n",
        "infra/planted.py": "from gitalong.swipes import model\n",
        "media/planted.py": "from google.cloud import firestore\n",
        "media/store.py": "from google.cloud import firestore\n",  # a store may: not reported
    }
    for path, source in planted.items():
        (tmp_path / "gitalong" / path).write_text(source)
    result = _lint_imports(tmp_path, pythonpath=tmp_path)
    assert result.returncode == 1, result.stdout
    out = result.stdout
    assert "gitalong.core.planted -> gitalong.profiles.model" in out, out
    assert "gitalong.infra.planted -> gitalong.swipes.model" in out, out
    assert "gitalong.media.planted -> google" in out, out
    assert "gitalong.media.store" not in out, out


def _python_files() -> list[Path]:
    return sorted([*(ROOT / "shared" / "gitalong").rglob("*.py"), *(ROOT / "functions").glob("*.py")])


def _private_uses(path: Path, root: Path = ROOT) -> list[str]:
    """``from m import _x`` and ``module._x`` where ``module`` was imported: someone else's private name."""
    tree = ast.parse(path.read_text(), filename=str(path))
    imported: set[str] = set()
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module != "__future__":
            for alias in node.names:
                imported.add(alias.asname or alias.name)
                if alias.name.startswith("_") and not alias.name.startswith("__"):
                    found.append(f"{path.relative_to(root)}:{node.lineno} from {node.module} import {alias.name}")
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__")
                and isinstance(node.value, ast.Name) and node.value.id in imported):
            found.append(f"{path.relative_to(root)}:{node.lineno} {node.value.id}.{node.attr}")
    return found


def test_no_module_uses_another_modules_private_names() -> None:
    found = [use for path in _python_files() if str(path.relative_to(ROOT)) not in SDK_INTERNALS_ALLOWED
             for use in _private_uses(path)]
    assert found == []


def test_the_private_name_check_sees_a_planted_use(tmp_path: Path) -> None:
    planted = tmp_path / "planted.py"
    planted.write_text("import firebase_admin\nfrom gitalong.analytics import metrics\n\n"
                       "firebase_admin._apps\nmetrics._counters('u1')\n")
    assert _private_uses(planted, tmp_path) == ["planted.py:4 firebase_admin._apps", "planted.py:5 metrics._counters"]
