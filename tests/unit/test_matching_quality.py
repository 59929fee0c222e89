"""The quality gate: on the paraphrase set, the engine keeps its measured level and beats every baseline.

Not a timed test. The floor is the engine's measured hit@3 (0.650 over all 306 viewers, 0.672
held out, at this commit) less a small margin, so a change that makes matching worse fails here. The
issue's target is 0.90: not reached on this set (docs/matching.md says where it fails).
"""

from __future__ import annotations

import sys
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest

EVAL = Path(__file__).resolve().parents[2] / "eval"
sys.path.insert(0, str(EVAL))

HIT3_FLOOR = 0.62
BASELINES = ("one-sided sim(their offer, my need)", "hashed (old encoder), reciprocal", "popularity")


@lru_cache(maxsize=1)
def _table() -> dict[str, Any]:
    import paraphrase_eval

    return paraphrase_eval.evaluate()


def test_the_paraphrase_set_passes_its_own_no_shared_words_check() -> None:
    sys.path.insert(0, str(EVAL / "paraphrase"))
    import check

    assert check.main() == 0


def test_the_engine_keeps_its_measured_hit_at_3_on_all_and_on_the_held_out_pairs() -> None:
    engine = _table()["engine (served)"]
    assert engine["all"]["n"] >= 300
    assert engine["all"]["hit@3"] >= HIT3_FLOOR, engine["all"]
    assert engine["holdout"]["hit@3"] >= HIT3_FLOOR, engine["holdout"]


@pytest.mark.parametrize("baseline", BASELINES)
def test_the_engine_beats_each_baseline_on_every_metric(baseline: str) -> None:
    engine, other = _table()["engine (served)"]["all"], _table()[baseline]["all"]
    for metric in ("hit@1", "hit@3", "MRR"):
        assert engine[metric] > other[metric], (metric, engine, other)


def test_skills_only_people_are_found_by_what_their_skills_mean() -> None:
    engine = _table()["engine (served)"]
    without = _table()["engine, no skills in offer"]
    assert engine["tag:skills-only"]["MRR"] > without["tag:skills-only"]["MRR"]


def test_the_hubness_correction_earns_its_place_on_held_out_pairs_too() -> None:
    served, raw = _table()["engine (served)"], _table()["engine without the hubness correction"]
    for subset in ("dev", "holdout"):
        assert served[subset]["MRR"] > raw[subset]["MRR"], (subset, served[subset], raw[subset])
