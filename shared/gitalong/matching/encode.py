"""A profile's three stored vectors, from its texts and skills (the stable write-time interface).

- ``offer_vec``: the sentence encoder (:mod:`gitalong.matching.encoder`, MiniLM) over what
  the person offers, or over the skills they list when they wrote no offer (see
  :func:`offer_text`): a person who lists Flutter and Dart still offers something.
- ``need_vec``: the sentence encoder over what they need.
- ``skills_vec``: a hashed projection of their canonical skills and the taxonomy's related
  groups (BLAKE2b, process-independent): inner products count shared and related skills,
  which is what ``similar_users`` means (docs/matching.md has the measurement behind it).

Each is 384 floats, L2-normalized, or all zeros when there is nothing to encode. Use
DOT_PRODUCT (or EUCLIDEAN) distance: COSINE is undefined for the zero vector.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from functools import lru_cache

import numpy as np

from gitalong.matching import ENCODER_ID, VECTOR_DIM
from gitalong.matching.encoder import encode_text, encode_texts
from gitalong.profiles import taxonomy

__all__ = [
    "ENCODER_ID",
    "VECTOR_DIM",
    "card_vectors",
    "encode_skills",
    "encode_text",
    "normalize_skill",
    "offer_text",
    "pack_pair",
    "profile_vectors",
    "profile_vectors_batch",
    "unpack_pair",
]

_TAPS = 4
W_SKILL = 1.5
W_RELATED = 0.7
MAX_OFFER_SKILLS = 30


def offer_text(offer: str, skills: Sequence[str]) -> str:
    """What the encoder reads for the offer side: the offer text, or the listed skills when there is none.

    Chosen on the paraphrase evaluation's dev split (docs/matching.md): skills stand in for a
    missing offer; appended to a written offer they blur it (hit@1 0.40 vs 0.45 on dev).
    """
    offer = (offer or "").strip()
    listed = [s for s in skills if isinstance(s, str) and s.strip()][:MAX_OFFER_SKILLS]
    if offer or not listed:
        return offer
    return f"Skills: {', '.join(listed)}"


def normalize_skill(skill: str) -> str:
    """Canonical key of a skill: the taxonomy's canonical name, lower case."""
    return taxonomy.canonicalize(skill).lower()


@lru_cache(maxsize=200_000)
def _taps(feature: str) -> tuple[tuple[int, ...], tuple[float, ...]]:
    """The ``_TAPS`` (index, sign) pairs of one feature; stable across processes."""
    value = int.from_bytes(hashlib.blake2b(feature.encode("utf-8"), digest_size=8).digest(), "little")
    idx: list[int] = []
    sign: list[float] = []
    for _ in range(_TAPS):
        idx.append((value & 0x3FF) % VECTOR_DIM)
        sign.append(1.0 if value & 0x400 else -1.0)
        value >>= 11
    return tuple(idx), tuple(sign)


def encode_skills(skills: Iterable[str]) -> np.ndarray:
    """One L2-normalized float32 vector for a list of skills (zeros when there are none)."""
    idx: list[int] = []
    wts: list[float] = []
    for skill in skills:
        if not isinstance(skill, str) or not skill.strip():
            continue
        key = normalize_skill(skill)
        features = [("s:" + key, W_SKILL)] + [("g:" + g.lower(), W_RELATED) for g in taxonomy.related_groups(key)]
        for feature, weight in features:
            fi, fs = _taps(feature)
            idx.extend(fi)
            wts.extend(s * weight for s in fs)
    if not idx:
        return np.zeros(VECTOR_DIM, dtype=np.float32)
    vec = np.bincount(np.asarray(idx, dtype=np.intp), weights=np.asarray(wts), minlength=VECTOR_DIM)
    norm = float(np.linalg.norm(vec))
    return (vec / norm).astype(np.float32) if norm > 1e-12 else np.zeros(VECTOR_DIM, dtype=np.float32)


def profile_vectors_batch(profiles: Sequence[tuple[str, str, list[str]]]) -> list[dict[str, list[float]]]:
    """:func:`profile_vectors` of many ``(offer_text, need_text, skills)`` at once (batched encoding)."""
    texts: list[str] = []
    for offer, need, skills in profiles:
        texts += [offer_text(offer, skills or []), need or ""]
    encoded = encode_texts(texts)
    return [
        {
            "offer_vec": encoded[2 * i].tolist(),
            "need_vec": encoded[2 * i + 1].tolist(),
            "skills_vec": encode_skills(skills or []).tolist(),
        }
        for i, (_, _, skills) in enumerate(profiles)
    ]


def profile_vectors(offer: str, need: str, skills: list[str]) -> dict[str, list[float]]:
    """The three stored vectors of a profile: ``offer_vec``, ``need_vec``, ``skills_vec``.

    Each is ``VECTOR_DIM`` Python floats, L2-normalized, or all zeros when its input is
    empty. Deterministic and network-free.
    """
    return profile_vectors_batch([(offer or "", need or "", [s for s in (skills or []) if isinstance(s, str)])])[0]


def pack_pair(offer: Sequence[float], need: Sequence[float]) -> bytes:
    """``offer_vec`` and ``need_vec`` as 768 little-endian float16 (1,536 bytes): the card's ``rerank``.

    Candidate reads fetch this instead of the two ``Vector`` fields (768 doubles to decode
    per card); float16 keeps similarities to about 1e-3, far below what separates ranks.
    """
    return np.concatenate([np.asarray(offer, "<f4"), np.asarray(need, "<f4")]).astype("<f2").tobytes()


def unpack_pair(blob: bytes) -> tuple[np.ndarray, np.ndarray] | None:
    """The two float32 vectors of :func:`pack_pair` (None when ``blob`` is not one)."""
    if not isinstance(blob, bytes | bytearray) or len(blob) != 4 * VECTOR_DIM:
        return None
    both = np.frombuffer(bytes(blob), dtype="<f2").astype(np.float32)
    if not np.isfinite(both).all():
        return None
    return both[:VECTOR_DIM], both[VECTOR_DIM:]


def card_vectors(offer: str, need: str, skills: list[str]) -> dict[str, object]:
    """What a card stores about its vectors: the three vectors (lists), ``rerank`` and ``encoder``."""
    vectors = profile_vectors(offer, need, skills)
    return {**vectors, "rerank": pack_pair(vectors["offer_vec"], vectors["need_vec"]), "encoder": ENCODER_ID}
