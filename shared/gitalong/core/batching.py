"""Batching helpers (``itertools.batched`` arrives with Python 3.12; we run 3.11)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any


def chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """``items`` in lists of at most ``size``."""
    chunk: list[Any] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
