"""No handler bypasses ``functions/_edge.py``, and no topic name is spelled out twice (read from the source)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HANDLER_MODULES = sorted((ROOT / "functions").glob("*_fn.py"))
RUNNERS = {"on_call": "run_callable", "on_request": "run_http", "on_message_published": "run_message"}
"""Each trigger kind and the one ``_edge`` runner its handlers go through."""


def _decorator_kind(function: ast.FunctionDef) -> str | None:
    for decorator in function.decorator_list:
        call = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(call, ast.Attribute) and call.attr in RUNNERS:
            return call.attr
    return None


def _handlers() -> list[tuple[str, ast.FunctionDef, str]]:
    found = []
    for path in HANDLER_MODULES:
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.FunctionDef) and (kind := _decorator_kind(node)) is not None:
                found.append((f"{path.stem}.{node.name}", node, kind))
    return found


def _bypasses(function: ast.FunctionDef, kind: str) -> list[str]:
    """What in ``function`` goes around its runner (empty when it only hands its argument to it)."""
    runner, param = RUNNERS[kind], function.args.args[0].arg
    last = function.body[-1]
    call = last.value if isinstance(last, (ast.Return, ast.Expr)) else None
    problems = []
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == runner):
        problems.append(f"does not end by calling _edge.{runner}")
    elif not (len(call.args) > 1 and isinstance(call.args[1], ast.Name) and call.args[1].id == param):
        problems.append(f"does not pass {param!r} to {runner}")
    passed = call.args[1] if isinstance(call, ast.Call) and len(call.args) > 1 else None
    uses = [n for n in ast.walk(function) if isinstance(n, ast.Name) and n.id == param and n is not passed]
    if uses:
        problems.append(f"reads {param!r} itself (line {uses[0].lineno}): parsing belongs to the edge")
    if any(isinstance(n, ast.Try) for n in ast.walk(function)):
        problems.append("catches exceptions itself: the edge maps them")
    return problems


HANDLERS = {name: (function, kind) for name, function, kind in _handlers()}


def test_the_check_finds_every_callable_of_the_contract_and_every_http_and_pubsub_function() -> None:
    from gitalong.contract.callables import CALLABLES

    kinds = [kind for _, kind in HANDLERS.values()]
    assert {kind: kinds.count(kind) for kind in RUNNERS} == {
        "on_call": len(CALLABLES), "on_request": 3, "on_message_published": 6,
    }


@pytest.mark.parametrize("name", sorted(HANDLERS))
def test_every_callable_http_and_pubsub_handler_only_hands_its_input_to_its_edge_runner(name: str) -> None:
    assert _bypasses(*HANDLERS[name]) == []


def test_the_check_refuses_a_handler_that_parses_its_message_by_hand() -> None:
    [function] = ast.parse(
        "@pubsub_fn.on_message_published(topic=topics.X)\n"
        "def h(event):\n"
        "    uid = event.data.message.json['uid']\n"
        "    run_message('h', event, M, lambda m, d: go(uid))\n"
    ).body
    assert isinstance(function, ast.FunctionDef)
    assert _bypasses(function, "on_message_published") == ["reads 'event' itself (line 3): parsing belongs to the edge"]


def _string_topics(tree: ast.AST) -> list[str]:
    """String literals given as a topic: ``topic="..."`` or the first argument of a publish call."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        candidates = [k.value for k in node.keywords if k.arg == "topic"]
        if name in ("publish", "publisher", "handoff") and node.args:
            candidates.append(node.args[0])
        found += [f"line {c.lineno}: {c.value!r}" for c in candidates if isinstance(c, ast.Constant)]
    return found


@pytest.mark.parametrize(
    "path",
    [*HANDLER_MODULES, *sorted((ROOT / "shared" / "gitalong").rglob("*.py"))],
    ids=lambda path: str(path.relative_to(ROOT)),
)
def test_topic_names_come_from_the_contract_not_from_string_literals(path: Path) -> None:
    assert _string_topics(ast.parse(path.read_text())) == []


def test_the_topics_module_imports_nothing_so_handler_modules_may_import_it_at_cold_start() -> None:
    probe = (
        "import sys; before = set(sys.modules); from gitalong.contract import topics; "
        "print(sorted(set(sys.modules) - before))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == str(["gitalong", "gitalong.contract", "gitalong.contract.topics"])
