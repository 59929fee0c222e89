"""``./dev``: set up, run and test GitAlong's backend on the Firebase emulators.

    ./dev run       start auth, functions, firestore and pubsub emulators with seed data
    ./dev test      run the whole test suite (starts its own emulators)
    ./dev setup     only install what is missing (venvs, firebase-tools, Java, launcher)
    ./dev schemas   write the callables' JSON Schemas into schemas/
    ./dev lint      ruff and mypy
    ./dev bench X   run bench/X.py

Standard library only until the venvs exist; every step is idempotent.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import emulators  # noqa: E402
import environment  # noqa: E402


def _fail(message: str) -> int:
    print(f"dev: {message}", file=sys.stderr)
    return 1


def _in_dev_venv(dev_python: Path, args: list[str], extra_env: dict[str, str] | None = None) -> int:
    env = {**os.environ, **(extra_env or {})}
    return subprocess.call([str(dev_python), *args], cwd=ROOT, env=env)


def cmd_setup() -> int:
    environment.ensure_all()
    print("[setup] ready")
    return 0


def _start_fake_cloudinary(env: dict[str, str]) -> Any:
    """Media talks to the local fake Cloudinary (tests/fakes) unless CLOUDINARY_URL names a real one."""
    if os.environ.get("CLOUDINARY_URL"):
        return None
    sys.path.insert(0, str(ROOT / "tests"))
    from fakes import cloudinary_server

    env.update(cloudinary_server.emulator_env())  # firebase-tools hands its environment to the workers
    fake = cloudinary_server.ensure_running()
    print(f"[run] fake Cloudinary API on {env['CLOUDINARY_UPLOAD_PREFIX']} (cloud {cloudinary_server.CLOUD_NAME})")
    return fake


def cmd_run() -> int:
    """The main job: the emulator suite with our functions and seed data, until Ctrl-C."""
    dev_python = environment.ensure_all()
    env = environment.emulator_env(dev_python)
    cloudinary = _start_fake_cloudinary(env)
    suite = emulators.EmulatorSuite(env, log=sys.stdout)
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print("[run] starting the emulator suite (auth, functions, firestore, pubsub) on demo-gitalong")
    try:
        endpoints = suite.start()
        client_env = endpoints.client_env()
        print("[run] loading seed data")
        code = _in_dev_venv(dev_python, ["emulator-config/seed.py"], client_env)
        if code != 0:
            raise emulators.EmulatorError("loading the seed data failed (see above)")
        print(_banner(endpoints))
        stop.wait()
    except emulators.EmulatorError as err:
        suite.stop()
        if cloudinary is not None:
            cloudinary.stop()
        return _fail(str(err))
    print("\n[run] stopping the emulators")
    suite.stop()
    if cloudinary is not None:
        cloudinary.stop()
    print("[run] stopped")
    return 0


def _banner(endpoints: emulators.Endpoints) -> str:
    lines = [
        "",
        "GitAlong emulator suite is up (project demo-gitalong). Ctrl-C stops it.",
        f"  auth       http://{endpoints.auth}",
        f"  firestore  http://{endpoints.firestore}",
        f"  pubsub     http://{endpoints.pubsub}",
        f"  functions  http://{endpoints.functions}/{emulators.PROJECT_ID}/{emulators.REGION}/<name>",
        f"  health     {endpoints.function_url('health')}",
        "To run the tests against this suite (it clears Firestore between tests):",
        "  " + " ".join(f"{k}={v}" for k, v in endpoints.client_env().items()) + " ./dev test",
    ]
    return "\n".join(lines)


def cmd_test(args: list[str]) -> int:
    dev_python = environment.ensure_all()
    # The harness (tests/conftest.py) starts its own suite unless the variables name one.
    code = subprocess.call([str(dev_python), "-m", "pytest", *args], cwd=ROOT)
    return 0 if code == 5 and args else code  # 5: a selection matched no test


def cmd_schemas() -> int:
    dev_python = environment.ensure_dev_venv()
    return _in_dev_venv(dev_python, ["tools/write_schemas.py"])


def cmd_lint() -> int:
    dev_python = environment.ensure_dev_venv()
    bin_dir = dev_python.parent
    code = subprocess.call([str(bin_dir / "ruff"), "check", "."], cwd=ROOT)
    return code or subprocess.call([str(bin_dir / "mypy")], cwd=ROOT)


def cmd_bench(args: list[str]) -> int:
    if not args:
        names = sorted(p.stem for p in (ROOT / "bench").glob("*.py") if not p.stem.startswith("_"))
        return _fail(f"name a benchmark: {', '.join(names)}")
    dev_python = environment.ensure_all()
    env = environment.emulator_env(dev_python)
    return subprocess.call([str(dev_python), f"bench/{args[0]}.py", *args[1:]], cwd=ROOT, env=env)


def main(argv: list[str]) -> int:
    command, args = (argv[0], argv[1:]) if argv else ("help", [])
    commands = {
        "setup": lambda: cmd_setup(),
        "run": lambda: cmd_run(),
        "test": lambda: cmd_test(args),
        "schemas": lambda: cmd_schemas(),
        "lint": lambda: cmd_lint(),
        "bench": lambda: cmd_bench(args),
    }
    if command not in commands:
        print(__doc__)
        return 0 if command in ("help", "-h", "--help") else 2
    try:
        return commands[command]()
    except (environment.SetupError, emulators.EmulatorError) as err:
        return _fail(str(err))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
