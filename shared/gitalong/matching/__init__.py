"""GitAlong's matching engine: encoders, reciprocal scoring, filters, diversity, batched top-K.

Pure numpy and onnxruntime; no Firebase imports. The write-time encoder
(:func:`gitalong.matching.encode.card_vectors`) is the stable entry point used by the
profile trigger; :mod:`gitalong.matching.encoder` is the sentence model behind it.
"""

from __future__ import annotations

VECTOR_DIM = 384

ENCODER_NAME = "all-MiniLM-L6-v2-int8"
ENCODER_VERSION = 1
ENCODER_ID = f"{ENCODER_NAME}@{ENCODER_VERSION}"
"""Written on every card as ``encoder``; bump ``ENCODER_VERSION`` whenever text vectors would change
(model, tokenizer, pooling, or what text is fed). Cards of another encoder read as outdated."""

__all__ = ["ENCODER_ID", "ENCODER_NAME", "ENCODER_VERSION", "VECTOR_DIM"]
