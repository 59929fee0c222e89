"""GitHub enrichment: public GitHub stats on the card, languages into matching's ``skills_vec``.

Driven by the ``github-enrich`` topic (``{uid}``), published by the profile sync when
``github_username`` is set or changes, and by the daily :func:`queue_due`. Outcomes on the
card's ``github`` map (``status``):

* ``ok``: ``public_repos``, ``followers``, ``top_languages`` [{name, bytes}], ``fetched_at``.
* ``not_found``: the username does not exist (404). Not retried; re-checked after a week.
* rate limit / GitHub down: :class:`RetryLater` is raised so Pub/Sub retries with backoff;
  once the message is older than :data:`MAX_RETRY_AGE_S` the card says ``rate_limited`` /
  ``unavailable`` and the daily refresh tries again after the limit resets.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from gitalong.contract import topics
from gitalong.infra import github as gh

logger = logging.getLogger(__name__)

MAX_RETRY_AGE_S = 3600
REFRESH_OK = timedelta(days=1)
REFRESH_NOT_FOUND = timedelta(days=7)
QUEUE_LIMIT = 500


class RetryLater(Exception):
    """A transient GitHub failure: raise it out of the Pub/Sub function so the message is retried."""


def _publish(topic: str, message: dict[str, Any]) -> Any:
    from gitalong.infra.pubsub import publish

    return publish(topic, message)


def _github_map(username: str, client: gh.Client, give_up: bool) -> dict[str, Any]:
    now = datetime.now(UTC)
    try:
        stats = client.stats(username)
    except gh.UserNotFound:
        logger.info("GitHub user %s not found", username)
        return {"username": username, "status": "not_found", "fetched_at": now,
                "refresh_after": now + REFRESH_NOT_FOUND}
    except (gh.RateLimited, gh.Unavailable, gh.GitHubError) as err:
        wait = getattr(err, "retry_after_s", 3600.0)
        if not give_up:
            raise RetryLater(str(err)) from err
        status = "rate_limited" if isinstance(err, gh.RateLimited) else "unavailable"
        logger.warning("GitHub enrichment of %s given up: %s", username, err)
        return {"username": username, "status": status, "refresh_after": now + timedelta(seconds=max(wait, 600))}
    return {"username": username, "status": "ok", "login": stats.login, "public_repos": stats.public_repos,
            "followers": stats.followers, "top_languages": stats.top_languages, "html_url": stats.html_url,
            "fetched_at": now, "refresh_after": now + REFRESH_OK}


def run(uid: str, give_up: bool = False, client: gh.Client | None = None,
        publisher: Callable[[str, dict[str, Any]], Any] = _publish) -> str:
    """Fetch and store the GitHub stats of ``uid``'s card; returns the card's new status."""
    from gitalong.infra import firestore
    from gitalong.infra.firestore import Vector
    from gitalong.infra.transactions import run_transaction
    from gitalong.matching.encode import encode_skills
    from gitalong.profiles import store
    from gitalong.profiles.model import vector_skills

    card_ref = store.card_ref(firestore.client(), uid)
    snap = card_ref.get()
    username = (snap.to_dict() or {}).get("github_username") if snap.exists else None
    if not username:
        logger.info("github enrichment of %s: no card or no username", uid)
        return "skipped"
    github = _github_map(username, client or gh.Client(), give_up)

    def save(tx: Any) -> str:
        (current,) = tx.get_all([card_ref])
        card = current.to_dict() or {}
        if not current.exists or card.get("github_username") != username:
            return "superseded"
        card["github"] = github
        tx.update(card_ref, {"github": github, "skills_vec": Vector(encode_skills(vector_skills(card)).tolist()),
                             "updated_at": firestore.SERVER_TIMESTAMP})
        return str(github["status"])

    status = run_transaction(save)
    logger.info("github enrichment of %s (%s): %s", uid, username, status)
    if status == "ok":
        publisher(topics.PROFILE_UPDATED, {"uid": uid})
    return status


def queue_due(now: datetime | None = None, limit: int = QUEUE_LIMIT,
              publisher: Callable[[str, dict[str, Any]], Any] = _publish) -> int:
    """Publish ``github-enrich`` for cards whose ``github.refresh_after`` has passed."""
    from gitalong.infra import firestore
    from gitalong.profiles import store

    query = store.cards_due_github_refresh(firestore.client(), now or datetime.now(UTC), limit)
    count = 0
    for snap in query.stream():
        publisher(topics.GITHUB_ENRICH, {"uid": snap.id})
        count += 1
    logger.info("queued %s GitHub refreshes", count)
    return count
