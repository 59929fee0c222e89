"""The README's main job: ``./dev run`` brings the suite up with seed data and Ctrl-C ends it cleanly."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests

from emulators import process_tree, start_time
from support.emulators import wait_for

ROOT = Path(__file__).resolve().parents[2]


def _alive(tree: dict[int, str]) -> list[int]:
    """Processes of ``tree`` still running (not gone, not a zombie waiting to be reaped)."""

    def running(pid: int) -> bool:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return False
        return state != "Z"

    return [pid for pid, started in tree.items() if start_time(pid) == started and running(pid)]


@pytest.mark.slow
def test_dev_run_seeds_the_suite_prints_endpoints_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    # Far from the suite's own ports and from its function workers' (8081 and up, which reached
    # 8585 = pubsub at +500 once on a fresh clone), below the ephemeral range (32768+).
    offset = int(os.environ.get("GITALONG_EMULATOR_PORT_OFFSET", "0")) + 20500
    env = {k: v for k, v in os.environ.items() if not k.endswith("_EMULATOR_HOST")}
    env["GITALONG_EMULATOR_PORT_OFFSET"] = str(offset)
    log = tmp_path / "run.log"
    with log.open("w") as out:
        job = subprocess.Popen(["./dev", "run"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                               start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        while "Ctrl-C stops it" not in log.read_text(errors="replace"):
            assert job.poll() is None, f"./dev run exited early:\n{log.read_text()[-3000:]}"
            assert time.monotonic() < deadline, f"./dev run not ready in time:\n{log.read_text()[-3000:]}"
            time.sleep(0.5)
        text = log.read_text()
        seeded = re.search(r"seeded (\d+) users, (\d+) projects", text)
        assert seeded and int(seeded.group(1)) >= 30 and int(seeded.group(2)) >= 5
        health = re.search(r"health\s+(http://\S+)", text)
        assert health
        assert requests.get(health.group(1), timeout=30).json()["status"] == "healthy"
        tree = process_tree(job.pid)
        assert len(tree) >= 3, "the suite's processes (node, java emulators, workers) should be visible"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(job.pid, signal.SIGINT)
        code = job.wait(timeout=60)
    assert code == 0, log.read_text()[-3000:]
    assert "[run] stopped" in log.read_text()
    wait_for(lambda: not _alive(tree), timeout=15, what="every process of the suite to end")
