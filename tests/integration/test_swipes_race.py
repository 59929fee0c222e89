"""Two users swiping right on each other at the same moment make exactly one match.

The emulator's transactions resolve such a conflict slowly (one side waits ~2 s on a
lock, then one commits and the other retries), so the rounds run in waves of
concurrent pairs to stay within the test budget. Individual calls may fail with
ABORTED/UNAVAILABLE-style errors under contention; the invariants must hold regardless.
"""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from support.emulators import CallResult, Emulators

ROUNDS = 50
PAIRS_PER_WAVE = 5
TOLERATED = {"ABORTED", "UNAVAILABLE", "DEADLINE_EXCEEDED", "INTERNAL", "CLIENT_TIMEOUT", "NO_RESULT"}


def _call(emulators: Emulators, uid: str, data: dict[str, Any], timeout: float) -> CallResult:
    """A call that answers within ``timeout`` s or counts as a (tolerated) client timeout."""
    import requests

    try:
        result = emulators.call("record_swipe", data, uid=uid, timeout=timeout)
    except requests.RequestException as err:
        return CallResult(0, error={"status": "CLIENT_TIMEOUT", "message": str(err)})
    if result.status == "OK" and not isinstance(result.result, dict):  # e.g. a worker that hung up
        return CallResult(result.http_status, error={"status": "NO_RESULT", "message": repr(result.result)})
    return result


def test_racing_mutual_swipes_make_exactly_one_match_per_pair(emulators: Emulators, db: Any) -> None:
    pairs = [(f"ra{uuid.uuid4().hex[:10]}", f"rb{uuid.uuid4().hex[:10]}") for _ in range(ROUNDS)]
    batch = db.batch()
    for a, b in pairs:
        for uid in (a, b):
            batch.set(db.collection("profiles").document(uid), {"display_name": uid})
    batch.commit()

    outcomes: dict[tuple[str, str], CallResult] = {}
    with ThreadPoolExecutor(max_workers=2 * PAIRS_PER_WAVE) as pool:
        # Warm up: the functions emulator starts one Python worker per concurrent call.
        warm = [pool.submit(_call, emulators, "warm", {"target_id": "x", "direction": "up"}, 120)
                for _ in range(2 * PAIRS_PER_WAVE)]
        assert {f.result().status for f in warm} == {"INVALID_ARGUMENT"}
        for start in range(0, ROUNDS, PAIRS_PER_WAVE):
            wave = pairs[start : start + PAIRS_PER_WAVE]
            gate = threading.Barrier(2 * len(wave))

            def swipe(me: str, other: str, gate: threading.Barrier = gate) -> tuple[tuple[str, str], CallResult]:
                gate.wait(timeout=30)
                data = {"target_id": other, "direction": "right"}
                return (me, other), _call(emulators, me, data, timeout=60)

            futures = [pool.submit(swipe, me, other) for a, b in wave for me, other in ((a, b), (b, a))]
            outcomes.update(f.result(timeout=120) for f in futures)

    failures = [r.status for r in outcomes.values() if r.status != "OK"]
    assert set(failures) <= TOLERATED, failures
    assert len(failures) <= ROUNDS // 5, f"too many failed calls: {failures}"
    for a, b in pairs:
        match_id = "_".join(sorted((a, b)))
        results = [outcomes[(a, b)], outcomes[(b, a)]]
        ok = [r.result for r in results if r.status == "OK"]
        # every call that reports a match names the one deterministic match
        assert all(r["match_id"] == match_id for r in ok if r["matched"])
        # no lost swipes: every call that succeeded left its swipe behind
        for (me, other), result in ((k, outcomes[k]) for k in ((a, b), (b, a))):
            if result.status == "OK":
                assert db.collection("swipes").document(f"{me}_{other}").get().get("direction") == "right"
        if len(ok) == 2:
            assert any(r["matched"] for r in ok), f"both calls for {match_id} missed the match"
            assert db.collection("matches").document(match_id).get().get("participants") == sorted((a, b))
    # exactly one match per pair (one id, created once: its counters moved once), none besides
    from gitalong.infra import counters

    matches = {snap.id for snap in db.collection("matches").stream()}
    expected = {"_".join(sorted(p)) for p in pairs if all(outcomes[k].status == "OK" for k in (p, p[::-1]))}
    assert expected <= matches <= {"_".join(sorted(p)) for p in pairs}
    for a, b in pairs:
        created = int("_".join(sorted((a, b))) in matches)
        assert counters.read(a)["matches"] == counters.read(b)["matches"] == created
