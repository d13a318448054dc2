"""`python -m bench [--scale] [--skip-scale]`: every figure beside its reference from the same run.

Default (make bench): query path, build, start-up, memory, two workers, build encoding local vs Ray,
and the 100k scale set (ANN, BM25, pgvector vs FAISS).
--scale (make bench-scale): the one-million-passage ANN and BM25 set instead of 100k, and the whole
service (`inspectqa serve`, 1,000 asks) at 100k and 1M passages (bench/service_scale.py).
Results are printed as markdown tables and saved to var/bench/results-<time>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from dataclasses import asdict

from bench.common import VAR, Row, machine, table

REAL_SAMPLE = int(os.environ.get("INSPECTQA_BENCH_REAL_SAMPLE", "4000"))
# search parameters swept at each size; the chosen default is marked in index/build/ann.py
SWEEPS = {
    100_000: {"HNSW32,Flat": ["efSearch=16", "efSearch=32", "efSearch=64", "efSearch=128"],
              "IVF512,SQ8": ["nprobe=8", "nprobe=16", "nprobe=32"]},
    1_000_000: {"IVF2048,SQ8": ["nprobe=8", "nprobe=16", "nprobe=32", "nprobe=64"]},
}


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def service_benchmarks(results: dict) -> list[Row]:
    from bench import build, memory, query, startup, workers
    from index.answer.answerer import QuestionAnswerer
    from index.build.embed import Encoder
    from index.settings import Settings
    from index.build.store import load_index

    settings = Settings()
    encoder = Encoder.for_settings(settings).load()
    questions = query.questions()
    work = VAR / "service"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    rows: list[Row] = []

    log("build: fresh build_index vs raw encode")
    build_rows, index_dir = build.build_throughput(settings, encoder, work)
    rows += build_rows
    served_settings = settings.model_copy(update={"index_dir": index_dir})
    index = load_index(index_dir, served_settings)
    answerer = QuestionAnswerer(index, encoder, served_settings)

    log(f"in-process answer() over {len(questions)} dev questions")
    rows += query.in_process(answerer, encoder, questions)
    log("naive LangChain-tutorial pipeline")
    naive_rows, results["gold_quote_hits"] = query.naive_pipeline(settings.corpus_dir, encoder, answerer, query.question_rows())
    rows += naive_rows
    log("HTTP /ask against a served process")
    http_rows, served = query.http_ask(index_dir, encoder, questions)
    rows += http_rows
    log("start-up: bare model load in a separate process")
    load_seconds, load_rss = startup.bare_model_load()
    rows += startup.startup_rows(served["ready_seconds"], load_seconds)
    rows += memory.memory_rows(served["rss_mib"], index_dir, load_rss)
    results["served_process_smaps_mib"] = served["smaps"]
    results["http_throughput"] = served["qps"]

    log("two inspectqa serve workers on one index")
    results["two_service_workers_mib"] = workers.hold_services(index_dir)
    log("build encoding: local vs Ray on this machine")
    from bench import ray_build

    results["ray_build"] = ray_build.throughput(log=log)
    return rows


def scale_benchmarks(sizes: list[int], results: dict) -> None:
    from bench import scale, workers
    from bench.realvec import real_vectors

    real, rate = real_vectors(REAL_SAMPLE, log=log)
    results["real_sample"] = {"passages": REAL_SAMPLE, "encode_passages_per_s": rate}
    for n in sizes:
        ann = scale.ann_at(n, real, SWEEPS[n], log=log)
        results.setdefault("ann", []).extend(asdict(a) for a in ann)
        bm = scale.bm25_at(n, log=log)
        results.setdefault("bm25", []).append(asdict(bm))
        log(f"n={n}: BM25 {bm}")
        # two workers holding the chosen index, memory-mapped or copied
        from index.build.ann import build_faiss, choose_faiss_factory

        factory = choose_faiss_factory(n, real.shape[1])
        index_file = VAR / f"scale_{n}" / "chosen.faiss"
        scale.build_ann(scale.vectors_for(n, real), factory, index_file)
        results.setdefault("two_workers", []).append({
            "n": n, "factory": factory,
            "copied": workers.hold_index(index_file, mmap=False),
            "mmap": workers.hold_index(index_file, mmap=True),
        })
        index_file.unlink()
        if n <= 100_000:
            from bench import pgvector_vs_faiss

            work = VAR / f"scale_{n}"
            work.mkdir(parents=True, exist_ok=True)
            queries = scale.queries_for(real)
            truth, _ = scale.exact_truth(scale.vectors_for(n, real), queries)
            stores = pgvector_vs_faiss.compare(n, scale.vectors_for(n, real), queries, truth, log=log)
            results.setdefault("stores", []).extend(asdict(r) for r in stores)


def service_scale_benchmarks(sizes: list[int], results: dict) -> None:
    from bench import service_scale
    from bench.realvec import real_vectors

    real, _ = real_vectors(REAL_SAMPLE, log=log)
    for n in sizes:
        results.setdefault("service_scale", []).append(asdict(service_scale.service_at(n, real, log=log)))


def print_scale(results: dict) -> None:
    print("\n| n | index | params | build s | size MiB | RSS MiB | p50 ms | p95 ms | recall@10 | exact p50 ms |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for a in results.get("ann", []):
        print(f"| {a['n']:,} | {a['factory']} | {a['params']} | {a['build_seconds']:.1f} | {a['size_mib']:.0f} | {a['rss_mib']:.0f} | "
              f"{a['p50_ms']:.2f} | {a['p95_ms']:.2f} | {a['recall_at_10']:.3f} | {a['exact_p50_ms']:.1f} |")
    print("\n| n | BM25 build s | size MiB | RSS MiB | scores p50 ms | argsort top-30 ms | argpartition top-30 ms | RRF fusion ms |")
    print("|---|---|---|---|---|---|---|---|")
    for b in results.get("bm25", []):
        print(f"| {b['n']:,} | {b['build_seconds']:.1f} | {b['size_mib']:.0f} | {b['rss_mib']:.0f} | {b['scores_p50_ms']:.2f} | "
              f"{b['argsort_top_p50_ms']:.2f} | {b['argpartition_top_p50_ms']:.2f} | {b['rrf_fusion_p50_ms']:.3f} |")
    from bench.pgvector_vs_faiss import print_stores
    from bench.ray_build import print_ray
    from bench.service_scale import print_service_scale

    print_stores(results.get("stores", []))
    print_ray(results.get("ray_build"))
    print_service_scale(results.get("service_scale", []))
    for w in results.get("two_workers", []):
        for mode in ("copied", "mmap"):
            each = ", ".join(f"Rss {p['Rss']:.0f} / Pss {p['Pss']:.0f} / shared {p['Shared_Clean'] + p['Shared_Dirty']:.0f}" for p in w[mode])
            print(f"two workers, {w['factory']} at {w['n']:,}, {mode}: {each} MiB")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--scale", action="store_true", help="run the 1M-passage scale set instead of 100k")
    parser.add_argument("--skip-service", action="store_true", help="only the scale set")
    parser.add_argument("--skip-scale", action="store_true", help="only the service ratios")
    parser.add_argument("--skip-ann", action="store_true", help="with --scale: only the served-index set, not the ANN/BM25 sweep")
    parser.add_argument("--service-sizes", default=None,
                        help="comma-separated passage counts for the served-index set (default with --scale: 100000,1000000)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    results: dict = {"machine": machine(), "command": "python -m bench " + " ".join(argv or sys.argv[1:])}
    rows: list[Row] = []
    if not args.skip_service:
        rows = service_benchmarks(results)
        results["rows"] = [{**asdict(r), "ratio": r.ratio, "met": r.met} for r in rows]
    if not args.skip_scale and not args.skip_ann:
        scale_benchmarks([1_000_000] if args.scale else [100_000], results)
    sizes = args.service_sizes or ("100000,1000000" if args.scale else "")
    if not args.skip_scale and sizes:
        service_scale_benchmarks([int(x) for x in sizes.split(",") if x.strip()], results)
    results["seconds"] = round(time.perf_counter() - started, 1)
    m = results["machine"]
    print(f"\nmachine: {m['cores']} cores, {m['cpu']}, {m['memory_gib']} GiB; load average at start {m['load']:.1f}; "
          f"run took {results['seconds']:.0f}s\n")
    if rows:
        print(table(rows))
        if hits := results.get("gold_quote_hits"):
            print(f"\ngold quote retrieved, {hits['answerable']} answerable dev questions: ours (top 5 citations) "
                  f"{hits['ours_top5']}, naive tutorial (top 4 chunks) {hits['naive_top4']}")
        if t := results.get("http_throughput"):
            print(f"\nHTTP /ask under load: {t['clients']} concurrent loopback clients, {t['requests']} distinct questions: "
                  f"{t['qps']:.1f} requests/s, p50 {t['p50_ms']:.0f} ms, p95 {t['p95_ms']:.0f} ms")
        if "two_service_workers_mib" in results:
            for p in results["two_service_workers_mib"]:
                print(f"\nserve worker pid {p['pid']}: Rss {p['Rss']:.0f} MiB, Pss {p['Pss']:.0f} MiB, "
                      f"shared {p['Shared_Clean'] + p['Shared_Dirty']:.0f} MiB, private {p['Private_Clean'] + p['Private_Dirty']:.0f} MiB", end="")
            print()
    print_scale(results)
    VAR.mkdir(parents=True, exist_ok=True)
    out = VAR / f"results-{time.strftime('%Y%m%dT%H%M%S')}.json"
    out.write_text(json.dumps(results, indent=2, default=str))
    print(f"\nsaved {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
