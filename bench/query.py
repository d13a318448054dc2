"""Query-path timings: in-process answer, HTTP /ask, and the naive LangChain-tutorial pipeline,
each beside one raw `model.encode([question])` timed on the same questions, interleaved.

Interleaving (raw encode, then the measured call, question by question) puts both figures under
the same momentary load, which matters on a shared two-core machine.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from bench.common import Row, dev_questions, http_json, percentiles_ms, raw_encode, rss_mib, smaps_rollup_mib
from bench.served import served


def _raw_encode_seconds(encoder, question: str, threads: int | None = None) -> float:
    """One bare `model.encode([question])`, with torch's default threads or `threads`."""
    import torch

    if getattr(encoder, "backend", "torch") == "onnx":  # its session for a question has one thread already
        t = time.perf_counter()
        raw_encode(encoder, [question])
        return time.perf_counter() - t
    before = torch.get_num_threads()
    if threads:
        torch.set_num_threads(threads)
    try:
        t = time.perf_counter()
        raw_encode(encoder, [question])
        return time.perf_counter() - t
    finally:
        torch.set_num_threads(before)


def in_process(answerer, encoder, questions: list[str]) -> list[Row]:
    """answer() with the query-vector cache cleared before each question, then the same questions cached."""
    for q in questions[:3]:  # warm-up: first calls allocate
        answerer.answer(q)
        _raw_encode_seconds(encoder, q)
    raw, raw1, cold, cached = [], [], [], []
    for q in questions:
        raw.append(_raw_encode_seconds(encoder, q))
        raw1.append(_raw_encode_seconds(encoder, q, threads=1))
        answerer.query_vectors.clear()  # cold: the question's vector must be encoded
        t = time.perf_counter()
        answerer.answer(q)
        cold.append(time.perf_counter() - t)
        t = time.perf_counter()
        answerer.answer(q)  # now served from the LRU cache of query vectors
        cached.append(time.perf_counter() - t)
    raw50, raw95 = percentiles_ms(raw)
    c50, c95 = percentiles_ms(cold)
    h50, h95 = percentiles_ms(cached)
    one50, _ = percentiles_ms(raw1)
    return [
        Row("answer() p50, cache cold", c50, "raw encode p50", raw50, target=1.5),
        Row("answer() p50, cache cold", c50, "raw encode p50, 1 torch thread", one50, target=1.5),
        Row("answer() p95, cache cold", c95, "raw encode p95", raw95),
        Row("answer() p50, query vector cached", h50, "raw encode p50", raw50),
        Row("answer() p95, query vector cached", h95, "raw encode p95", raw95),
    ]


def http_ask(index_dir: Path, encoder, questions: list[str]) -> tuple[list[Row], dict]:
    """POST /ask to a served `inspectqa` (distinct questions: each misses the cache once)."""
    with served(index_dir) as server:
        for q in ("warm up one", "warm up two"):
            http_json(server.url + "/ask", {"question": q})
        raw, raw1, cold, cached = [], [], [], []
        for q in questions:
            raw.append(_raw_encode_seconds(encoder, q))
            raw1.append(_raw_encode_seconds(encoder, q, threads=1))
            t = time.perf_counter()
            status, _ = http_json(server.url + "/ask", {"question": q})
            cold.append(time.perf_counter() - t)
            assert status == 200, status
        for q in questions:
            t = time.perf_counter()
            http_json(server.url + "/ask", {"question": q})
            cached.append(time.perf_counter() - t)
        qps = _throughput(server.url, questions)
        served_process = {"qps": qps, "ready_seconds": server.ready_seconds, "pid": server.proc.pid,
                          "rss_mib": rss_mib(server.proc.pid), "smaps": smaps_rollup_mib(server.proc.pid)}
    raw50, raw95 = percentiles_ms(raw)
    c50, c95 = percentiles_ms(cold)
    h50, _ = percentiles_ms(cached)
    return [
        Row("HTTP /ask p50, cache cold", c50, "raw encode p50", raw50, target=2.0),
        Row("HTTP /ask p50, cache cold", c50, "raw encode p50, 1 torch thread", percentiles_ms(raw1)[0], target=2.0),
        Row("HTTP /ask p95, cache cold", c95, "raw encode p95", raw95),
        Row("HTTP /ask p50, repeated question", h50, "raw encode p50", raw50),
    ], served_process


def _throughput(url: str, questions: list[str], clients: int = 4, per_client: int = 20) -> dict:
    """Requests/s of /ask with `clients` concurrent loopback clients, bounded to clients × per_client
    requests; each question is made distinct (numbered) so every request encodes."""
    from concurrent.futures import ThreadPoolExecutor

    def client(c: int) -> list[float]:
        times = []
        for i in range(per_client):
            q = f"{questions[(c * per_client + i) % len(questions)]} (request {c}-{i})"
            t = time.perf_counter()
            http_json(url + "/ask", {"question": q}, timeout=60)
            times.append(time.perf_counter() - t)
        return times

    t = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        latencies = [x for times in pool.map(client, range(clients)) for x in times]
    wall = time.perf_counter() - t
    p50, p95 = percentiles_ms(latencies)
    return {"clients": clients, "requests": len(latencies), "qps": len(latencies) / wall, "p50_ms": p50, "p95_ms": p95}


def naive_pipeline(corpus_dir: Path, encoder, answerer, rows: list[dict]) -> tuple[list[Row], dict]:
    """The LangChain tutorial: raw files, RecursiveCharacterTextSplitter(1000, 200), MiniLM, flat FAISS, top 4.

    Both sides encode the question with the same Encoder, so the ratio is what our extra work
    (BM25, fusion, sentence scoring) costs over bare retrieval. Quality beside it: answerable dev
    questions whose gold quote is in the 4 naive chunks vs in our 5 citations.
    """
    import faiss
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from eval.matching import quote_found

    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
    chunks = [c for f in sorted(corpus_dir.glob("*.txt")) for c in splitter.split_text(f.read_text(encoding="utf-8"))]
    vectors = encoder.encode(chunks)
    flat = faiss.IndexFlatIP(vectors.shape[1])
    flat.add(vectors)
    naive, ours = [], []
    hits = {"naive_top4": 0, "ours_top5": 0, "answerable": 0}
    for row in rows:
        q = row["question"]
        t = time.perf_counter()
        _, ids = flat.search(encoder.encode([q]), 4)
        naive.append(time.perf_counter() - t)
        answerer.query_vectors.clear()
        t = time.perf_counter()
        answer = answerer.answer(q)
        ours.append(time.perf_counter() - t)
        if row.get("answerable") and row.get("evidence"):
            hits["answerable"] += 1
            quotes = [e["quote"] for e in row["evidence"]]
            hits["naive_top4"] += any(quote_found(qt, chunks[i]) for qt in quotes for i in ids[0] if i >= 0)
            hits["ours_top5"] += any(quote_found(qt, c.passage.text) for qt in quotes for c in answer.citations)
    n50, _ = percentiles_ms(naive)
    o50, _ = percentiles_ms(ours)
    return [Row(f"answer() p50 (ours, {len(answerer.index.passages)} passages)", o50,
                f"naive tutorial retrieve p50 ({len(chunks)} chunks)", n50)], hits


def questions() -> list[str]:
    return dev_questions()


def question_rows() -> list[dict]:
    import json

    from bench.common import DEV_QUESTIONS

    return [json.loads(line) for line in DEV_QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
