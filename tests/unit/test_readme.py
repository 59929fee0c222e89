"""The README's function list names every function main.py exposes."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _exported() -> list[str]:
    tree = ast.parse((ROOT / "functions" / "main.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "__all__":
            assert isinstance(node.value, ast.List)
            return [str(ast.literal_eval(e)) for e in node.value.elts]
    raise AssertionError("main.py has no __all__")


def test_every_exported_function_has_a_row_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    missing = [name for name in _exported() if f"| `{name}` |" not in readme]
    assert not missing, f"add these functions to README.md's table: {missing}"


def test_the_two_commands_stand_at_the_top_of_the_readme() -> None:
    head = (ROOT / "README.md").read_text()[:1200]
    assert "./dev run" in head and "./dev test" in head
    assert "./dev test" in (ROOT / ".ci" / "run").read_text()
