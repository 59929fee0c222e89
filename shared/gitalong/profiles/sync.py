"""Keep ``profiles/{uid}`` (the public card, normalized skills, vectors) true to ``users/{uid}``.

Flow (see docs/profiles.md):

* :func:`on_user_written` is the Firestore trigger's body. It drops writes that change no
  field the card depends on (``fcm_tokens``, ``sync_error``…) without a single read, then
  calls :func:`sync_user`. A *transient* failure there (``ABORTED``, a timeout, an
  unavailable backend) is handed to the ``profile-sync`` topic, whose Pub/Sub function
  retries (Firestore triggers cannot retry in firebase-functions 0.6.0).
* :func:`sync_user` always derives the card from the **current** ``users/{uid}``, read in
  the same transaction that writes the card and the event's ledger entry. So a redelivered
  event is a no-op (ledger), an event delivered after a newer one cannot roll the card
  back (it re-reads the newer source; a card whose ``source_update_time`` is newer than
  the source read is never overwritten), and a write that changes nothing is skipped
  (``source_hash``).
* Invalid profiles leave the card untouched and set ``users/{uid}.sync_error``.
* A missing ``users/{uid}`` runs the deletion cascade (:mod:`account_deletion`).
* :func:`reconcile` (scheduled) repairs drift that slipped through.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from gitalong.contract import topics
from gitalong.infra import ledger
from gitalong.matching import ENCODER_ID
from gitalong.profiles import store
from gitalong.profiles.model import UserProfile, build_card, relevant, source_hash, validate, vector_skills

logger = logging.getLogger(__name__)

KIND = "profile-sync"


@dataclass
class Outcome:
    """What a sync did: ``status`` is one of ``irrelevant``, ``duplicate``, ``unchanged``,
    ``synced``, ``invalid``, ``stale``, ``deleted``, ``handed-off``."""

    status: str
    errors: list[dict[str, str]] = field(default_factory=list)
    github: str | None = None
    published: bool = False


def is_transient(exc: BaseException) -> bool:
    """True for failures a retry may cure (contention, timeouts, an unavailable backend)."""
    from gitalong.infra import firestore

    return firestore.is_transient(exc)


def _vectors(card: dict[str, Any]) -> dict[str, Any]:
    """``offer_vec``, ``need_vec``, ``skills_vec`` as Firestore vectors, plus ``rerank`` and ``encoder``."""
    from gitalong.infra.firestore import Vector
    from gitalong.matching.encode import card_vectors

    raw = card_vectors(card.get("skills_to_offer", ""), card.get("services_needed", ""), vector_skills(card))
    return {name: Vector(value) if isinstance(value, list) else value for name, value in raw.items()}


def card_document(profile: UserProfile, github: dict[str, Any] | None = None) -> dict[str, Any]:
    """Every derived field sync writes to ``profiles/{uid}`` for ``profile`` (no timestamps).

    The one derivation of a card: the trigger, reconciliation, the re-encode job and the
    benchmarks' seeding all write exactly this.
    """
    card = build_card(profile)
    digest = source_hash(card)
    card["github"] = github
    return {**card, **_vectors(card), "source_hash": digest, "deleted": False}


def _sync_error(errors: list[dict[str, str]]) -> dict[str, Any]:
    from gitalong.infra.firestore import SERVER_TIMESTAMP

    fields = sorted({e["field"].split(".")[0] for e in errors})
    summary = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
    return {"fields": fields, "errors": errors, "message": f"profile not published: {summary}", "at": SERVER_TIMESTAMP}


def sync_user(uid: str, event_id: str | None = None) -> Outcome:
    """Bring ``profiles/{uid}`` in line with the current ``users/{uid}`` (one transaction: one
    batched read of the user, the card and the event's ledger entry, then the commit)."""
    from gitalong.infra import firestore
    from gitalong.infra.transactions import run_transaction

    db = firestore.client()
    user_ref, card_ref = store.user_ref(db, uid), store.card_ref(db, uid)
    ledger_ref = ledger.ref(event_id, KIND) if event_id is not None else None
    refs = [user_ref, card_ref, *([ledger_ref] if ledger_ref is not None else [])]

    def apply(tx: Any) -> Outcome:
        snaps = {snap.reference.path: snap for snap in tx.get_all(refs)}  # one round trip, which begins tx
        user, card_snap = snaps[user_ref.path], snaps[card_ref.path]
        if ledger_ref is not None and ledger.is_recorded(snaps, ledger_ref):
            return Outcome("duplicate")
        if not user.exists:
            return Outcome("deleted")
        data = user.to_dict() or {}
        profile, errors = validate(data)
        if profile is None:
            if (data.get("sync_error") or {}).get("errors") != errors:
                tx.update(user_ref, {"sync_error": _sync_error(errors)})
                if event_id is not None:
                    ledger.record(tx, event_id, KIND, subject=user_ref.path)
            return Outcome("invalid", errors)
        old = card_snap.to_dict() if card_snap.exists else None
        if old and old.get("source_update_time") and old["source_update_time"] > user.update_time:
            return Outcome("stale")
        digest = source_hash(build_card(profile))
        has_error = "sync_error" in data
        if old is not None and old.get("source_hash") == digest and old.get("encoder") == ENCODER_ID:
            if has_error:
                tx.update(user_ref, {"sync_error": firestore.DELETE_FIELD})
            return Outcome("unchanged")
        github, github_action = _github_field(old, profile.github_username)
        write = {
            **card_document(profile, github),
            "source_update_time": user.update_time,
            "updated_at": firestore.SERVER_TIMESTAMP,
        }
        if old is None or "created_at" not in old:  # media may have made the doc (avatar_url) first
            write["created_at"] = firestore.SERVER_TIMESTAMP
        tx.set(card_ref, write, merge=list(write))  # listed fields replaced whole; others (avatar) kept
        if has_error:
            tx.update(user_ref, {"sync_error": firestore.DELETE_FIELD})
        if event_id is not None:
            ledger.record(tx, event_id, KIND, subject=user_ref.path)
        return Outcome("synced", github=github_action)

    return run_transaction(apply)


def _github_field(old: dict[str, Any] | None, username: str | None) -> tuple[dict[str, Any] | None, str | None]:
    """The card's ``github`` map for ``username``; ``"fetch"`` when it must be (re)fetched."""
    from datetime import UTC, datetime

    current = (old or {}).get("github")
    if username is None:
        return None, None
    if current and str(current.get("username", "")).lower() == username.lower():
        return current, None
    return {"username": username, "status": "pending", "refresh_after": datetime.now(UTC)}, "fetch"


def _after_commit(uid: str, outcome: Outcome, publisher: Callable[[str, dict[str, Any]], Any]) -> None:
    """Publish what a committed sync implies; a failed publish is logged (reconciliation repairs)."""
    if outcome.status != "synced":
        return
    try:
        publisher(topics.PROFILE_UPDATED, {"uid": uid})
        outcome.published = True
        if outcome.github == "fetch":
            publisher(topics.GITHUB_ENRICH, {"uid": uid})
    except Exception:  # the card is committed; the daily jobs catch up
        logger.exception("profile %s synced but publishing failed", uid)


def _default_publisher(topic: str, message: dict[str, Any]) -> Any:
    from gitalong.infra.pubsub import publish

    return publish(topic, message)


def process(
    uid: str, event_id: str | None = None, publisher: Callable[[str, dict[str, Any]], Any] = _default_publisher
) -> Outcome:
    """Sync ``uid`` and publish; when the user document is gone, run the deletion cascade.

    Exceptions propagate (the retry path relies on them).
    """
    outcome = sync_user(uid, event_id)
    if outcome.status == "deleted":
        from gitalong.account import deletion as account_deletion

        account_deletion.delete_user_data(uid)
    _after_commit(uid, outcome, publisher)
    logger.info(
        "profile %s: %s%s",
        uid,
        outcome.status,
        f" ({', '.join(e['field'] for e in outcome.errors)})" if outcome.errors else "",
    )
    return outcome


def on_user_written(
    uid: str,
    event_id: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    run: Callable[[str, str | None], Outcome] = process,
    handoff: Callable[[str, dict[str, Any]], Any] = _default_publisher,
) -> Outcome:
    """The Firestore trigger's body: cheap filter, sync, and hand transient failures to Pub/Sub."""
    if before is None and after is None:  # e.g. a delete of a missing document: nothing happened
        logger.info("profile %s: empty change (event %s)", uid, event_id)
        return Outcome("irrelevant")
    if (
        before is not None
        and after is not None
        and relevant(before) == relevant(after)
        # a field the card doesn't use (say fcm_tokens) still matters when it makes the
        # profile invalid or valid again: sync_error must appear or go
        and validate(before)[1] == validate(after)[1]
    ):
        logger.info("profile %s: irrelevant change (event %s)", uid, event_id)
        return Outcome("irrelevant")
    try:
        return run(uid, event_id)
    except Exception as exc:
        if not is_transient(exc):
            raise
        logger.warning(
            "profile %s: transient failure (%s); handing event %s to %s",
            uid, type(exc).__name__, event_id, topics.PROFILE_SYNC,
        )
        try:
            handoff(topics.PROFILE_SYNC, {"uid": uid, "event_id": event_id})
        except Exception:  # reconciliation is the last line
            logger.exception("profile %s: hand-off failed; reconciliation will repair", uid)
        return Outcome("handed-off")


@dataclass
class ReconcileReport:
    """Counts of one reconciliation run."""

    users: int = 0
    repaired: int = 0
    orphans: int = 0
    failed: int = 0
    repaired_ids: list[str] = field(default_factory=list)


def reconcile(
    limit: int = 5000, publisher: Callable[[str, dict[str, Any]], Any] = _default_publisher
) -> ReconcileReport:
    """Repair drift: users whose card is missing or out of date, cards whose user is gone.

    Each run checks up to ``limit`` users and ``limit`` cards, continuing after where the
    previous run stopped (cursors in ``jobs/reconcile-profiles``) and starting over at the
    end, so every user is visited however large the collection grows. Compares each valid
    user's derived ``source_hash`` with the card's; invalid users are re-checked only if
    their ``sync_error`` is missing.
    """
    from gitalong.core.batching import chunks
    from gitalong.infra import firestore

    db = firestore.client()
    report = ReconcileReport()
    state_ref = db.collection(store.RECONCILE_STATE[0]).document(store.RECONCILE_STATE[1])
    state = state_ref.get().to_dict() or {}
    page: list[Any] = []

    def flush() -> None:
        refs = [store.card_ref(db, s.id) for s in page]
        cards = {snap.id: snap.to_dict() for snap in db.get_all(refs) if snap.exists}
        for snap in page:
            data = snap.to_dict() or {}
            profile, errors = validate(data)
            if profile is None:
                drift = (data.get("sync_error") or {}).get("errors") != errors
            else:
                card = cards.get(snap.id)
                drift = card is None or card.get("source_hash") != source_hash(build_card(profile))
                drift = drift or (card or {}).get("encoder") != ENCODER_ID  # vectors of another model
                drift = drift or "sync_error" in data
            if drift:
                _repair(snap.id, report, publisher)
        page.clear()

    last_user = None
    for snap in store.users_after(db, state.get("users_after"), limit).stream():
        last_user = snap.id
        report.users += 1
        page.append(snap)
        if len(page) >= 100:
            flush()
    if page:
        flush()
    last_card, cards_seen = None, []
    for card in store.card_ids_after(db, state.get("cards_after"), limit).stream():
        last_card = card.id
        cards_seen.append(card.id)
    for ids in chunks(cards_seen, 100):
        users = db.get_all([store.user_ref(db, i) for i in ids], field_paths=["display_name"])
        for orphan in sorted(set(ids) - {u.id for u in users if u.exists}):
            report.orphans += 1
            _repair(orphan, report, publisher)
    state_ref.set({  # a page shorter than the limit reached the end: start over next time
        "users_after": last_user if report.users >= limit else None,
        "cards_after": last_card if len(cards_seen) >= limit else None,
        "last_run_users": report.users,
        "last_run_cards": len(cards_seen),
    })
    logger.info(
        "reconcile: %s users, %s cards, %s repaired, %s orphans, %s failed",
        report.users,
        len(cards_seen),
        report.repaired,
        report.orphans,
        report.failed,
    )
    return report


def _repair(uid: str, report: ReconcileReport, publisher: Callable[[str, dict[str, Any]], Any]) -> None:
    try:
        outcome = process(uid, None, publisher)
    except Exception:  # one bad user must not stop the run
        logger.exception("reconcile: %s failed", uid)
        report.failed += 1
        return
    if outcome.status in ("synced", "deleted", "invalid"):
        report.repaired += 1
        report.repaired_ids.append(uid)
