"""The skill taxonomy: canonical skills, their aliases, and groups of related skills.

The data ships with the library (``gitalong/data/skills.json``). Lookups go through a
*key*: lower case, accents kept, spaces, dots, dashes and underscores removed, so that
``"js"``, ``"JavaScript"`` and ``"javascript "`` meet, as do ``"Node.js"``, ``"nodejs"`` and
``"node js"``. ``+`` and ``#`` are kept (``C``, ``C++`` and ``C#`` stay apart).

Unknown skills are kept, cleaned (see :func:`clean`): the taxonomy never drops what a
user wrote, it only merges spellings of what it knows.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

__all__ = [
    "Taxonomy",
    "canonicalize",
    "clean",
    "known",
    "load",
    "normalize_skills",
    "related_groups",
    "related_skills",
    "version",
]

_SEPARATORS = re.compile(r"[\s._\-]+")
_SPACES = re.compile(r"\s+")


def clean(text: str) -> str:
    """NFC, no control or zero-width characters, single spaces, no outer spaces or commas."""
    text = unicodedata.normalize("NFC", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn"))
    return _SPACES.sub(" ", text).strip(" ,;")


def key(text: str) -> str:
    """The lookup key of a spelling (see the module docstring)."""
    return _SEPARATORS.sub("", clean(text).casefold())


@dataclass(frozen=True)
class Taxonomy:
    """Loaded taxonomy data: canonical names by key, category and group membership."""

    version: int
    by_key: dict[str, str]
    category: dict[str, str]
    groups: dict[str, tuple[str, ...]]
    groups_of: dict[str, tuple[str, ...]]

    def canonical(self, skill: str) -> str | None:
        """The canonical name of ``skill``, or None when the taxonomy does not know it."""
        return self.by_key.get(key(skill))


@lru_cache(maxsize=1)
def load() -> Taxonomy:
    """Read ``data/skills.json`` once per process."""
    raw = json.loads(resources.files("gitalong").joinpath("data/skills.json").read_text("utf-8"))
    by_key: dict[str, str] = {}
    category: dict[str, str] = {}
    for entry in raw["skills"]:
        name = entry["name"]
        category[name] = entry.get("category", "")
        by_key.setdefault(key(name), name)
    for entry in raw["skills"]:  # aliases never shadow a canonical name
        for alias in entry.get("aliases", []):
            by_key.setdefault(key(alias), entry["name"])
    groups = {g["name"]: tuple(g["skills"]) for g in raw.get("groups", [])}
    membership: dict[str, list[str]] = {}
    for group, members in groups.items():
        for member in members:
            membership.setdefault(member, []).append(group)
    return Taxonomy(
        version=int(raw.get("version", 1)),
        by_key=by_key,
        category=category,
        groups=groups,
        groups_of={name: tuple(gs) for name, gs in membership.items()},
    )


def version() -> int:
    """The taxonomy's data version (part of every card's source hash)."""
    return load().version


def canonicalize(skill: str) -> str:
    """The canonical spelling of ``skill``; an unknown skill comes back cleaned, case kept."""
    return load().canonical(skill) or clean(skill)


def known(skill: str) -> bool:
    """True when the taxonomy knows ``skill`` (by name or alias)."""
    return load().canonical(skill) is not None


def normalize_skills(skills: Iterable[str]) -> list[str]:
    """Canonical, cleaned, de-duplicated (by key, first spelling wins), order kept, empties dropped."""
    out: list[str] = []
    seen: set[str] = set()
    for skill in skills:
        name = canonicalize(skill)
        k = key(name)
        if not k or k in seen:
            continue
        seen.add(k)
        out.append(name)
    return out


def related_groups(skill: str) -> list[str]:
    """Names of the related groups ``skill`` belongs to (e.g. ``"flutter"`` for Dart)."""
    taxonomy = load()
    name = taxonomy.canonical(skill)
    return list(taxonomy.groups_of.get(name, ())) if name else []


def related_skills(skill: str) -> set[str]:
    """Every canonical skill sharing a group with ``skill`` (itself excluded)."""
    taxonomy = load()
    name = taxonomy.canonical(skill)
    if name is None:
        return set()
    out: set[str] = set()
    for group in taxonomy.groups_of.get(name, ()):
        out.update(taxonomy.groups[group])
    out.discard(name)
    return out
