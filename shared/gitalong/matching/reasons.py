"""Reasons a person can read: why this candidate was recommended.

A skill counts as *mentioned* by a text when the text names it under any spelling the
taxonomy knows (``"js"``, ``"JavaScript"``, ``"node js"`` meet). Where nothing is named but
the encoder found the texts close, the reason says so in general words, or names the
candidate's listed skills when their offer is only their skills.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from gitalong.profiles import taxonomy

CLOSE = 0.6
"""A (hubness-corrected, see ``scoring.Population``) score above which two texts are about the same
thing: an ordinary pair scores about 0.5; 0.6 is a raw MiniLM similarity of about 0.3 above the
texts' usual closeness."""

_WORD = re.compile(r"[\w+#.\-]+", re.UNICODE)


@lru_cache(maxsize=20_000)
def _key(skill: str) -> str:
    """The taxonomy key of a skill's canonical name (any known spelling gives the same key)."""
    return taxonomy.key(taxonomy.canonicalize(skill))


def _skills(profile: Mapping[str, Any]) -> list[str]:
    seen: dict[str, str] = {}
    for field in ("skills", "tech_stack"):
        for s in profile.get(field) or []:
            if isinstance(s, str) and s.strip():
                seen.setdefault(_key(s), s.strip())
    return list(seen.values())


@lru_cache(maxsize=4096)
def _named(text: str) -> frozenset[str]:
    """Taxonomy keys of every 1-3 word phrase of ``text`` (plus the phrase itself, for unknown skills)."""
    words = [w.strip(".-") for w in _WORD.findall(text.lower())]
    words = [w for w in words if w]
    out: set[str] = set()
    for n in (1, 2, 3):
        for i in range(len(words) - n + 1):
            out.add(_key(" ".join(words[i : i + n])))
    return frozenset(out)


def mentioned(skills: Iterable[str], text: str) -> list[str]:
    """The ``skills`` that ``text`` names (any spelling the taxonomy knows), in order."""
    names = _named(text or "")
    return [s for s in skills if _key(s) in names]


def _listing(items: list[str], n: int = 3) -> str:
    return ", ".join(items[:n]) + ("…" if len(items) > n else "")


def reciprocal_reasons(
    viewer: Mapping[str, Any], candidate: Mapping[str, Any], offer_score: float, need_score: float
) -> list[str]:
    """Up to three short sentences; never empty."""
    out: list[str] = []
    theirs, mine = _skills(candidate), _skills(viewer)
    offers = mentioned(theirs, str(viewer.get("services_needed") or ""))
    if offers:
        out.append(f"offers {_listing(offers, 2)}, which you need")
    elif offer_score >= CLOSE and theirs and not str(candidate.get("skills_to_offer") or "").strip():
        out.append(f"knows {_listing(theirs, 2)}, which fits what you need")
    elif offer_score >= CLOSE:
        out.append("what they offer fits what you need")
    needs = mentioned(mine, str(candidate.get("services_needed") or ""))
    if needs:
        out.append(f"needs {_listing(needs, 2)}, which you offer")
    elif need_score >= CLOSE:
        out.append("they need what you offer")
    shared = shared_skills(viewer, candidate)
    if shared:
        out.append(f"{len(shared)} shared skill{'s' if len(shared) != 1 else ''}: {_listing(shared)}")
    if viewer.get("city") and viewer.get("city") == candidate.get("city"):
        out.append(f"also in {viewer['city']}")
    return out[:3] or ["close match on skills and interests"]


def search_reasons(query: str, candidate: Mapping[str, Any], viewer: Mapping[str, Any]) -> list[str]:
    """Why a search result matched: the skills of theirs the query names, else meaning; never empty."""
    named = mentioned(_skills(candidate), query)
    out = [f"knows {_listing(named, 3)}"] if named else ["what they wrote is close to your search"]
    if viewer.get("city") and viewer.get("city") == candidate.get("city"):
        out.append(f"also in {viewer['city']}")
    return out


def shared_skills(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[str]:
    """Skills both profiles list (b's spelling), in b's order."""
    mine = {_key(s) for s in _skills(a)}
    return [s for s in _skills(b) if _key(s) in mine]
