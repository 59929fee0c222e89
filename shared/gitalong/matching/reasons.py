"""Reasons a person can read: why this candidate was recommended."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from gitalong.matching.encode import normalize_skill, tokenize
from gitalong.matching.lexicon import concepts_for_tokens


def _skills(profile: Mapping[str, Any]) -> list[str]:
    seen: dict[str, str] = {}
    for field in ("skills", "tech_stack"):
        for s in profile.get(field) or []:
            if isinstance(s, str) and s.strip():
                seen.setdefault(normalize_skill(s), s.strip())
    return list(seen.values())


def _mentioned(skills: Iterable[str], text: str) -> list[str]:
    """Skills named in ``text`` (all their words), else sharing a concept with it."""
    tokens = tokenize(text or "")
    if not tokens:
        return []
    words = set(tokens)
    concepts = set(concepts_for_tokens(tokens))
    direct, related = [], []
    for skill in skills:
        st = tokenize(skill)
        if st and all(t in words for t in st):
            direct.append(skill)
        elif concepts & set(concepts_for_tokens(st)):
            related.append(skill)
    return direct or related


def _listing(items: list[str], n: int = 3) -> str:
    return ", ".join(items[:n]) + ("…" if len(items) > n else "")


def reciprocal_reasons(
    viewer: Mapping[str, Any], candidate: Mapping[str, Any], offer_score: float, need_score: float
) -> list[str]:
    """Up to three short sentences; never empty."""
    out: list[str] = []
    theirs, mine = _skills(candidate), _skills(viewer)
    offers = _mentioned(theirs, str(viewer.get("services_needed") or ""))
    if offers:
        out.append(f"offers {_listing(offers, 2)}, which you need")
    elif offer_score >= 0.2:
        out.append("what they offer fits what you need")
    needs = _mentioned(mine, str(candidate.get("services_needed") or ""))
    if needs:
        out.append(f"needs {_listing(needs, 2)}, which you offer")
    elif need_score >= 0.2:
        out.append("they need what you offer")
    shared = shared_skills(viewer, candidate)
    if shared:
        out.append(f"{len(shared)} shared skill{'s' if len(shared) != 1 else ''}: {_listing(shared)}")
    if viewer.get("city") and viewer.get("city") == candidate.get("city"):
        out.append(f"also in {viewer['city']}")
    return out[:3] or ["close match on skills and interests"]


def shared_skills(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[str]:
    """Skills both profiles list (b's spelling), in b's order."""
    mine = {normalize_skill(s) for s in _skills(a)}
    return [s for s in _skills(b) if normalize_skill(s) in mine]
