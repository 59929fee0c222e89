"""Speed and memory of reciprocal top-K, against numpy brute force, scikit-learn and FAISS.

    ./dev bench matching [--sizes 10000,30000,100000] [--skip-naive]

Per N (384-d float32 unit vectors, random; two vectors per user, offer and need):

(a) live: one viewer's reciprocal top-65 from the candidate index exactly as the callables
    ask it (``CandidateIndex.reciprocal``: hubness-corrected, ~200 exclusions), p50/p95 over
    100 viewers; what the callables cost end to end over HTTP is ``bench/matching_calls.py``;
(b) batch: reciprocal top-20 for all N users, ~200 excluded ids per user, with the engine
    (``reciprocal_topk``) as one shard and as 8 shards in turn;
(c) peak memory (tracemalloc, numpy allocations included) of one engine shard of N/8 users.

References in the same run: plain numpy brute force (block of 1,000 viewers, naive
``Q @ X.T`` twice, harmonic mean with temporaries, full-row masking, argpartition),
scikit-learn ``NearestNeighbors(algorithm="brute", metric="cosine")`` one direction top-20,
FAISS ``IndexFlatIP`` one direction top-20 (benchmark-only dependency).
Heavy: never part of the test suite.
"""

from __future__ import annotations

import argparse
import statistics
import time
import tracemalloc

import numpy as np

from gitalong.matching.topk import Exclusions, reciprocal_topk

DIM, K, EXCL = 384, 20, 200


def unit(rng: np.random.Generator, n: int) -> np.ndarray:
    x = rng.standard_normal((n, DIM), dtype=np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x


def live_p50(offer: np.ndarray, need: np.ndarray, excl: Exclusions, rng: np.random.Generator) -> tuple[float, float]:
    from threadpoolctl import threadpool_limits

    from gitalong.matching.index import CandidateIndex

    index = CandidateIndex(capacity=offer.shape[0])
    for i in range(offer.shape[0]):
        index.upsert(f"u{i}", offer[i], need[i], offer[i])
    index.population()  # computed once per change of the index, not per query
    times = []
    for v in rng.choice(offer.shape[0], size=100, replace=False):
        skip = {f"u{c}" for c in excl.cols[excl.ptr[v] : excl.ptr[v + 1]]} | {f"u{v}"}
        with threadpool_limits(1):  # as functions/main.py sets it: a 1 GiB function has 0.58 vCPU
            t = time.perf_counter()
            index.reciprocal(offer[v], need[v], 3 * K + 5, skip)
            times.append(time.perf_counter() - t)
    times.sort()
    return statistics.median(times) * 1000, times[94] * 1000


def engine_batch(offer: np.ndarray, need: np.ndarray, excl_lists: list[np.ndarray], shards: int) -> float:
    n = offer.shape[0]
    t = time.perf_counter()
    for s in range(shards):
        rows = np.arange(s, n, shards)
        ex = Exclusions.from_lists([excl_lists[r] for r in rows])
        reciprocal_topk(offer[rows], need[rows], offer, need, K, ex, viewer_cols=rows)
    return time.perf_counter() - t


def shard_peak_mib(offer: np.ndarray, need: np.ndarray, excl_lists: list[np.ndarray], shards: int) -> float:
    n = offer.shape[0]
    rows = np.arange(0, n, shards)
    tracemalloc.start()
    ex = Exclusions.from_lists([excl_lists[r] for r in rows])
    reciprocal_topk(offer[rows], need[rows], offer, need, K, ex, viewer_cols=rows)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # the shard also holds the candidate matrices it loaded (not allocated inside the call)
    return (peak + offer.nbytes + need.nbytes) / 2**20


def naive_batch(offer: np.ndarray, need: np.ndarray, excl_lists: list[np.ndarray], block: int = 1000) -> float:
    n = offer.shape[0]
    t = time.perf_counter()
    for start in range(0, n, block):
        stop = min(n, start + block)
        a = need[start:stop] @ offer.T
        b = offer[start:stop] @ need.T
        h = 2 * np.maximum(a, 0) * np.maximum(b, 0) / (np.maximum(a, 0) + np.maximum(b, 0) + 1e-9)
        for i in range(start, stop):
            h[i - start, excl_lists[i]] = -np.inf
            h[i - start, i] = -np.inf
        np.argpartition(h, n - K, axis=1)[:, n - K :]
    return time.perf_counter() - t


def sklearn_one_direction(offer: np.ndarray, need: np.ndarray) -> float:
    from sklearn.neighbors import NearestNeighbors

    t = time.perf_counter()
    nn = NearestNeighbors(n_neighbors=K, algorithm="brute", metric="cosine").fit(offer)
    nn.kneighbors(need, return_distance=True)
    return time.perf_counter() - t


def faiss_one_direction(offer: np.ndarray, need: np.ndarray) -> float | None:
    try:
        import faiss
    except ImportError:
        return None
    t = time.perf_counter()
    index = faiss.IndexFlatIP(DIM)
    index.add(offer)
    index.search(need, K)
    return time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,30000")
    parser.add_argument("--skip-naive", action="store_true")
    parser.add_argument("--skip-sklearn", action="store_true")
    parser.add_argument("--live-only", action="store_true", help="only (a), e.g. at N=100,000")
    args = parser.parse_args()
    rows = []
    for n in [int(x) for x in args.sizes.split(",")]:
        rng = np.random.default_rng(n)
        offer, need = unit(rng, n), unit(rng, n)
        excl_lists = [rng.choice(n, size=min(EXCL, n - 1), replace=False) for _ in range(n)]
        all_excl = Exclusions.from_lists(excl_lists)
        live50, live95 = live_p50(offer, need, all_excl, rng)
        if args.live_only:
            print(f"N={n}: live p50 {live50:.1f} ms, p95 {live95:.1f} ms", flush=True)
            continue
        one = engine_batch(offer, need, excl_lists, 1)
        eight = engine_batch(offer, need, excl_lists, 8)
        peak = shard_peak_mib(offer, need, excl_lists, 8)
        fa = faiss_one_direction(offer, need)
        sk = None if args.skip_sklearn else sklearn_one_direction(offer, need)
        nv = None if args.skip_naive else naive_batch(offer, need, excl_lists)
        rows.append((n, live50, live95, one, eight, peak, nv, sk, fa))
        print(f"N={n}: done", flush=True)

    def f(x: float | None, fmt: str = "{:.1f}") -> str:
        return "-" if x is None else fmt.format(x)

    print()
    print(
        "| N | live p50 / p95 (ms) | engine all-users, 1 shard (s) | 8 shards (s) | shard peak (MiB) "
        "| numpy naive (s) | sklearn brute 1-dir (s) | FAISS FlatIP 1-dir (s) | engine / FAISS |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for n, l50, l95, one, eight, peak, nv, sk, fa in rows:
        ratio = f(one / fa, "{:.2f}x") if fa else "-"
        print(
            f"| {n:,} | {l50:.1f} / {l95:.1f} | {one:.1f} | {eight:.1f} | {peak:.0f} "
            f"| {f(nv)} | {f(sk)} | {f(fa)} | {ratio} |"
        )


if __name__ == "__main__":
    main()
