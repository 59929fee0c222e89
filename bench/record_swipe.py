"""``record_swipe`` round trip through the emulators vs a trivial echo callable, same run.

    ./dev bench record_swipe [--calls 500] [--warmup 600]

Starts its own suite (ports moved by ``$GITALONG_EMULATOR_PORT_OFFSET``) from a config
that adds ``bench/_echo`` as a second codebase, so the echo callable (``bench_echo``)
never ships with the app. Calls alternate echo / record_swipe, one at a time, so both see
the same machine load, after a warm-up long enough for the Java Firestore emulator's JIT
to settle: its per-RPC latency keeps falling over the first few hundred transactions
(with 20 warm-up calls, record_swipe measured ~14 ms p50; with 600, ~8 ms), which says
something about the emulator, not about the function or production Firestore. Prints p50/p95/mean and the p50/p95 ratio.
Each swipe hits a fresh target (no match); swipers rotate to stay under 100 swipes/min.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tools"), str(ROOT / "tests")]

import environment  # noqa: E402
from emulators import EmulatorSuite, config_with_port_offset  # noqa: E402
from support.emulators import Emulators  # noqa: E402

ECHO = ROOT / "bench" / "_echo"
PER_SWIPER = 90  # under the 100/min bucket


def _bench_config(offset: int) -> Path:
    """``firebase.offset-N.json`` plus the bench codebase, written beside firebase.json."""
    config = json.loads(config_with_port_offset(offset).read_text())
    config["functions"] = [*config["functions"], {"source": "bench/_echo", "codebase": "bench",
                                                  "runtime": "python311", "ignore": ["venv", "__pycache__"]}]
    path = ROOT / f"firebase.offset-{offset}.json"  # git-ignored name
    path.write_text(json.dumps(config, indent=2))
    return path


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _summary(name: str, ms: list[float]) -> str:
    return (f"{name:<13} n={len(ms):<4} p50={_percentile(ms, .5):7.1f} ms  p95={_percentile(ms, .95):7.1f} ms  "
            f"mean={statistics.fmean(ms):7.1f} ms")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--warmup", type=int, default=600)
    args = parser.parse_args()
    offset = int(os.environ.get("GITALONG_EMULATOR_PORT_OFFSET", "0"))

    venv_link = ECHO / "venv"
    if not venv_link.exists():
        venv_link.symlink_to(ROOT / "functions" / "venv")
    suite = EmulatorSuite(environment.emulator_env(Path(sys.executable)), port_offset=offset)
    suite._config = _bench_config(offset)
    try:
        endpoints = suite.start()
        os.environ.update(endpoints.client_env())
        emulators = Emulators(endpoints)
        emulators.clear_firestore()
        db = emulators.firestore()
        total = args.calls + args.warmup
        targets = [f"t{uuid.uuid4().hex[:12]}" for _ in range(total)]
        swipers = [f"s{uuid.uuid4().hex[:12]}" for _ in range(total // PER_SWIPER + 1)]
        for start in range(0, len(targets + swipers), 400):
            batch = db.batch()
            for uid in (targets + swipers)[start:start + 400]:
                batch.set(db.collection("profiles").document(uid), {"display_name": uid})
            batch.commit()

        timings: dict[str, list[float]] = {"bench_echo": [], "record_swipe": []}
        for i, target in enumerate(targets):
            swiper = swipers[i // PER_SWIPER]
            for name, data in (("bench_echo", {"n": i}),
                               ("record_swipe", {"target_id": target, "direction": "right"})):
                began = time.perf_counter()
                result = emulators.call(name, data, uid=swiper)
                elapsed = (time.perf_counter() - began) * 1000
                if result.status != "OK":
                    raise SystemExit(f"{name} failed: {result.error}")
                if i >= args.warmup:
                    timings[name].append(elapsed)
        echo, swipe = timings["bench_echo"], timings["record_swipe"]
        print(_summary("bench_echo", echo))
        print(_summary("record_swipe", swipe))
        print(f"ratio record_swipe/echo: p50 {_percentile(swipe, .5) / _percentile(echo, .5):.2f}x  "
              f"p95 {_percentile(swipe, .95) / _percentile(echo, .95):.2f}x  (target <= 3x)")
        print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    finally:
        suite.stop()
        if venv_link.is_symlink():
            venv_link.unlink()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
