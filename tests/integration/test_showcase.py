"""Showcase post trigger: canonical skills, posts per user and per skill."""

from __future__ import annotations

from typing import Any

from support.emulators import wait_for


def _skill_counts(db: Any, source: str, tag: str) -> dict[str, int]:
    """Non-zero counts of this test's own skills (their names carry ``tag``).

    Counters are platform-wide: a late delete event of an earlier test may still move
    common skills like Python after Firestore was cleared, so tests count skills of their own.
    """
    totals: dict[str, int] = {}
    for shard in db.collection("stats").document("skills").collection("shards").stream():
        for skill, n in ((shard.to_dict() or {}).get(source) or {}).items():
            if tag in skill.lower():
                totals[skill] = totals.get(skill, 0) + n
    return {k: v for k, v in totals.items() if v}


def _posts(db: Any, uid: str) -> Any:
    return (db.collection("analytics").document(uid).get().to_dict() or {}).get("posts_created")


def test_a_post_is_counted_for_its_author_and_each_canonical_skill(db: Any, uid: str) -> None:
    tag = uid[-8:]
    post = db.collection("showcase_posts").document(f"p{uid}")
    post.set({"user_id": uid, "content": "My compiler", "category": "project",
              "skills": [f"Lang{tag}", f" lang{tag} ", f"tool{tag}"], "media_ids": []})
    skills = wait_for(lambda: (post.get().to_dict() or {}).get("canonical_skills"), what="canonical skills")
    assert len(skills) == 2
    wait_for(lambda: _posts(db, uid) == 1, what="post counted for the author")
    counts = wait_for(lambda: _skill_counts(db, "posts", tag) or None, what="skill counts")
    assert sorted(counts.values()) == [1, 1] and set(counts) == set(skills)

    # an edit moves the counts by the difference; a delete takes everything back
    post.update({"skills": [f"Lang{tag}"]})
    wait_for(lambda: len(_skill_counts(db, "posts", tag)) == 1, what="the dropped skill uncounted")
    post.delete()
    wait_for(lambda: _skill_counts(db, "posts", tag) == {}, what="skills uncounted")
    wait_for(lambda: _posts(db, uid) == 0, what="post uncounted")


def test_a_post_over_5000_characters_is_flagged_and_not_counted(db: Any, uid: str) -> None:
    tag = uid[-8:]
    post = db.collection("showcase_posts").document(f"p{uid}")
    post.set({"user_id": uid, "content": "x" * 5001, "skills": [f"Lang{tag}"]})
    error = wait_for(lambda: (post.get().to_dict() or {}).get("sync_error"), what="sync_error")
    assert "5000" in error
    assert _posts(db, uid) in (None, 0)
    assert _skill_counts(db, "posts", tag) == {}

    post.update({"content": "fixed"})  # once valid, it counts
    wait_for(lambda: _posts(db, uid) == 1, what="post counted after the fix")
    assert (post.get().to_dict() or {}).get("sync_error") is None
