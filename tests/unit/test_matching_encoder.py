"""The sentence encoder: our WordPiece against the reference, the pinned files, no network, odd input."""

from __future__ import annotations

import random
import shutil
import subprocess
import sys
from importlib import resources

import numpy as np
import pytest

from gitalong.matching import ENCODER_ID, VECTOR_DIM, wordpiece
from gitalong.matching.encode import card_vectors, offer_text, pack_pair, profile_vectors, unpack_pair
from gitalong.matching.encoder import encode_text, encode_texts

SAMPLES = [
    "I build Flutter apps & teach Dart!",
    "Necesito ayuda con mi página web, ¿quién puede?",
    "Ich suche jemanden für die Buchhaltung meiner Firma.",
    "naïve café résumé Ångström İstanbul ß ﬁ",
    "中文测试 mixed 日本語 한국어",
    "😀 emoji 🎉 only",
    "C++/C# dev, node.js, e-mail: a@b.c, 50% off!!!",
    "x" * 150,
    "tab\tnew\nline\r\x00ctrl\x07 zero\u200bwidth",
    "Ελληνικά русский текст العربية हिन्दी",
    "recat natve devloper lookin for a desiner",
]


def _corpus() -> list[str]:
    rng = random.Random(11)
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFG éèüñçøå.,;:!?-_/()[]'\"0123456789#+@&%$€ßœ中文😀\t\n"
    return SAMPLES + ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 300))) for _ in range(2000)]


def test_our_wordpiece_gives_the_reference_tokenizers_ids_for_every_text() -> None:
    from tokenizers import BertWordPieceTokenizer

    vocab = resources.files("gitalong").joinpath("data", wordpiece.VOCAB_FILE)
    reference = BertWordPieceTokenizer(str(vocab), lowercase=True)
    reference.enable_truncation(max_length=256)
    mismatches = [t for t in _corpus() if reference.encode(t).ids != wordpiece.encode(t)]
    assert mismatches == []


def test_a_vocabulary_that_is_not_the_pinned_file_is_refused() -> None:
    data = resources.files("gitalong").joinpath("data", wordpiece.VOCAB_FILE).read_bytes()
    assert len(wordpiece.parse_vocabulary(data)) == 30522
    with pytest.raises(wordpiece.VocabularyError, match="sha256"):
        wordpiece.parse_vocabulary(data.replace(b"\nthe\n", b"\nteh\n", 1))


def test_long_texts_are_truncated_at_256_tokens_with_cls_and_sep() -> None:
    ids = wordpiece.encode("python " * 5000)
    vocab = wordpiece.vocabulary()
    assert len(ids) == 256 and ids[0] == vocab["[CLS]"] and ids[-1] == vocab["[SEP]"]


def test_vectors_are_unit_length_finite_and_384_wide_for_odd_but_real_text() -> None:
    vectors = encode_texts([*SAMPLES, "a" * 10_000, "word " * 2_000])
    assert vectors.shape == (len(SAMPLES) + 2, VECTOR_DIM) and vectors.dtype == np.float32
    assert np.isfinite(vectors).all()
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)


@pytest.mark.parametrize("text", ["", "   ", "\n\t ", "😀🎉🔥", "!!! ??? ...", "\x00\x07"])
def test_a_text_without_a_word_encodes_to_the_zero_vector(text: str) -> None:
    assert not encode_text(text).any()


def test_batched_and_single_encoding_agree() -> None:
    batch = encode_texts(SAMPLES)
    for row, text in zip(batch, SAMPLES, strict=True):
        assert np.allclose(row, encode_text(text), atol=1e-5)


def test_write_time_vectors_are_the_query_time_encoding_of_the_same_text() -> None:
    offer, need, skills = "I restore old bikes", "someone to fix my laptop", ["Bike repair", "Welding"]
    vectors = profile_vectors(offer, need, skills)
    assert np.allclose(vectors["need_vec"], encode_text(need), atol=1e-6)
    assert np.allclose(vectors["offer_vec"], encode_text(offer_text(offer, skills)), atol=1e-6)
    card = card_vectors(offer, need, skills)
    assert card["encoder"] == ENCODER_ID
    assert isinstance(card["rerank"], bytes)
    unpacked = unpack_pair(card["rerank"])
    assert unpacked is not None
    assert np.allclose(unpacked[0], vectors["offer_vec"], atol=2e-3)
    assert np.allclose(unpacked[1], vectors["need_vec"], atol=2e-3)


def test_skills_alone_still_give_an_offer_vector_and_no_text_gives_none() -> None:
    assert any(profile_vectors("", "", ["Figma", "Illustrator"])["offer_vec"])
    assert not any(profile_vectors("", "", [])["offer_vec"])
    assert offer_text("", ["Go"]) == "Skills: Go" and offer_text("APIs", ["Go"]) == "APIs"


def test_a_malformed_rerank_blob_reads_as_nothing() -> None:
    assert unpack_pair(b"short") is None
    assert unpack_pair(np.full(2 * VECTOR_DIM, np.nan, dtype="<f2").tobytes()) is None
    assert unpack_pair(pack_pair([0.5] * VECTOR_DIM, [0.25] * VECTOR_DIM)) is not None


def test_meaning_is_found_across_languages_and_without_shared_words() -> None:
    need = encode_text("necesito clases de guitarra")
    assert float(need @ encode_text("I teach guitar to beginners")) > float(
        need @ encode_text("I manage Kubernetes clusters")
    ) + 0.15
    query = encode_text("instrument teacher")
    assert float(query @ encode_text("guitar lessons")) > float(query @ encode_text("kubernetes operations")) + 0.2


_NO_SOCKET = """
import socket, sys
def refuse(event, args):
    if event.startswith("socket.") :
        raise RuntimeError("socket used: " + event)
sys.addaudithook(refuse)
from gitalong.matching.encoder import encode_text
vec = encode_text("offline check: I teach maths")
print(round(float(vec @ vec), 3))
"""


def test_the_encoder_loads_and_encodes_without_opening_a_socket() -> None:
    out = subprocess.run([sys.executable, "-c", _NO_SOCKET], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "1.0"


@pytest.mark.skipif(shutil.which("unshare") is None, reason="util-linux unshare is not installed")
def test_the_encoder_works_with_the_network_unreachable() -> None:
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("no permission for a network namespace here: the audit-hook test above still runs")
    code = (
        "from gitalong.matching.encoder import encode_text;"
        "print(round(float(encode_text('hola') @ encode_text('hola')), 3))"
    )
    out = subprocess.run(["unshare", "-n", sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "1.0"


def test_importing_the_encoder_does_not_load_onnxruntime_until_the_first_text() -> None:
    code = (
        "import sys; import gitalong.matching.encode, gitalong.matching.recommendations, gitalong.matching.search;"
        "print('onnxruntime' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "False"
