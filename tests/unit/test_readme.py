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


def _layout_table() -> str:
    readme = (ROOT / "README.md").read_text()
    return readme[readme.index("## Layout"):readme.index("## How `shared/` reaches")]


def test_the_layout_table_names_every_handler_module_area_package_and_shared_package() -> None:
    table = _layout_table()
    handlers = [p.name for p in (ROOT / "functions").glob("*_fn.py")]
    packages = [p.name for p in (ROOT / "shared" / "gitalong").iterdir() if (p / "__init__.py").exists()]
    missing = [f"functions/{h}" for h in handlers if f"`{h}`" not in table]
    missing += [f"gitalong/{p}/" for p in packages if f"`{p}/" not in table and f"gitalong/{p}/" not in table]
    assert not missing, f"add to README.md's layout table: {missing}"


def test_every_area_module_is_named_in_the_layout_table() -> None:
    table = _layout_table()
    shared = {"core", "contract", "infra", "data"}
    modules = [p for p in (ROOT / "shared" / "gitalong").glob("*/*.py")
               if p.parent.name not in shared and p.name != "__init__.py"]
    missing = [f"{p.parent.name}/{p.name}" for p in modules
               if f"`{p.name}`" not in table and f"`{p.parent.name}/{p.name}`" not in table]
    assert not missing, f"add to README.md's layout table: {missing}"
