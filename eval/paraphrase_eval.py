"""Does the right person come first? The paraphrase evaluation. Run: ``.venv/bin/python eval/paraphrase_eval.py``.

Data: ``eval/paraphrase/people.json`` (hand-written; ``eval/paraphrase/check.py`` checks that
partners share no content words). Each pair (A, B): A offers what B needs and B offers what
A needs, in different words, typos and languages included; some people list skills and
write no offer. Near-miss distractors match one direction of a pair only; generic ones
("I can help with anything tech") are there to be popular. 40 % of the pairs are
``holdout``: never looked at while choosing anything, reported on their own.

Every person of a pair is a viewer; every other person in the file (pairs and distractors)
is a candidate; the planted partner is the one right answer. hit@k = share of viewers whose
partner is in the top k; MRR = mean of 1/rank. Methods, all on the same people in one run:

- ``engine``: what the product serves: :func:`gitalong.matching.encode.profile_vectors_batch`
  (MiniLM; listed skills stand in for a missing offer) and
  :func:`~gitalong.matching.scoring.reciprocal_with_fallback` with the population's hubness
  correction (:class:`~gitalong.matching.scoring.Population`);
- ``engine, no skills in offer`` and ``engine, skills always appended``: the other blends;
- ``engine without the hubness correction`` and ``engine + CSLS k=10 instead of the centroid``
  (MODEL-NOTES' form, which needs each text's 10 nearest: not computable per call at scale);
- ``one-sided``: sim(their offer, my need) only, same encoder;
- ``hashed (old encoder)``: the encoder that shipped before, reciprocal, same scoring;
- ``popularity``: one list for everyone, candidates ranked by how many people's needs their
  offer serves (mean similarity of their offer to every need).

``--json`` prints the table as JSON (the quality-gate test reads it).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
DATA = HERE / "paraphrase" / "people.json"

Person = dict[str, Any]
Vectors = tuple[np.ndarray, np.ndarray]


def load(path: Path = DATA) -> tuple[list[Person], list[tuple[int, int, str, list[str]]]]:
    """``(people, pairs)``: every person once; pairs as ``(index a, index b, split, tags)``."""
    data = json.loads(path.read_text())
    people: list[Person] = []
    pairs = []
    for pair in data["pairs"]:
        people += [pair["a"], pair["b"]]
        tags = list(pair.get("tags") or [])
        if pair.get("skills_only"):
            tags.append("skills-only")
        pairs.append((len(people) - 2, len(people) - 1, pair["split"], sorted(set(tags))))
    people += [d["person"] for d in data.get("distractors", [])]
    return people, pairs


def _skills(p: Person) -> list[str]:
    from gitalong.profiles import taxonomy

    return taxonomy.normalize_skills([*(p.get("skills") or []), *(p.get("tech_stack") or [])])


def engine_vectors(people: list[Person], skills_in_offer: str = "when_empty") -> Vectors:
    """Offer and need matrices as the product writes them (``skills_in_offer`` varies the blend)."""
    from gitalong.matching import encode

    rows = []
    for p in people:
        skills = _skills(p)
        offer = (p.get("skills_to_offer") or "").strip()
        if skills_in_offer == "always" and offer and skills:  # composed here; the product does "when_empty"
            offer, skills = f"{offer}\nSkills: {', '.join(skills)}", []
        elif skills_in_offer == "never":
            skills = []
        rows.append((offer, p.get("services_needed") or "", skills))
    vectors = encode.profile_vectors_batch(rows)
    return (
        np.asarray([v["offer_vec"] for v in vectors], dtype=np.float32),
        np.asarray([v["need_vec"] for v in vectors], dtype=np.float32),
    )


def hashed_vectors(people: list[Person]) -> Vectors:
    """The old hashed encoder's vectors (skills as its skill features, as it used to be fed)."""
    sys.path.insert(0, str(HERE))
    import hashed_encoder

    offers = [hashed_encoder.encode_text(p.get("skills_to_offer") or "", _skills(p)) for p in people]
    needs = [hashed_encoder.encode_text(p.get("services_needed") or "") for p in people]
    return np.stack(offers).astype(np.float32), np.stack(needs).astype(np.float32)


def reciprocal_matrix(offers: np.ndarray, needs: np.ndarray, corrected: bool = True) -> np.ndarray:
    """``score[i, j]`` of candidate j for viewer i, as the product scores one viewer (everyone a candidate)."""
    from gitalong.matching.scoring import Population, reciprocal_with_fallback

    population = Population.of(offers, needs) if corrected else None
    return np.stack(
        [reciprocal_with_fallback(offers[i], needs[i], offers, needs, population)[0] for i in range(len(offers))]
    )


