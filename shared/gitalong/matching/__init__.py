"""GitAlong's matching engine: encoders, reciprocal scoring, filters, diversity, batched top-K.

Pure numpy (and optionally scikit-learn); no Firebase imports. The write-time encoder
(:func:`gitalong.matching.encode.profile_vectors`) is the stable entry point used by the
profile trigger.
"""

from __future__ import annotations

VECTOR_DIM = 384

__all__ = ["VECTOR_DIM"]
