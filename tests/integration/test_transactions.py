"""``run_transaction``: transactions that begin inside their first read, on the emulator."""

from __future__ import annotations

import threading
import uuid
from typing import Any

import pytest

from gitalong.infra.transactions import LazyTransaction, run_transaction


def _ref(db: Any, collection: str = "tx_tests") -> Any:
    return db.collection(collection).document(uuid.uuid4().hex)


def test_the_first_read_begins_the_transaction_and_its_writes_commit(db: Any) -> None:
    present, absent, written = _ref(db), _ref(db), _ref(db)
    present.set({"n": 1})
    seen: dict[str, Any] = {}

    def body(tx: LazyTransaction) -> str:
        assert not tx.in_progress
        snaps = {snap.id: snap for snap in tx.get_all([present, absent])}
        seen["began"] = tx.in_progress
        seen["present"] = snaps[present.id].to_dict()
        seen["absent"] = snaps[absent.id].exists
        tx.set(written, {"copied": snaps[present.id].get("n")})
        return "done"

    assert run_transaction(body) == "done"
    assert seen == {"began": True, "present": {"n": 1}, "absent": False}
    assert (written.get().to_dict() or {}) == {"copied": 1}


def test_a_later_read_in_the_same_attempt_uses_the_begun_transaction(db: Any) -> None:
    first, second = _ref(db), _ref(db)
    first.set({"n": 1})
    second.set({"n": 2})

    def body(tx: LazyTransaction) -> list[int]:
        values = [snap.get("n") for snap in tx.get_all([first])]
        began = tx.id
        values += [snap.get("n") for snap in tx.get_all([second])]
        assert tx.id == began
        return values

    assert run_transaction(body) == [1, 2]


def test_a_body_that_reads_nothing_still_commits(db: Any) -> None:
    ref = _ref(db)
    run_transaction(lambda tx: tx.set(ref, {"blind": True}))
    assert (ref.get().to_dict() or {}) == {"blind": True}


def test_a_body_that_raises_writes_nothing_and_releases_its_locks(db: Any) -> None:
    ref = _ref(db)
    ref.set({"n": 1})

    def body(tx: LazyTransaction) -> None:
        list(tx.get_all([ref]))
        tx.set(ref, {"n": 2})
        raise RuntimeError("changed my mind")

    with pytest.raises(RuntimeError, match="changed my mind"):
        run_transaction(body)
    assert (ref.get().to_dict() or {}) == {"n": 1}
    ref.set({"n": 3}, timeout=10)  # rolled back: no lock left behind to wait for
    assert (ref.get().to_dict() or {}) == {"n": 3}


def test_concurrent_read_modify_writes_lose_no_update(db: Any) -> None:
    """Two threads increment one counter by read-then-write; conflicts abort and re-run."""
    ref = _ref(db)
    ref.set({"n": 0})
    per_thread, errors = 4, []
    runs = [0]

    def increment(tx: LazyTransaction) -> None:
        runs[0] += 1
        (snap,) = tx.get_all([ref])
        tx.update(ref, {"n": snap.get("n") + 1})

    def worker() -> None:
        try:
            for _ in range(per_thread):
                run_transaction(increment, max_attempts=10)
        except Exception as err:  # reported by the assertion below
            errors.append(err)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    assert (ref.get().to_dict() or {})["n"] == 2 * per_thread
    assert runs[0] >= 2 * per_thread
