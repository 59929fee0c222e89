"""BERT's uncased WordPiece tokenizer over the model's own ``vocab.txt``, in pure Python.

The same ids as Hugging Face ``tokenizers`` with all-MiniLM-L6-v2's ``tokenizer.json``
(BertNormalizer: clean text, space around CJK, strip accents, lower-case; BertPreTokenizer:
split on whitespace and punctuation; WordPiece with ``##`` continuations, ``[UNK]`` for a
word it cannot cover or longer than 100 characters). A unit test checks the ids against
``tokenizers`` on a few thousand texts. Ours instead of ``tokenizers`` because that wheel
pulls ``huggingface-hub`` and about ten more packages into every deployed function for a
job this file does in ~0.1 ms per short text.

The vocabulary is verified by its sha256 when loaded: a changed or truncated file would
silently give other ids, and so other vectors than the ones stored.
"""

from __future__ import annotations

import hashlib
import unicodedata
from functools import lru_cache
from importlib import resources

VOCAB_FILE = "minilm-vocab.txt"
VOCAB_SHA256 = "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3"
MAX_WORD_CHARS = 100


class VocabularyError(RuntimeError):
    """The shipped vocabulary file is missing or is not the one the model was trained with."""


@lru_cache(maxsize=1)
def vocabulary() -> dict[str, int]:
    """Token -> id, from ``gitalong/data/minilm-vocab.txt`` (checked against :data:`VOCAB_SHA256`)."""
    return parse_vocabulary(resources.files("gitalong").joinpath("data", VOCAB_FILE).read_bytes())


def parse_vocabulary(data: bytes) -> dict[str, int]:
    """Token -> id of a ``vocab.txt`` (one token a line); refuses any file but the pinned one."""
    digest = hashlib.sha256(data).hexdigest()
    if digest != VOCAB_SHA256:
        raise VocabularyError(f"{VOCAB_FILE}: sha256 {digest}, expected {VOCAB_SHA256}")
    return {token: i for i, token in enumerate(data.decode("utf-8").split("\n")) if token}


def _is_punctuation(ch: str) -> bool:
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _is_cjk(cp: int) -> bool:
    return (
        0x4E00 <= cp <= 0x9FFF
        or 0x3400 <= cp <= 0x4DBF
        or 0x20000 <= cp <= 0x2A6DF
        or 0x2A700 <= cp <= 0x2B73F
        or 0x2B740 <= cp <= 0x2B81F
        or 0x2B820 <= cp <= 0x2CEAF
        or 0xF900 <= cp <= 0xFAFF
        or 0x2F800 <= cp <= 0x2FA1F
    )


def _normalize(text: str) -> str:
    """BertNormalizer: drop control characters, whitespace to spaces, space out CJK, strip accents, lower."""
    out: list[str] = []
    for ch in text:
        cp = ord(ch)
        if cp == 0 or cp == 0xFFFD:
            continue
        if ch in "\t\n\r" or unicodedata.category(ch) == "Zs":
            out.append(" ")
            continue
        if unicodedata.category(ch).startswith("C"):
            continue
        if _is_cjk(cp):
            out.append(f" {ch} ")
            continue
        out.append(ch)
    stripped = "".join(c for c in unicodedata.normalize("NFD", "".join(out)) if unicodedata.category(c) != "Mn")
    return stripped.lower()


def _words(text: str) -> list[str]:
    """BertPreTokenizer: whitespace-separated runs, each punctuation character its own word."""
    words: list[str] = []
    for chunk in text.split():
        start = 0
        for i, ch in enumerate(chunk):
            if _is_punctuation(ch):
                if start < i:
                    words.append(chunk[start:i])
                words.append(ch)
                start = i + 1
        if start < len(chunk):
            words.append(chunk[start:])
    return words


@lru_cache(maxsize=50_000)
def _word_ids(word: str) -> tuple[int, ...]:
    """Greedy longest-match-first WordPiece ids of one word (``[UNK]`` when it cannot be covered)."""
    vocab = vocabulary()
    if len(word) > MAX_WORD_CHARS:
        return (vocab["[UNK]"],)
    ids: list[int] = []
    start = 0
    while start < len(word):
        end = len(word)
        found = None
        while start < end:
            piece = word[start:end] if start == 0 else "##" + word[start:end]
            if piece in vocab:
                found = vocab[piece]
                break
            end -= 1
        if found is None:
            return (vocab["[UNK]"],)
        ids.append(found)
        start = end
    return tuple(ids)


def encode(text: str, max_length: int = 256) -> list[int]:
    """``[CLS] pieces… [SEP]`` ids of ``text``, truncated to ``max_length`` ids in all."""
    vocab = vocabulary()
    pieces: list[int] = []
    budget = max_length - 2
    for word in _words(_normalize(text)):
        pieces.extend(_word_ids(word))
        if len(pieces) >= budget:
            break
    return [vocab["[CLS]"], *pieces[:budget], vocab["[SEP]"]]
