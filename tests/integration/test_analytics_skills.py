"""stats/skills: per-skill counts across profiles, posts and events, with week-over-week change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from support.emulators import Emulators, wait_for


def _shard_total(db: Any) -> int:
    return sum(n for shard in db.collection("stats").document("skills").collection("shards").stream()
               for source in ("profiles", "posts", "events")
               for n in ((shard.to_dict() or {}).get(source) or {}).values())


def test_skill_stats_count_every_source_and_compare_with_last_week(emulators: Emulators, db: Any, uid: str) -> None:
    db.collection("profiles").document(f"{uid}a").set({"display_name": "A", "skills": ["python", "go"]})
    db.collection("profiles").document(f"{uid}b").set({"display_name": "B", "skills": ["Python"]})
    db.collection("showcase_posts").document(f"{uid}p").set({"user_id": uid, "content": "x", "skills": ["python"]})
    db.collection("events").document(f"{uid}e").set({
        "title": "Go meetup", "category": "go", "start": datetime(2026, 3, 1, tzinfo=UTC)})
    # python: 2 profiles + 1 post = 3; go: 1 profile + 1 event = 2
    wait_for(lambda: _shard_total(db) == 5, what="five skill counts in the shards")
    history = db.collection("stats").document("skills").collection("history")
    # "now" as the schedule time: a header-less run the emulator may add computes the same day
    now = datetime.now(UTC)
    as_of = (now - timedelta(days=1)).date()
    week_ago = (as_of - timedelta(days=7)).isoformat()
    history.document(week_ago).set({"date": week_ago, "totals": {"Python": 1, "Go": 2}})

    response = emulators.run_scheduled("daily_engagement", now)
    assert response.status_code == 200, response.text

    stats = db.collection("stats").document("skills").get().to_dict()
    assert stats["as_of"] == as_of.isoformat()
    assert stats["skills"]["Python"] == {"profiles": 2, "posts": 1, "events": 0, "total": 3,
                                         "week_ago_total": 1, "wow_change": 2, "wow_pct": 2.0}
    assert stats["skills"]["Go"]["total"] == 2 and stats["skills"]["Go"]["wow_change"] == 0
    assert stats["popular"] == ["Python", "Go"]
    assert stats["trending"] == ["Python"]
    assert history.document(as_of.isoformat()).get().to_dict()["totals"] == {"Python": 3, "Go": 2}
