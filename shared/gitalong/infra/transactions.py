"""Read-write transactions that begin inside their first read: one round trip fewer.

``google.cloud.firestore.transactional`` sends ``BeginTransaction`` before the body runs,
then the body's reads, then ``Commit``: three sequential round trips. ``BatchGetDocuments``
can start the transaction itself (its ``new_transaction`` option), which is what the Node
SDK does since its "lazy-started transactions" (googleapis/nodejs-firestore#2017). Here:

    result = run_transaction(lambda tx: body(tx))   # body reads with tx.get_all(refs)

Retries follow the SDK's ``transactional``: a commit that answers ``ABORTED`` is retried
(after a jittered exponential back-off, as Google's client libraries do for contention),
up to ``max_attempts``, as ``retry_transaction`` of the first attempt (so it keeps its
place in the lock queue); any other failure, in the body or the commit, rolls the
transaction back and propagates.
After the attempts run out: :class:`RetriesExhausted` (a ``ValueError`` with the SDK's
message, "Failed to commit transaction in N attempts"). :data:`CONTENTION` names both ways
a transaction loses to concurrent ones, for callers that answer ``UNAVAILABLE``.
This leans on private members of ``google-cloud-firestore`` 2.x
(``_id``, ``_write_pbs``, ``_clean_up``, ``_begin``, ``_commit``, ``_rollback``); the version
is pinned in both requirements files and the swipe integration tests exercise every path.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from google.api_core import exceptions
from google.cloud.firestore_v1 import Transaction
from google.cloud.firestore_v1.base_client import _parse_batch_get, _reference_info

from gitalong.infra import firestore

T = TypeVar("T")
MAX_ATTEMPTS = 5


class RetriesExhausted(ValueError):
    """Every attempt's commit lost to a concurrent transaction (a ``ValueError``, as the SDK's)."""


CONTENTION: tuple[type[Exception], ...] = (exceptions.Aborted, RetriesExhausted)
"""What a transaction raises when it lost to concurrent ones: the caller may retry later."""


class LazyTransaction(Transaction):
    """A ``Transaction`` whose first :meth:`get_all` also begins it."""

    retry_id: bytes | None = None  # the first failed attempt's id, when retrying

    def get_all(self, references: Iterable[Any], *args: Any, **kwargs: Any) -> Iterator[Any]:  # type: ignore[override]
        """Snapshots of ``references``, read in this transaction (begun here if not yet)."""
        if self.in_progress:
            return super().get_all(list(references), *args, **kwargs)
        return iter(self._begin_with_read(list(references)))

    def _begin_with_read(self, references: list[Any]) -> list[Any]:
        client = self._client
        paths, reference_map = _reference_info(references)
        request = {
            "database": client._database_string,
            "documents": paths,
            "new_transaction": self._options_protobuf(self.retry_id) or {"read_write": {}},
        }
        snapshots = []
        for response in client._firestore_api.batch_get_documents(request=request, metadata=client._rpc_metadata):
            if response.transaction:
                self._id = response.transaction
            if response._pb.WhichOneof("result"):
                snapshots.append(_parse_batch_get(response, reference_map, client))
        if not self.in_progress:  # the protocol promises the id in the first response
            raise exceptions.Aborted("BatchGetDocuments did not begin the transaction")
        return snapshots


BACKOFF_BASE_S = 0.01
BACKOFF_CAP_S = 0.5


def _back_off(attempt: int) -> None:
    """Wait a random time up to ``BACKOFF_BASE_S * 2**attempt`` (capped) before retrying.

    Two transactions that keep aborting each other and retry at once can lose to each other
    until the attempts run out (seen on the emulator under load); full jitter spreads them out.
    """
    time.sleep(random.uniform(0, min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2**attempt)))


def run_transaction(body: Callable[[LazyTransaction], T], max_attempts: int = MAX_ATTEMPTS) -> T:
    """Run ``body(tx)`` in a read-write transaction and commit it; see the module docstring."""
    tx = LazyTransaction(firestore.client(), max_attempts=max_attempts)
    last: Exception | None = None
    for attempt in range(max_attempts):
        if attempt:
            _back_off(attempt)
        tx._clean_up()
        try:
            result = body(tx)
            if not tx.in_progress:  # the body read nothing: begin now, for the commit
                tx._begin(retry_id=tx.retry_id)
        except BaseException:
            if tx.in_progress:
                tx._rollback()
            raise
        try:
            tx._commit()
            return result
        except exceptions.Aborted as exc:  # lost to a concurrent transaction: run the body again
            last = exc
            tx.retry_id = tx.retry_id or tx._id
        except BaseException:
            tx._rollback()
            raise
    raise RetriesExhausted(f"Failed to commit transaction in {max_attempts} attempts.") from last