def csls_matrix(offers: np.ndarray, needs: np.ndarray, k: int = 10) -> np.ndarray:
    """Reciprocal score on CSLS-corrected similarities: 2 sim(i, j) - r(i) - r(j), r = mean of top-k."""
    from gitalong.matching.scoring import harmonic

    sim = needs @ offers.T  # [i, j] = my need vs their offer
    r_need = np.sort(sim, axis=1)[:, -k:].mean(1)
    r_offer = np.sort(sim, axis=0)[-k:, :].mean(0)
    corrected = 2 * sim - r_need[:, None] - r_offer[None, :]
    corrected = (corrected + 2) / 4  # into [0, 1] so the harmonic mean's clipping keeps its meaning
    return harmonic(corrected, corrected.T)


def one_sided_matrix(offers: np.ndarray, needs: np.ndarray) -> np.ndarray:
    return needs @ offers.T


def popularity_matrix(offers: np.ndarray, needs: np.ndarray) -> np.ndarray:
    hub = (offers @ needs.T).mean(1)
    return np.broadcast_to(hub, (len(offers), len(offers))).copy()


def ranks(scores: np.ndarray, pairs: list[tuple[int, int, str, list[str]]]) -> list[tuple[int, str, list[str]]]:
    """``(rank of the partner, split, tags)`` per viewer (both people of every pair); rank 1 is best.

    Ties are broken against the partner (a method that scores everyone 0 gets no credit).
    """
    out = []
    for a, b, split, tags in pairs:
        for viewer, partner in ((a, b), (b, a)):
            row = scores[viewer].astype(np.float64).copy()
            row[viewer] = -np.inf
            better = int((row > row[partner]).sum()) + int((row == row[partner]).sum()) - 1
            out.append((1 + better, split, tags))
    return out


def metrics(rs: list[int]) -> dict[str, float]:
    arr = np.asarray(rs, dtype=np.float64)
    if not len(arr):
        return {"n": 0, "hit@1": 0.0, "hit@3": 0.0, "MRR": 0.0}
    return {"n": len(arr), "hit@1": float((arr <= 1).mean()), "hit@3": float((arr <= 3).mean()),
            "MRR": float((1 / arr).mean())}


def evaluate(path: Path = DATA) -> dict[str, dict[str, dict[str, float]]]:
    """``{method: {subset: {n, hit@1, hit@3, MRR}}}`` for subsets all / dev / holdout / tag:…."""
    people, pairs = load(path)
    engine = engine_vectors(people)
    methods: dict[str, Callable[[], np.ndarray]] = {
        "engine (served)": lambda: reciprocal_matrix(*engine),
        "engine, no skills in offer": lambda: reciprocal_matrix(*engine_vectors(people, "never")),
        "engine, skills always appended": lambda: reciprocal_matrix(*engine_vectors(people, "always")),
        "engine without the hubness correction": lambda: reciprocal_matrix(*engine, corrected=False),
        "engine, CSLS k=10 in place of the centroid": lambda: csls_matrix(*engine),
        "one-sided sim(their offer, my need)": lambda: one_sided_matrix(*engine),
        "hashed (old encoder), reciprocal": lambda: reciprocal_matrix(*hashed_vectors(people), corrected=False),
        "popularity": lambda: popularity_matrix(*engine),
    }
    table: dict[str, dict[str, dict[str, float]]] = {}
    for name, scores in methods.items():
        rs = ranks(scores(), pairs)
        subsets: dict[str, list[int]] = {"all": [], "dev": [], "holdout": []}
        for rank, split, tags in rs:
            subsets["all"].append(rank)
            subsets[split].append(rank)
            for tag in tags:
                subsets.setdefault(f"tag:{tag}", []).append(rank)
        table[name] = {subset: metrics(values) for subset, values in subsets.items()}
    return table


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the table as JSON")
    args = parser.parse_args()
    began = time.perf_counter()
    table = evaluate()
    if args.json:
        print(json.dumps(table, indent=1))
        return 0
    people, pairs = load()
    print(f"{len(pairs)} pairs ({sum(p[2] == 'holdout' for p in pairs)} held out), {len(people)} people in all\n")
    print(f"{'method':44s} {'subset':8s} {'n':>4s} {'hit@1':>6s} {'hit@3':>6s} {'MRR':>6s}")
    for name, subsets in table.items():
        for subset in ("all", "dev", "holdout"):
            m = subsets[subset]
            print(f"{name:44s} {subset:8s} {m['n']:4d} {m['hit@1']:6.3f} {m['hit@3']:6.3f} {m['MRR']:6.3f}")
    print("\nengine (served) by tag:")
    for subset, m in sorted(table["engine (served)"].items()):
        if subset.startswith("tag:"):
            print(f"  {subset[4:]:16s} n={m['n']:<4d} hit@1 {m['hit@1']:.3f}  hit@3 {m['hit@3']:.3f}  "
                  f"MRR {m['MRR']:.3f}")
    print(f"\n({time.perf_counter() - began:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
