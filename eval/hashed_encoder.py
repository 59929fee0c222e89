"""The encoder that shipped until MiniLM replaced it, kept only as the evaluation's baseline.

Not part of the product (see docs/matching.md for why it was replaced). Original docstring:

Write-time encoder: profile text and skills -> L2-normalized 384-d float vectors.

The encoder is a *hashed feature random projection*: every feature of a text (word
unigrams, word bigrams, in-word character trigrams, and concept/skill features from a
small built-in lexicon plus the skill taxonomy when present) is mapped by a stable hash
(BLAKE2b, independent of ``PYTHONHASHSEED``) to ``_TAPS`` signed positions of the
384-d output. This is a sparse random projection of the (huge, implicit) feature space:
inner products of the outputs approximate weighted feature overlap. It needs no model
file, no network, and costs well under a millisecond per short text.

Empty text (or no skills) encodes to the all-zeros vector: it has similarity 0 with
everything, which is what "nothing to match on" should mean. Use DOT_PRODUCT (or
EUCLIDEAN) distance with these vectors; COSINE is undefined for the zero vector.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import re
from collections.abc import Iterable
from functools import lru_cache

import numpy as np
from hashed_lexicon import concepts_for_tokens

from gitalong.matching import VECTOR_DIM

__all__ = ["VECTOR_DIM", "encode_skills", "encode_text", "normalize_skill", "profile_vectors"]

_TAPS = 4
_TOKEN = re.compile(r"[a-z0-9][a-z0-9+#.\-]*")
_MAX_CHARS = 10_000

# Relative weights of the feature families (tuned on eval/run.py, see docs/matching.md).
W_WORD = 1.0
W_BIGRAM = 0.6
W_CHAR = 0.25
W_CONCEPT = 1.2
W_SKILL = 1.5
W_RELATED = 0.7


@lru_cache(maxsize=200_000)
def _taps(feature: str) -> tuple[tuple[int, ...], tuple[float, ...]]:
    """The ``_TAPS`` (index, sign) pairs of one feature; stable across processes."""
    digest = hashlib.blake2b(feature.encode("utf-8"), digest_size=8).digest()
    value = int.from_bytes(digest, "little")
    idx: list[int] = []
    sign: list[float] = []
    for _ in range(_TAPS):
        idx.append((value & 0x3FF) % VECTOR_DIM)
        sign.append(1.0 if value & 0x400 else -1.0)
        value >>= 11
    return tuple(idx), tuple(sign)


def tokenize(text: str) -> list[str]:
    """Lower-case word tokens (keeps ``c++``, ``c#``, ``node.js``; strips trailing dots)."""
    return [t.rstrip(".-") for t in _TOKEN.findall(text[:_MAX_CHARS].lower()) if t.rstrip(".-")]


def normalize_skill(skill: str) -> str:
    """Canonical key of a skill: the taxonomy's canonical form when available, else lower-case."""
    try:
        from gitalong.profiles import taxonomy

        canon = getattr(taxonomy, "canonicalize", None) or getattr(taxonomy, "normalize_skill", None)
        if canon is not None:
            value = canon(skill)
            if isinstance(value, str) and value:
                return value.lower()
    except Exception:
        pass
    return " ".join(skill.lower().split())


def _related(skill: str) -> list[str]:
    """Related-skill group names from the taxonomy, if it exposes them."""
    try:
        from gitalong.profiles import taxonomy

        fn = getattr(taxonomy, "related_groups", None) or getattr(taxonomy, "groups_for", None)
        if fn is not None:
            return [str(g).lower() for g in fn(skill)]
    except Exception:
        pass
    return []


def _accumulate(features: Iterable[tuple[str, float]]) -> np.ndarray:
    idx: list[int] = []
    wts: list[float] = []
    for feature, weight in features:
        fi, fs = _taps(feature)
        idx.extend(fi)
        wts.extend(s * weight for s in fs)
    vec = (
        np.bincount(np.asarray(idx, dtype=np.intp), weights=np.asarray(wts), minlength=VECTOR_DIM)
        if idx
        else np.zeros(VECTOR_DIM)
    )
    norm = float(np.linalg.norm(vec))
    if norm < 1e-12:
        return np.zeros(VECTOR_DIM, dtype=np.float32)
    return (vec / norm).astype(np.float32)


def _text_features(text: str) -> list[tuple[str, float]]:
    tokens = tokenize(text)
    if not tokens:
        return []
    counts: dict[str, float] = {}

    def add(feature: str, weight: float) -> None:
        counts[feature] = counts.get(feature, 0.0) + weight

    for tok in tokens:
        add("w:" + tok, W_WORD)
        padded = f"<{tok}>"
        if len(tok) > 3:
            grams = [padded[i : i + 3] for i in range(len(padded) - 2)]
            for g in grams:
                add("c:" + g, W_CHAR / math.sqrt(len(grams)))
    for a, b in itertools.pairwise(tokens):
        add(f"b:{a} {b}", W_BIGRAM)
    for concept in concepts_for_tokens(tokens):
        add("k:" + concept, W_CONCEPT)
    # sublinear term frequency: repeating a word does not dominate the vector
    return [(f, math.copysign(1.0 + math.log(abs(w)), w) if abs(w) > 1 else w) for f, w in counts.items()]


def _skill_features(skills: Iterable[str]) -> list[tuple[str, float]]:
    out: list[tuple[str, float]] = []
    for skill in skills:
        if not isinstance(skill, str) or not skill.strip():
            continue
        key = normalize_skill(skill)
        out.append(("s:" + key, W_SKILL))
        for group in _related(key):
            out.append(("g:" + group, W_RELATED))
        for concept in concepts_for_tokens(tokenize(key)):
            out.append(("k:" + concept, W_RELATED))
    return out


def encode_text(text: str, skills: Iterable[str] = ()) -> np.ndarray:
    """One L2-normalized float32 vector for ``text`` (plus optional skill features)."""
    return _accumulate([*_text_features(text or ""), *_skill_features(skills)])


def encode_skills(skills: Iterable[str]) -> np.ndarray:
    """One L2-normalized float32 vector for a list of skills (zeros when there are none)."""
    return _accumulate(_skill_features(skills))


def profile_vectors(offer_text: str, need_text: str, skills: list[str]) -> dict[str, list[float]]:
    """The three stored vectors of a profile: ``offer_vec``, ``need_vec``, ``skills_vec``.

    Each is ``VECTOR_DIM`` Python floats, L2-normalized, or all zeros when its input is
    empty. Deterministic (same input, same output, in any process) and network-free.
    """
    skills = [s for s in (skills or []) if isinstance(s, str)]
    return {
        "offer_vec": encode_text(offer_text or "").tolist(),
        "need_vec": encode_text(need_text or "").tolist(),
        "skills_vec": encode_skills(skills).tolist(),
    }
