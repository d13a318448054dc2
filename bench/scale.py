"""Scale: a synthetic corpus of n passages (100k, 1M): ANN build time, size, memory, latency and
recall@10 against exact search; BM25 over the same passages with memory-mapped arrays; fusion cost.

Vectors: a real sample of synthetic passages is encoded by MiniLM (bench/realvec.py); the rest
are made from those real vectors by seeded perturbation (bench/synth.py). Queries are further
perturbed vectors (another seed), none of them in the index. Each index is searched in a fresh
subprocess, so its resident memory is that of a process holding only that index.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.common import ROOT, VAR, percentiles_ms, rss_mib

N_QUERIES = 200
K = 10


@dataclass(frozen=True)
class AnnResult:
    n: int
    factory: str
    params: str
    build_seconds: float
    size_mib: float
    rss_mib: float
    p50_ms: float
    p95_ms: float
    recall_at_10: float
    exact_p50_ms: float


def vectors_for(n: int, real: np.ndarray, seed: int = 7) -> np.ndarray:
    from bench.synth import perturbed_vectors

    path = VAR / f"vectors_s{seed}_r{len(real)}_n{n}.npy"
    if not path.is_file():
        tmp = path.with_suffix(".tmp.npy")
        perturbed_vectors(real, n, seed=seed, out=tmp)
        tmp.rename(path)
    return np.load(path, mmap_mode="r")


def queries_for(real: np.ndarray) -> np.ndarray:
    from bench.synth import perturbed_vectors

    return np.ascontiguousarray(perturbed_vectors(real, len(real) + N_QUERIES, seed=991)[len(real):])


def exact_truth(vectors: np.ndarray, queries: np.ndarray) -> tuple[np.ndarray, float]:
    """Ids of the exact top 10 of each query, and the p50 of one exact single-query search (ms)."""
    import faiss

    flat = faiss.IndexFlatIP(vectors.shape[1])
    for lo in range(0, len(vectors), 100_000):
        flat.add(np.ascontiguousarray(vectors[lo : lo + 100_000]))
    _, truth = flat.search(queries, K)
    times = []
    for q in queries[:30]:
        t = time.perf_counter()
        flat.search(q[None, :], K)
        times.append(time.perf_counter() - t)
    return truth, percentiles_ms(times)[0]


def build_ann(vectors: np.ndarray, factory: str, out: Path) -> float:
    import faiss

    from index.build.ann import build_faiss

    t = time.perf_counter()
    index = build_faiss(vectors, factory)
    seconds = time.perf_counter() - t
    faiss.write_index(index, str(out))
    return seconds


def search_in_subprocess(index_file: Path, queries_file: Path, truth_file: Path, params: list[str]) -> list[dict]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.scale", "search-worker", str(index_file), str(queries_file), str(truth_file), json.dumps(params)],
        cwd=ROOT, check=True, capture_output=True, text=True, timeout=600,
    )
    return json.loads(out.stdout)


def _search_worker(index_file: str, queries_file: str, truth_file: str, params: list[str]) -> None:
    import faiss

    from index.build.ann import apply_search_params

    index = faiss.read_index(index_file)
    queries = np.load(queries_file)
    truth = np.load(truth_file)
    results = []
    for p in params:
        apply_search_params(index, p)
        for q in queries[:10]:
            index.search(q[None, :], K)
        times, found = [], []
        for q in queries:
            t = time.perf_counter()
            _, ids = index.search(q[None, :], K)
            times.append(time.perf_counter() - t)
            found.append(ids[0])
        recall = float(np.mean([len(set(t) & set(f)) / K for t, f in zip(truth, found)]))
        p50, p95 = percentiles_ms(times)
        results.append({"params": p, "p50_ms": p50, "p95_ms": p95, "recall_at_10": recall, "rss_mib": rss_mib()})
    print(json.dumps(results))


def ann_at(n: int, real: np.ndarray, factories: dict[str, list[str]], log=print) -> list[AnnResult]:
    """Build each factory over n vectors and sweep its search parameters."""
    from index.build.ann import choose_faiss_factory

    work = VAR / f"scale_{n}"
    work.mkdir(parents=True, exist_ok=True)
    vectors = vectors_for(n, real)
    queries = queries_for(real)
    truth, exact_p50 = exact_truth(vectors, queries)
    np.save(work / "queries.npy", queries)
    np.save(work / "truth.npy", truth)
    log(f"n={n}: exact search p50 {exact_p50:.1f} ms; chosen factory {choose_faiss_factory(n, vectors.shape[1])}")
    results = []
    for factory, sweep in factories.items():
        index_file = work / (factory.replace(",", "_") + ".faiss")
        seconds = build_ann(vectors, factory, index_file)
        log(f"n={n}: built {factory} in {seconds:.1f}s")
        for r in search_in_subprocess(index_file, work / "queries.npy", work / "truth.npy", sweep):
            results.append(AnnResult(n, factory, r["params"], seconds, index_file.stat().st_size / 2**20, r["rss_mib"],
                                     r["p50_ms"], r["p95_ms"], r["recall_at_10"], exact_p50))
            log(f"n={n}: {factory} {r['params']}: p50 {r['p50_ms']:.2f} ms, recall@10 {r['recall_at_10']:.3f}, rss {r['rss_mib']:.0f} MiB")
        index_file.unlink()
    return results


# ---------------------------------------------------------------- BM25 and fusion


@dataclass(frozen=True)
class Bm25Result:
    n: int
    build_seconds: float
    size_mib: float
    rss_mib: float
    scores_p50_ms: float
    argsort_top_p50_ms: float
    argpartition_top_p50_ms: float
    rrf_fusion_p50_ms: float


def bm25_at(n: int, log=print) -> Bm25Result:
    from bench.synth import passages
    from index.build.lexical import build_bm25, save_bm25

    directory = VAR / f"bm25_{n}"
    t = time.perf_counter()
    texts = passages(n)
    retriever = build_bm25(texts)
    del texts
    save_bm25(retriever, directory)
    seconds = time.perf_counter() - t
    del retriever
    log(f"n={n}: BM25 built in {seconds:.1f}s")
    out = subprocess.run([sys.executable, "-m", "bench.scale", "bm25-worker", str(directory)], cwd=ROOT, check=True,
                         capture_output=True, text=True, timeout=600)
    r = json.loads(out.stdout)
    size = sum(f.stat().st_size for f in directory.rglob("*") if f.is_file()) / 2**20
    return Bm25Result(n, seconds, size, **r)


def _bm25_worker(directory: str) -> None:
    from bench.common import dev_questions
    from index.build.lexical import bm25_scores, load_bm25

    retriever = load_bm25(Path(directory))
    questions = dev_questions()
    for q in questions[:3]:
        bm25_scores(retriever, q)
    score_t, sort_t, part_t, fuse_t = [], [], [], []
    rng = np.random.default_rng(0)
    for q in questions:
        t = time.perf_counter()
        scores = bm25_scores(retriever, q)
        score_t.append(time.perf_counter() - t)
        t = time.perf_counter()
        np.argsort(-scores, kind="stable")[:30]  # what index/answer/search.py does today
        sort_t.append(time.perf_counter() - t)
        t = time.perf_counter()
        top = np.argpartition(-scores, 30)[:30]
        top = top[np.argsort(-scores[top], kind="stable")]
        part_t.append(time.perf_counter() - t)
        dense = [(int(i), 0.0) for i in rng.integers(0, len(scores), 30)]
        lexical = [(int(i), float(scores[i])) for i in top]
        t = time.perf_counter()
        fused: dict[int, float] = {}
        for ranking in (dense, lexical):
            for rank, (pid, _) in enumerate(ranking):
                fused[pid] = fused.get(pid, 0.0) + 1.0 / (60 + rank + 1)
        sorted(fused, key=lambda pid: (-fused[pid], pid))[:30]
        fuse_t.append(time.perf_counter() - t)
    print(json.dumps({
        "rss_mib": rss_mib(),
        "scores_p50_ms": percentiles_ms(score_t)[0],
        "argsort_top_p50_ms": percentiles_ms(sort_t)[0],
        "argpartition_top_p50_ms": percentiles_ms(part_t)[0],
        "rrf_fusion_p50_ms": percentiles_ms(fuse_t)[0],
    }))


if __name__ == "__main__":
    if sys.argv[1] == "search-worker":
        _search_worker(sys.argv[2], sys.argv[3], sys.argv[4], json.loads(sys.argv[5]))
    elif sys.argv[1] == "bm25-worker":
        _bm25_worker(sys.argv[2])
