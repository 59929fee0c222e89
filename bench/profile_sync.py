"""Profile sync throughput: in-process cost per profile, and profiles per second through the trigger.

1. In process: validate + normalize (taxonomy) + source hash + the three vectors, per
   profile, over synthetic profiles (target < 2 ms per profile).
2. On the emulator: write N ``users/{uid}`` documents at once and time until every
   ``profiles/{uid}`` card exists (skipped with ``--no-emulator``). Starts its own suite on
   ``$GITALONG_EMULATOR_PORT_OFFSET`` unless the emulator variables of a running one are set.

    ./dev bench profile_sync [--profiles N] [--trigger N] [--no-emulator]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tools"), str(ROOT / "tests")]

SKILLS = ["js", "Python", "react", "node js", "ML", "pytorch", "flutter", "dart", "k8s", "docker", "golang",
          "Rust", "postgres", "figma", "ui/ux", "Quantum Knitting", "c++", "c#", "aws", "tf", "Solidity"]
WORDS = [
    "build", "mobile", "apps", "with", "flutter", "and", "firebase", "mentor", "students", "in", "machine",
    "learning", "looking", "for", "a", "backend", "engineer", "who", "knows", "go", "kubernetes", "to",
    "scale", "our", "api", "design", "systems", "figma", "data", "pipelines", "spark", "airflow",
]


def synthetic(rng: random.Random) -> dict[str, Any]:
    return {
        "display_name": f"Dev {rng.randrange(10**6)}",
        "bio": " ".join(rng.choices(WORDS, k=40)),
        "city": rng.choice(["Lagos", "Berlin", "Pune", "Lima"]),
        "role": rng.choice(["student", "contributor", "maintainer", "mentor"]),
        "skills": rng.sample(SKILLS, 8),
        "tech_stack": rng.sample(SKILLS, 4),
        "skills_to_offer": " ".join(rng.choices(WORDS, k=25)),
        "services_needed": " ".join(rng.choices(WORDS, k=25)),
        "email": "x@example.test",
        "fcm_tokens": ["t"],
    }


def in_process(n: int) -> None:
    from gitalong.matching.encode import profile_vectors
    from gitalong.profiles.model import build_card, source_hash, validate, vector_skills

    rng = random.Random(7)
    users = [synthetic(rng) for _ in range(n)]
    for user in users[:50]:  # warm caches (taxonomy load, hashing tables)
        profile, _ = validate(user)
        assert profile is not None
        card = build_card(profile)
        profile_vectors(card["skills_to_offer"], card["services_needed"], vector_skills(card))
    timings = []
    for user in users:
        started = time.perf_counter()
        profile, _ = validate(user)
        assert profile is not None
        card = build_card(profile)
        source_hash(card)
        profile_vectors(card["skills_to_offer"], card["services_needed"], vector_skills(card))
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    print(f"in-process validate+normalize+hash+vectors: {n} profiles, "
          f"median {statistics.median(timings):.3f} ms, p95 {timings[int(0.95 * n)]:.3f} ms, "
          f"mean {statistics.fmean(timings):.3f} ms per profile (target < 2 ms)")


def through_trigger(n: int) -> None:
    import os

    import environment
    from emulators import EmulatorSuite, Endpoints
    from support.emulators import Emulators

    endpoints = Endpoints.from_environment()
    suite = None
    if endpoints is None:
        suite = EmulatorSuite(environment.emulator_env(Path(sys.executable)))
        endpoints = suite.start()
    os.environ.update(endpoints.client_env())
    try:
        emulators = Emulators(endpoints)
        db = emulators.firestore()
        rng = random.Random(11)
        # warm the worker (first call pays the cold start)
        warm = f"warm{uuid.uuid4().hex[:8]}"
        db.collection("users").document(warm).set(synthetic(rng))
        _wait(db, [warm], 120)
        uids = [f"b{uuid.uuid4().hex[:16]}" for _ in range(n)]
        started = time.monotonic()
        for i in range(0, n, 250):
            batch = db.batch()
            for uid in uids[i:i + 250]:
                batch.set(db.collection("users").document(uid), synthetic(rng))
            batch.commit()
        _wait(db, uids, 600)
        elapsed = time.monotonic() - started
        print(f"through the trigger on the emulator: {n} profiles in {elapsed:.1f} s = {n / elapsed:.1f} profiles/s")
    finally:
        if suite is not None:
            suite.stop()


def _wait(db: Any, uids: list[str], timeout: float) -> None:
    pending = set(uids)
    deadline = time.monotonic() + timeout
    while pending:
        refs = [db.collection("profiles").document(u) for u in list(pending)[:300]]
        for snap in db.get_all(refs):
            if snap.exists:
                pending.discard(snap.id)
        if pending and time.monotonic() > deadline:
            raise SystemExit(f"{len(pending)} cards missing after {timeout:.0f} s")
        if pending:
            time.sleep(0.2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=2000)
    parser.add_argument("--trigger", type=int, default=100)
    parser.add_argument("--no-emulator", action="store_true")
    args = parser.parse_args()
    in_process(args.profiles)
    if not args.no_emulator:
        through_trigger(args.trigger)


if __name__ == "__main__":
    main()
