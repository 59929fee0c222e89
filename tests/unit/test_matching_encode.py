"""The write-time encoder: shape, normalization, determinism, meaning."""

from __future__ import annotations

import subprocess
import sys

import numpy as np

from gitalong.matching import VECTOR_DIM
from gitalong.matching.encode import encode_text, profile_vectors


def test_profile_vectors_returns_three_unit_vectors_of_the_published_dimension() -> None:
    vecs = profile_vectors("I build Flutter apps", "need a Django backend", ["Flutter", "Dart"])
    assert VECTOR_DIM == 384
    assert set(vecs) == {"offer_vec", "need_vec", "skills_vec"}
    for vec in vecs.values():
        assert len(vec) == VECTOR_DIM
        assert all(isinstance(x, float) for x in vec)
        assert abs(float(np.linalg.norm(vec)) - 1.0) < 1e-5


def test_empty_inputs_encode_to_the_zero_vector() -> None:
    vecs = profile_vectors("", "   ", [])
    assert all(not any(vec) for vec in vecs.values())


def test_encoding_is_deterministic_across_processes_with_different_hash_seeds() -> None:
    code = (
        "from gitalong.matching.encode import profile_vectors;"
        "print(round(sum(profile_vectors('teach python','need figma',['Go'])['offer_vec'][:50]), 6))"
    )
    outs = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={"PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2")
    }
    assert len(outs) == 1


def test_related_meaning_scores_above_unrelated_text_with_no_shared_word() -> None:
    query = encode_text("instrument teacher")
    assert (
        float(query @ encode_text("guitar lessons"))
        > float(query @ encode_text("kubernetes cluster operations")) + 0.2
    )


def test_a_huge_text_is_truncated_not_slow() -> None:
    vec = encode_text("python " * 5000)
    assert vec.shape == (VECTOR_DIM,)
