"""Transactions that lose to each other wait a jittered, growing, capped time before retrying."""

from __future__ import annotations

import pytest


def test_transaction_retries_back_off_with_jitter_up_to_a_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    from gitalong.infra import transactions

    waits: list[float] = []
    monkeypatch.setattr(transactions.time, "sleep", waits.append)
    monkeypatch.setattr(transactions.random, "uniform", lambda low, high: high)  # the longest wait
    for attempt in (1, 2, 3, 10):
        transactions._back_off(attempt)
    assert waits == [0.02, 0.04, 0.08, transactions.BACKOFF_CAP_S]
