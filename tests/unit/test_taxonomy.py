"""The skill taxonomy: aliases and case meet one canonical skill; unknown skills are kept, cleaned."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from gitalong.profiles import taxonomy


@pytest.mark.parametrize(
    ("spelling", "canonical"),
    [
        ("js", "JavaScript"), ("JavaScript", "JavaScript"), ("javascript ", "JavaScript"), ("JAVASCRIPT", "JavaScript"),
        ("ML", "Machine Learning"), ("machine-learning", "Machine Learning"),
        ("node js", "Node.js"), ("nodejs", "Node.js"), ("Node.JS", "Node.js"),
        ("golang", "Go"), ("c++", "C++"), ("cpp", "C++"), ("c#", "C#"), ("C", "C"),
        ("k8s", "Kubernetes"), ("postgres", "PostgreSQL"), ("sklearn", "scikit-learn"), ("torch", "PyTorch"),
        ("react.js", "React"), ("React Native", "React Native"), ("dotnet", ".NET"), ("ts", "TypeScript"),
    ],
)
def test_every_spelling_of_a_known_skill_becomes_its_canonical_name(spelling: str, canonical: str) -> None:
    assert taxonomy.canonicalize(spelling) == canonical


def test_c_cpp_and_csharp_stay_three_different_skills() -> None:
    assert len({taxonomy.canonicalize(s) for s in ("C", "C++", "C#")}) == 3


def test_unknown_skills_are_kept_with_their_case_and_cleaned() -> None:
    assert taxonomy.canonicalize("  Quantum\u200b   Knitting ") == "Quantum Knitting"
    assert not taxonomy.known("Quantum Knitting")


def test_normalizing_a_list_merges_spellings_keeps_order_and_drops_blanks() -> None:
    assert taxonomy.normalize_skills(["js", "Python", "JavaScript", "", "py", "  ", "Elm"]) == [
        "JavaScript", "Python", "Elm"]


def test_unknown_skills_that_differ_only_in_case_are_merged() -> None:
    assert taxonomy.normalize_skills(["Quantum Knitting", "quantum knitting"]) == ["Quantum Knitting"]


@pytest.mark.parametrize(("a", "b"), [("Flutter", "Dart"), ("PyTorch", "Machine Learning"), ("Kotlin", "Android"),
                                      ("Solidity", "Ethereum"), ("Figma", "UI/UX")])
def test_related_groups_join_skills_that_go_together(a: str, b: str) -> None:
    assert b in taxonomy.related_skills(a)
    assert set(taxonomy.related_groups(a)) & set(taxonomy.related_groups(b))


def test_the_taxonomy_is_a_solid_list_with_no_alias_pointing_at_two_skills() -> None:
    raw = json.loads(resources.files("gitalong").joinpath("data/skills.json").read_text("utf-8"))
    assert len(raw["skills"]) >= 300
    owner: dict[str, str] = {}
    for entry in raw["skills"]:
        for spelling in (entry["name"], *entry["aliases"]):
            key = taxonomy.key(spelling)
            assert owner.setdefault(key, entry["name"]) == entry["name"], spelling
    names = {entry["name"] for entry in raw["skills"]}
    for group in raw["groups"]:
        assert set(group["skills"]) <= names, group["name"]
