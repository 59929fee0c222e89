"""``block_user``: end any match, hide each user from the other, refuse later swipes.

``blocks/{blocker}_{blocked}`` is what ``record_swipe`` checks (both directions) and what
the recommendation code should filter on (:func:`blocked_ids`). Blocking also removes the
swipes between the two (so neither shows up in the other's "interested" lists) and takes
each out of the other's precomputed ``recommendations`` document.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from gitalong.core.errors import InvalidArgument
from gitalong.infra import firestore
from gitalong.matching import store as matching_store
from gitalong.safety import store
from gitalong.swipes import matches
from gitalong.swipes import model as rules
from gitalong.swipes import store as swipes_store

if TYPE_CHECKING:
    from gitalong.contract.callables import BlockUserRequest

logger = logging.getLogger(__name__)


def block_user(uid: str, request: BlockUserRequest) -> dict[str, Any]:
    """Block ``request.target_id`` for ``uid`` (idempotent)."""
    from gitalong.infra.firestore import SERVER_TIMESTAMP

    target = request.target_id
    if target == uid:
        raise InvalidArgument("you cannot block yourself", [{"field": "target_id", "message": "is you"}])
    db = firestore.client()
    block_ref = store.block_ref(db, uid, target)
    # The block first: from here on record_swipe refuses swipes between the two.
    block_ref.set({"blocker_id": uid, "blocked_id": target, "created_at": SERVER_TIMESTAMP})
    matches.end_match(uid, rules.match_id(uid, target), reason="blocked", missing_ok=True)

    doomed = [swipes_store.swipe_ref(db, a, b) for a, b in ((uid, target), (target, uid))]
    for swiper, owner in ((uid, target), (target, uid)):
        # right swipes on the other's projects, as listed in project_interest/{swiper}_{owner}
        interest_ref = swipes_store.interest_ref(db, swiper, owner)
        interest = interest_ref.get()
        for project_id in (interest.to_dict() or {}).get("project_ids") or [] if interest.exists else []:
            doomed.append(swipes_store.swipe_ref(db, swiper, str(project_id)))
        doomed.append(interest_ref)
    batch = db.batch()
    for ref in doomed:
        batch.delete(ref)
    batch.commit()

    for owner, hidden in ((uid, target), (target, uid)):
        _drop_recommendation(owner, hidden)
    logger.info("%s blocked %s: match ended, swipe records removed", uid, target)
    return {"ok": True}


def _drop_recommendation(owner: str, hidden: str) -> None:
    """Take ``hidden`` out of ``recommendations/{owner}`` (items and candidate_ids)."""
    from gitalong.infra.firestore import ArrayRemove
    from gitalong.infra.transactions import run_transaction

    ref = matching_store.recommendations_ref(firestore.client(), owner)

    def run(tx: Any) -> None:
        (snap,) = tx.get_all([ref])
        if not snap.exists:
            return
        items = (snap.to_dict() or {}).get("items") or []
        kept = [item for item in items if not (isinstance(item, dict) and item.get("id") == hidden)]
        if len(kept) != len(items):
            tx.update(ref, {"items": kept, "candidate_ids": ArrayRemove([hidden])})

    run_transaction(run)


def blocked_ids(uid: str) -> set[str]:
    """Everyone ``uid`` blocked or was blocked by: never recommend or show them to ``uid``.

    """
    return store.blocked_ids(firestore.client(), [uid])[uid]
