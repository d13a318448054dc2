"""pgvector vs FAISS at one size, from one run: the same vectors and queries, exact top 10 as the truth.

FAISS is the index `choose_faiss_factory` picks (HNSW32 at 100k, efSearch 64), searched in this process;
pgvector is an HNSW index (m 16, ef_construction 64, ef_search = the INSPECTQA_PG_EF_SEARCH default)
in an embedded PostgreSQL (pgserver) under var/bench, searched over its Unix socket. A filtered row
(one document kind, a third of the passages) shows the cost of filters inside the SQL.
"""

from __future__ import annotations

import datetime as dt
import shutil
import time
from dataclasses import dataclass

import numpy as np

from bench.common import VAR, percentiles_ms

K = 10


@dataclass(frozen=True)
class StoreResult:
    n: int
    store: str
    index: str
    build_seconds: float
    p50_ms: float
    p95_ms: float
    recall_at_10: float
    filtered_p50_ms: float
    filtered_filled: float  # share of filtered queries that got all k rows


def _timed_search(search, queries, truth, filtered) -> tuple[float, float, float, float, float]:
    for q in queries[:10]:
        search(q, None)
    times, recall = [], []
    for q, t_ids in zip(queries, truth):
        t = time.perf_counter()
        got = search(q, None)
        times.append(time.perf_counter() - t)
        recall.append(len({i for i, _ in got} & set(t_ids.tolist())) / K)
    f_times, filled = [], []
    for q in queries[:100]:
        t = time.perf_counter()
        got = search(q, filtered)
        f_times.append(time.perf_counter() - t)
        filled.append(len(got) == K)
    p50, p95 = percentiles_ms(times)
    return p50, p95, float(np.mean(recall)), percentiles_ms(f_times)[0], float(np.mean(filled))


def compare(n: int, vectors: np.ndarray, queries: np.ndarray, truth: np.ndarray, log=print) -> list[StoreResult]:
    from index.answer.search import SearchFilters
    from index.build.ann import FaissBackend, choose_faiss_factory, search_params_for, apply_search_params
    from index.build.pgvector_store import PgVectorBackend
    from index.settings import Settings

    kinds = ("inspection-report", "inspection-letter", "news")
    meta = [(f"doc-{i // 40}", kinds[(i // 40) % 3], dt.date(2010 + (i // 40) % 15, 1, 1)) for i in range(n)]
    filters = SearchFilters(kinds=("inspection-letter",))
    allowed = np.array([i for i in range(n) if meta[i][1] == "inspection-letter"], dtype=np.int64)
    results = []

    factory = choose_faiss_factory(n, vectors.shape[1])
    t = time.perf_counter()
    faiss_store = FaissBackend.build(vectors, factory)
    build = time.perf_counter() - t
    apply_search_params(faiss_store.index, search_params_for(factory))
    figures = _timed_search(lambda q, f: faiss_store.search(q, K, None if f is None else allowed), queries, truth, filters)
    results.append(StoreResult(n, "faiss", f"{factory} {search_params_for(factory)}", build, *figures))
    log(f"n={n}: {results[-1]}")

    work = VAR / "pgvector"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    settings = Settings(index_dir=work / "index", vector_store="pgvector", pg_data_dir=work / "pgdata")
    t = time.perf_counter()
    pg = PgVectorBackend.build(vectors, meta, settings)
    pg.publish()
    build = time.perf_counter() - t
    figures = _timed_search(lambda q, f: pg.search(q, K, None if f is None else allowed, filters=f), queries, truth, filters)
    results.append(StoreResult(n, "pgvector", f"HNSW m16 efc64, ef_search {settings.pg_ef_search}", build, *figures))
    log(f"n={n}: {results[-1]}")
    pg.drop()
    return results


def print_stores(rows: list[dict]) -> None:
    if not rows:
        return
    print("\n| n | store | index | build s | p50 ms | p95 ms | recall@10 | filtered (1/3 of rows) p50 ms | filtered queries filled to k |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['n']:,} | {r['store']} | {r['index']} | {r['build_seconds']:.1f} | {r['p50_ms']:.2f} | {r['p95_ms']:.2f} | "
              f"{r['recall_at_10']:.3f} | {r['filtered_p50_ms']:.2f} | {r['filtered_filled']:.2f} |")
