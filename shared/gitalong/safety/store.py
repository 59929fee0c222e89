"""Where the safety area keeps its data: ``blocks/{blocker}_{blocked}`` and ``reports/{id}``."""

from __future__ import annotations

from typing import Any

from gitalong.infra.firestore import FieldFilter
from gitalong.swipes import model as rules

BLOCKS = "blocks"
REPORTS = "reports"
_IN_CHUNK = 30  # Firestore's limit on an ``in`` filter's values


def block_ref(db: Any, blocker: str, blocked: str) -> Any:
    return db.collection(BLOCKS).document(rules.block_doc_id(blocker, blocked))


def report_ref(db: Any, report_id: str) -> Any:
    return db.collection(REPORTS).document(report_id)


def blocked_ids(db: Any, uids: list[str]) -> dict[str, set[str]]:
    """Users each of ``uids`` blocked or was blocked by."""
    out: dict[str, set[str]] = {u: set() for u in uids}
    for i in range(0, len(uids), _IN_CHUNK):
        chunk = uids[i : i + _IN_CHUNK]
        for mine, other in (("blocker_id", "blocked_id"), ("blocked_id", "blocker_id")):
            query = db.collection(BLOCKS).where(filter=FieldFilter(mine, "in", chunk))
            for snap in query.select([mine, other]).stream():
                d = snap.to_dict()
                if d.get(mine) in out and d.get(other):
                    out[d[mine]].add(str(d[other]))
    return out
