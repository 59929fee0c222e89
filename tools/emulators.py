"""Start, wait for and stop the Firebase Emulator Suite (auth, functions, firestore, pubsub).

Used by ``./dev run`` and by the pytest harness. Standard library only. The suite runs
in its own process group so that stopping it also ends the Java emulators and the
Python function workers firebase-tools leaves behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parent.parent
PROJECT_ID = "demo-gitalong"
REGION = "us-central1"
SERVICES = ("auth", "functions", "firestore", "pubsub")


class EmulatorError(RuntimeError):
    """The suite could not start; the message is one line saying what and how to fix it."""


def require_demo_project(project_id: str) -> str:
    """Refuse any project id that could reach a real Firebase project."""
    if not project_id.startswith("demo-"):
        raise EmulatorError(
            f"project id {project_id!r} is not a demo- project: GitAlong's tools only run "
            "against the emulators (use demo-gitalong)"
        )
    return project_id


@dataclass(frozen=True)
class Endpoints:
    """Where each emulator listens."""

    auth: str
    functions: str
    firestore: str
    pubsub: str
    hub: str

    @classmethod
    def from_config(cls, config_path: Path = ROOT / "firebase.json") -> Endpoints:
        emulators = json.loads(config_path.read_text())["emulators"]

        def address(name: str) -> str:
            return f"{emulators[name].get('host', '127.0.0.1')}:{emulators[name]['port']}"

        return cls(*(address(name) for name in (*SERVICES, "hub")))

    @classmethod
    def from_environment(cls) -> Endpoints | None:
        """The endpoints of a suite somebody else started, if its variables are set."""
        names = ("FIREBASE_AUTH_EMULATOR_HOST", "FUNCTIONS_EMULATOR_HOST", "FIRESTORE_EMULATOR_HOST",
                 "PUBSUB_EMULATOR_HOST")
        auth, functions, firestore, pubsub = (os.environ.get(name, "") for name in names)
        if not (auth and functions and firestore and pubsub):
            return None
        hub = os.environ.get("FIREBASE_EMULATOR_HUB", "127.0.0.1:4400")
        return cls(auth=auth, functions=functions, firestore=firestore, pubsub=pubsub, hub=hub)

    def client_env(self) -> dict[str, str]:
        """The variables that point clients (and a second test run) at this suite."""
        return {
            "GCLOUD_PROJECT": PROJECT_ID,
            "GOOGLE_CLOUD_PROJECT": PROJECT_ID,
            "FIREBASE_AUTH_EMULATOR_HOST": self.auth,
            "FUNCTIONS_EMULATOR_HOST": self.functions,
            "FIRESTORE_EMULATOR_HOST": self.firestore,
            "PUBSUB_EMULATOR_HOST": self.pubsub,
            "FIREBASE_EMULATOR_HUB": self.hub,
        }

    def function_url(self, name: str) -> str:
        return f"http://{self.functions}/{PROJECT_ID}/{REGION}/{name}"


def _port_free(address: str) -> bool:
    host, port = address.rsplit(":", 1)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, int(port)))
        except OSError:
            return False
    return True


def _answers(url: str, timeout: float = 2.0, ok_only: bool = False) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return bool(200 <= response.status < 300 or (not ok_only and response.status < 500))
    except urllib.error.HTTPError as err:
        return not ok_only and err.code < 500
    except (urllib.error.URLError, OSError):
        return False


def wait_until_ready(endpoints: Endpoints, deadline_s: float, alive: Callable[[], bool] = lambda: True) -> None:
    """Poll each emulator (and the ``health`` function) until all answer or the deadline passes."""
    checks = {
        "firestore": f"http://{endpoints.firestore}/",
        "auth": f"http://{endpoints.auth}/",
        "pubsub": f"http://{endpoints.pubsub}/",
        "functions": endpoints.function_url("health"),
    }
    pending = dict(checks)
    deadline = time.monotonic() + deadline_s
    while pending:
        if not alive():
            raise EmulatorError("the emulator suite exited while starting")
        for name, url in list(pending.items()):
            if _answers(url, ok_only=name == "functions"):
                del pending[name]
        if pending and time.monotonic() > deadline:
            raise EmulatorError(
                f"the emulators did not answer within {deadline_s:.0f} s: {', '.join(sorted(pending))}"
            )
        if pending:
            time.sleep(0.25)


def config_with_port_offset(offset: int) -> Path:
    """firebase.json with every emulator port moved by ``offset`` (for suites side by side)."""
    if offset == 0:
        return ROOT / "firebase.json"
    config = json.loads((ROOT / "firebase.json").read_text())
    for settings in config["emulators"].values():
        if not isinstance(settings, dict):
            continue
        for key in ("port", "websocketPort"):
            if key in settings:
                settings[key] += offset
    # The Eventarc and Cloud Tasks emulators start with the functions emulator on fixed default
    # ports (9299, 9499) and fall back to the next free port, which can be another suite's
    # offset hub/logging port: pin them, moved by the same offset.
    for name, default in (("eventarc", 9299), ("tasks", 9499)):
        config["emulators"].setdefault(name, {"host": "127.0.0.1", "port": default + offset})
    # Written beside firebase.json: firebase-tools resolves the config's paths from its folder.
    path = ROOT / f"firebase.offset-{offset}.json"
    path.write_text(json.dumps(config, indent=2))
    return path


class EmulatorSuite:
    """A running ``firebase emulators:start`` in its own process group.

    ``port_offset`` (default: ``$GITALONG_EMULATOR_PORT_OFFSET`` or 0) moves every port,
    so that several suites can run side by side on one machine.
    """

    def __init__(self, env: dict[str, str], log: IO[str] | None = None, port_offset: int | None = None) -> None:
        if port_offset is None:
            port_offset = int(os.environ.get("GITALONG_EMULATOR_PORT_OFFSET", "0"))
        self._config = config_with_port_offset(port_offset)
        self.endpoints = Endpoints.from_config(self._config)
        self._env = env
        self._log = log
        self._process: subprocess.Popen[str] | None = None
        self._log_path = ROOT / ".cache" / f"emulators-{port_offset}.log"

    def start(self, deadline_s: float = 180.0) -> Endpoints:
        require_demo_project(PROJECT_ID)
        for name in (*SERVICES, "hub"):
            address = getattr(self.endpoints, name)
            if not _port_free(address):
                raise EmulatorError(
                    f"port {address} ({name} emulator) is already in use: stop what holds it "
                    f"(`ss -ltnp | grep {address.rsplit(':', 1)[1]}`), or export the emulator "
                    "variables that `./dev run` prints to reuse that suite"
                )
        self._log_path.parent.mkdir(exist_ok=True)
        output = self._log if self._log is not None else self._log_path.open("w")
        self._process = subprocess.Popen(
            ["firebase", "emulators:start", "--project", PROJECT_ID, "--only", ",".join(SERVICES),
             "--config", str(self._config)],
            cwd=ROOT,
            env=self._env,
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            text=True,
        )
        try:
            process = self._process
            wait_until_ready(self.endpoints, deadline_s, alive=lambda: process.poll() is None)
        except EmulatorError as err:
            self.stop()
            raise EmulatorError(f"{err}{self._diagnosis()}") from None
        return self.endpoints

    @property
    def log_path(self) -> Path | None:
        """Where the suite's output goes (None when the caller gave its own stream)."""
        return self._log_path if self._log is None else None

    def _diagnosis(self) -> str:
        """One hint from the suite's log: the first line that names a known cause."""
        if self._log is not None or not self._log_path.exists():
            return ""
        known = ("Could not start", "port", "java", "Java", "Error:", "error:", "Failed")
        for line in self._log_path.read_text(errors="replace").splitlines():
            if any(word in line for word in known):
                return f" ({line.strip()[:200]}; full log: {self._log_path})"
        return f" (full log: {self._log_path})"

    def stop(self, grace_s: float = 20.0) -> None:
        """Ctrl-C the whole group, then make sure nothing of it is left.

        firebase-tools starts the Java emulators detached (in groups of their own), so the
        processes to end are the whole tree below the suite, taken before it is signalled.
        """
        process, self._process = self._process, None
        if process is None:
            return
        tree = process_tree(process.pid)
        try:
            os.killpg(process.pid, signal.SIGINT)
        except ProcessLookupError:
            return
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=grace_s)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        for pid, started in tree.items():
            if start_time(pid) == started:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)


def start_time(pid: int) -> str | None:
    """The process's start time (field 22 of /proc/PID/stat), to tell it from a reused pid."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]


def process_tree(root: int) -> dict[int, str]:
    """Every descendant of ``root`` (pid → start time), read from /proc; empty where /proc is missing."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            ppid = int(Path(entry, "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    tree: dict[int, str] = {}
    pending = list(children.get(root, []))
    while pending:
        pid = pending.pop()
        started = start_time(pid)
        if started is not None:
            tree[pid] = started
            pending.extend(children.get(pid, []))
    return tree
