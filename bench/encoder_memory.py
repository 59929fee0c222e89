"""Resident memory and time of the sentence encoder and the candidate index, in fresh processes.

    ./dev bench encoder_memory [--sizes 5000,100000]

Each figure comes from its own interpreter so nothing is shared: the baseline imports what
a matching function imports before its first call; then the first encode (session load);
then an index of N people (random unit vectors, as the index stores them). Prints RSS (MiB)
and the time of each step. What it says about function memory is in docs/matching.md.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

_CHILD = r"""
import json, resource, sys, time
def rss():
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmRSS")) / 1024
out = {}
import numpy as np
import gitalong.matching.recommendations, gitalong.matching.search  # what a matching handler imports
out["imports_mib"] = rss()
t = time.perf_counter()
from gitalong.matching.encoder import encode_text, encode_texts
encode_text("warm up: I teach maths")
out["first_encode_s"] = time.perf_counter() - t
out["after_encoder_mib"] = rss()
t = time.perf_counter()
encode_texts(["I can build your mobile app in Flutter, with a Firebase backend"] * 64)
out["ms_per_text_batched"] = (time.perf_counter() - t) / 64 * 1000
n = int(sys.argv[1])
from gitalong.matching.index import CandidateIndex
rng = np.random.default_rng(0)
index = CandidateIndex()
for i in range(n):
    v = rng.standard_normal((3, 384)).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    index.upsert(f"u{i}", v[0], v[1], v[2], "Lagos")
out["after_index_mib"] = rss()
q = rng.standard_normal(384).astype(np.float32); q /= np.linalg.norm(q)
t = time.perf_counter()
for _ in range(20):
    index.reciprocal(q, q, 65, ())
out["reciprocal_query_ms"] = (time.perf_counter() - t) / 20 * 1000
out["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="5000,100000")
    args = parser.parse_args()
    for n in (int(s) for s in args.sizes.split(",")):
        res = json.loads(subprocess.run([sys.executable, "-c", _CHILD, str(n)], capture_output=True, text=True,
                                        check=True).stdout)
        print(f"N={n:>7,}: imports {res['imports_mib']:.0f} MiB -> +encoder {res['after_encoder_mib']:.0f} MiB "
              f"(first encode {res['first_encode_s']:.2f} s, {res['ms_per_text_batched']:.1f} ms/text batched) "
              f"-> +index {res['after_index_mib']:.0f} MiB; peak {res['peak_mib']:.0f} MiB; "
              f"reciprocal top-65 over everyone {res['reciprocal_query_ms']:.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
