"""The whole service at 100k and 1M passages: a served index written from a synthetic corpus, started
with `inspectqa serve`, asked 1,000 distinct questions over HTTP.

The corpus is bench/synth.py's: documents of 40 generated passages (paragraphs of three to six
template sentences), joined as a real document's text is, split into sentences by the project's own
splitter (index.build.chunk.sentence_spans), indexed by the project's own BM25 and lexicon. Passages
are the paragraphs (the build's text splitter would merge two ~440-character paragraphs into one
1,000-character passage; here the count must be exactly n). Vectors are synthetic as in bench/scale.py:
real MiniLM vectors of a sample, perturbed, for passages; each sentence's vector is its passage's plus
a little noise. The index has the shape of a real one without encoding millions of texts. The index directory is the one
index.build.store writes and `load_index` serves: offset arrays into document_text.bin, memory-mapped. Claims (the
dates and figures each sentence states) are extracted by the project's own index.build.claims, as a build does,
over a process pool (~2.5 ms a passage: ~40 minutes on one core at a million passages).

Reported: start-up (spawn to /readyz 200), RSS after start and after the 1,000 asks, /ask p50/p95
as a ratio to one raw encode of a question (one thread, in this process, the same question, timed
just before each ask so that both sides of the ratio see the machine as it is at that moment).
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
import random
import shutil
import time
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from bench.common import VAR, _status_kib, dir_size_mib, http_json, percentiles_ms, raw_encode, rss_mib
from bench.served import served

PASSAGES_PER_DOCUMENT = 40
ASKS = 1000
KINDS = ("inspection-report", "inspection-letter", "news")


@dataclass(frozen=True)
class ServiceScale:
    n: int
    documents: int
    sentences: int
    write_seconds: float
    index_mib: float
    startup_seconds: float
    rss_start_mib: float
    rss_after_asks_mib: float
    rss_anon_after_asks_mib: float  # the process's own memory; the rest of RSS is clean pages of mapped index files
    rss_file_after_asks_mib: float
    asks: int
    ask_p50_ms: float
    ask_p95_ms: float
    encode_p50_ms: float
    encode_p95_ms: float
    answered: int

    @property
    def p50_ratio(self) -> float:
        return self.ask_p50_ms / self.encode_p50_ms

    @property
    def p95_ratio(self) -> float:
        return self.ask_p95_ms / self.encode_p95_ms


def questions(count: int, seed: int = 5) -> list[str]:
    """`count` distinct questions in the words the synthetic corpus uses (so BM25 and the answer stage work)."""
    from bench.synth import COUNCILS, SERVICES, THEMES

    rng = random.Random(seed)
    forms = (
        "How many cases about {theme} did inspectors review in {council}?",
        "What did inspectors find about {theme} in {service} in {council}?",
        "When was {service} in {council} judged {judgement}?",
        "Has {council} improved {theme}?",
        "What is the average caseload in {service} in {council}?",
        "Who monitors {theme} in {service}?",
    )
    out: dict[str, None] = {}
    while len(out) < count:
        out.setdefault(rng.choice(forms).format(
            theme=rng.choice(THEMES), council=rng.choice(COUNCILS), service=rng.choice(SERVICES),
            judgement=rng.choice(("good", "inadequate", "outstanding", "requires improvement")),
        ))
    return list(out)


def _documents(n: int, seed: int):
    """(doc_id, title, kind, published, text, passage spans) for the documents holding passages 0..n-1."""
    from bench.synth import COUNCILS, passage

    for d, lo in enumerate(range(0, n, PASSAGES_PER_DOCUMENT)):
        paragraphs = [passage(seed, i) for i in range(lo, min(n, lo + PASSAGES_PER_DOCUMENT))]
        council = COUNCILS[d % len(COUNCILS)]
        spans, cursor = [], 0
        for p in paragraphs:
            spans.append((cursor, cursor + len(p)))
            cursor += len(p) + 2
        yield (f"doc-{d:06d}", f"{council} children's services inspection {2010 + d % 15} (synthetic {d})", KINDS[d % 3],
               dt.date(2010 + d % 15, 1 + d % 12, 1 + d % 28), "\n\n".join(paragraphs), spans)


# documents handed to a claim-extracting worker at once (~4 s of work at 40 passages a document)
CLAIM_CHUNK = 40


def _chunk_claims(chunk: list[tuple[str, str, dt.date, list[tuple[int, int, int]]]]) -> list:
    """The claims of each document of `chunk` ((doc_id, text, published, (sentence_id, start, end)s)), in order."""
    from index.build.claims import document_claims

    return [claim for doc_id, text, published, sentences in chunk for claim in document_claims(doc_id, text, published, sentences)]


class ClaimExtraction:
    """Claims of the synthetic documents extracted over a process pool while the texts are written, collected
    in document order (results are taken in the order chunks were handed out, so the output is the same on
    every run and any number of workers). At most a few chunks wait at once: texts are not all held."""

    def __init__(self, writer, workers: int, chunk: int, log=print, label: str = ""):
        self.writer, self.chunk, self.log, self.label = writer, chunk, log, label
        self.pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) if workers > 1 else None
        self.workers = workers
        self.pending: deque = deque()
        self.batch: list = []
        self.numbers: dict[str, int] = {}
        self.documents = 0
        self.started = time.perf_counter()

    def add(self, number: int, doc_id: str, text: str, published: dt.date, sentences: list[tuple[int, int, int]]) -> None:
        self.numbers[doc_id] = number
        self.batch.append((doc_id, text, published, sentences))
        if len(self.batch) >= self.chunk:
            self._hand_out()

    def _hand_out(self) -> None:
        batch, self.batch = self.batch, []
        if not batch:
            return
        result = self.pool.submit(_chunk_claims, batch) if self.pool else None
        self.pending.append((batch, result))
        while len(self.pending) > (2 * self.workers if self.pool else 0):
            self._collect()

    def _collect(self) -> None:
        batch, result = self.pending.popleft()
        claims = result.result() if result is not None else _chunk_claims(batch)
        texts = {doc_id: text for doc_id, text, _, _ in batch}
        self.writer.add(claims, self.numbers, lambda c: texts[c.doc_id][c.value_start : c.value_end])
        before, self.documents = self.documents, self.documents + len(batch)
        if self.documents // 1000 > before // 1000:  # every 40,000 passages
            self.log(f"{self.label}claims of {self.documents} documents extracted ({self.writer.count} claims), "
                     f"{time.perf_counter() - self.started:.0f}s")

    def finish(self) -> int:
        """Wait for every chunk; the number of claims."""
        self._hand_out()
        while self.pending:
            self._collect()
        if self.pool:
            self.pool.shutdown()
        return self.writer.count


def sentence_vectors(passage_vectors: np.ndarray, passage_rows: np.ndarray, count: int, out: Path, seed: int, noise: float = 0.03,
                     chunk: int = 200_000) -> None:
    """A vector for each sentence near its passage's: normalise(passage vector + N(0, noise²)), seeded, written
    in chunks (float32 noise: the 1.7 billion draws at 1M passages are the slow part)."""
    from index.build.records import FIRST_SENTENCE, LAST_SENTENCE

    owner = np.zeros(count, dtype=np.int64)  # the passage a sentence starts in (the last one, where passages overlap)
    for pid, (first, last) in enumerate(passage_rows[:, [FIRST_SENTENCE, LAST_SENTENCE]].tolist()):
        owner[first:last] = pid
    rng = np.random.default_rng(seed)
    dim = passage_vectors.shape[1]
    target = np.lib.format.open_memmap(out, mode="w+", dtype=np.float32, shape=(count, dim))
    for lo in range(0, count, chunk):
        hi = min(count, lo + chunk)
        block = np.asarray(passage_vectors[owner[lo:hi]], dtype=np.float32)
        block += noise * rng.standard_normal((hi - lo, dim), dtype=np.float32)
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        target[lo:hi] = block
    target.flush()
    del target


def write_index(n: int, real: np.ndarray, out: Path, seed: int = 7, log=print, workers: int | None = None,
                claim_chunk: int | None = None) -> tuple[float, int, int]:
    """Write a served-format index of n synthetic passages into `out`; returns (seconds, documents, sentences).
    Claims are extracted by `workers` processes (default: one per core), spawned: a script calling this must do so
    under `if __name__ == "__main__":`, as every bench entry point does."""
    from bench.scale import vectors_for
    from index.build.ann import FaissBackend, choose_faiss_factory, search_params_for
    from index.build.builder import embedding_text
    from index.build.chunk import sentence_spans
    from index.build.claim_table import ClaimWriter
    from index.build.claims import RULES_VERSION as CLAIM_RULES
    from index.build.lexical import Lexicon, build_bm25, save_bm25
    from index.build.records import PASSAGE_COLUMNS, PASSAGES_FILE, SENTENCES_FILE, TEXT_FILE, byte_offsets, span_rows
    from index.build.store import FORMAT_VERSION, IndexManifest
    from index.settings import Settings

    settings = Settings()
    started = time.perf_counter()
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    p_rows, s_rows, meta, lexical = [], [], [], []
    base = first_sentence = 0
    claims = ClaimExtraction(ClaimWriter(), workers or os.cpu_count() or 1, claim_chunk or CLAIM_CHUNK, log, f"n={n}: ")
    with (out / TEXT_FILE).open("wb") as text_file, (out / "documents.jsonl").open("w", encoding="utf-8") as docs:
        for number, (doc_id, title, kind, published, text, spans) in enumerate(_documents(n, seed)):
            data = text.encode("utf-8")
            text_file.write(data)
            offsets = byte_offsets(text)
            sentences = np.array([(s.start, s.end) for s in sentence_spans(text)], dtype=np.int64)
            passages = np.array(spans, dtype=np.int64)
            rows = np.zeros((len(passages), PASSAGE_COLUMNS), dtype=np.int64)
            rows[:, :5] = span_rows(number, passages, base, offsets)
            # sentence ids inside each passage: those starting within it (as builder._sentences_inside)
            rows[:, 5] = first_sentence + np.searchsorted(sentences[:, 0], passages[:, 0], side="left")
            rows[:, 6] = first_sentence + np.searchsorted(sentences[:, 0], passages[:, 1], side="left")
            p_rows.append(rows)
            s_rows.append(span_rows(number, sentences, base, offsets))
            claims.add(number, doc_id, text, published, [(first_sentence + i, a, b) for i, (a, b) in enumerate(sentences.tolist())])
            first_sentence += len(sentences)
            docs.write(json.dumps({"doc_id": doc_id, "title": title, "publisher": "Ofsted (synthetic)", "published": published.isoformat(),
                                   "kind": kind, "source_file": "", "pages": [], "text_bytes": [base, base + len(data)]}) + "\n")
            lexical += [embedding_text(title, text[a:b]) for a, b in spans]
            meta.append(len(passages))
            base += len(data)
    p_table, s_table = np.concatenate(p_rows), np.concatenate(s_rows)
    del p_rows, s_rows
    np.save(out / PASSAGES_FILE, p_table, allow_pickle=False)
    np.save(out / SENTENCES_FILE, s_table, allow_pickle=False)
    claim_count = claims.finish()
    claims.writer.save(out)
    log(f"n={n}: texts, offsets and {claim_count} claims written ({len(meta)} documents, {len(s_table)} sentences), "
        f"{time.perf_counter() - started:.0f}s")

    vectors = vectors_for(n, real, seed=seed)
    shutil.copyfile(vectors.filename, out / "passage_vectors.npy")
    sentence_vectors(vectors, p_table, len(s_table), out / "sentence_vectors.npy", seed=seed + 1)
    np.save(out / "boilerplate_vectors.npy", np.zeros((0, real.shape[1]), dtype=np.float32), allow_pickle=False)
    (out / "boilerplate.jsonl").write_text("", encoding="utf-8")
    log(f"n={n}: vectors written, {time.perf_counter() - started:.0f}s")

    factory = choose_faiss_factory(n, real.shape[1])
    FaissBackend.build(vectors, factory).save(out)
    log(f"n={n}: {factory} built, {time.perf_counter() - started:.0f}s")
    save_bm25(build_bm25(lexical), out / "bm25")
    (out / "lexicon.json").write_text(json.dumps(Lexicon.from_texts(lexical).to_json()), encoding="utf-8")
    del lexical
    log(f"n={n}: BM25 and lexicon built, {time.perf_counter() - started:.0f}s")
    seconds = time.perf_counter() - started
    manifest = IndexManifest(
        format_version=FORMAT_VERSION, model=settings.model, dimension=int(real.shape[1]), normalized=True,
        chunk_size=settings.chunk_size, chunk_overlap=settings.chunk_overlap, faiss_factory=factory,
        corpus_hash=f"synthetic-{seed}-{n}", built_at=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        build_seconds=round(seconds, 1), document_count=len(meta), passage_count=n, sentence_count=len(s_table),
        faiss_search_params=search_params_for(factory), boilerplate_count=0, claim_count=claim_count, claim_rules=CLAIM_RULES,
    )
    (out / "manifest.json").write_text(json.dumps(asdict(manifest), indent=2) + "\n", encoding="utf-8")
    return seconds, len(meta), len(s_table)


def service_at(n: int, real: np.ndarray, log=print, asks: int = ASKS) -> ServiceScale:
    out = VAR / f"service_{n}"
    write_seconds, documents, sentences = write_index(n, real, out, log=log)
    return measure_served(out, write_seconds, log=log, asks=asks)


def measure_served(out: Path, write_seconds: float = float("nan"), log=print, asks: int = ASKS) -> ServiceScale:
    """Start `inspectqa serve` on the index at `out` and put `asks` distinct questions to /ask."""
    from index.build.embed import Encoder
    from index.build.store import read_manifest
    from index.settings import Settings

    manifest = read_manifest(out)
    n, documents, sentences = manifest.passage_count, manifest.document_count, manifest.sentence_count
    asked = questions(asks)
    encoder = Encoder.for_settings(Settings()).load()
    for q in asked[:20]:
        raw_encode(encoder, [q])
    with served(out, ready_within=600) as server:
        rss_start = rss_mib(server.proc.pid)
        log(f"n={n}: served in {server.ready_seconds:.1f}s, RSS {rss_start:.0f} MiB")
        times, encode_times, answered = [], [], 0
        for i, q in enumerate(asked):
            # the reference beside each ask, not in a block before them: a machine's speed drifts over a
            # run (clock, other processes), and both sides of the ratio should see the same machine
            t = time.perf_counter()
            raw_encode(encoder, [q])
            encode_times.append(time.perf_counter() - t)
            t = time.perf_counter()
            status, body = http_json(server.url + "/ask", {"question": q}, timeout=120)
            times.append(time.perf_counter() - t)
            if status != 200:
                raise RuntimeError(f"/ask gave {status}: {body}")
            answered += bool(body.get("answerable"))
            if (i + 1) % 250 == 0:
                log(f"n={n}: {i + 1} asks, p50 so far {percentiles_ms(times)[0]:.1f} ms, RSS {rss_mib(server.proc.pid):.0f} MiB")
        rss_after = rss_mib(server.proc.pid)
        anon, file_backed = _status_kib(server.proc.pid, "RssAnon") / 1024, _status_kib(server.proc.pid, "RssFile") / 1024
        ready = server.ready_seconds
    ask50, ask95 = percentiles_ms(times)
    enc50, enc95 = percentiles_ms(encode_times)
    result = ServiceScale(n, documents, sentences, write_seconds, dir_size_mib(out), ready, rss_start, rss_after, anon, file_backed, len(asked),
                          ask50, ask95, enc50, enc95, answered)
    log(f"n={n}: {result}")
    return result


def print_service_scale(rows: list[dict]) -> None:
    if not rows:
        return
    print("\n| n | documents | sentences | index on disk MiB | start-up s | RSS after start MiB | RSS after 1,000 asks MiB | "
          "of it anon / file MiB | /ask p50 ms | raw encode p50 ms | p50 ratio | /ask p95 ms | raw encode p95 ms | p95 ratio | answered |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['n']:,} | {r['documents']:,} | {r['sentences']:,} | {r['index_mib']:,.0f} | {r['startup_seconds']:.1f} | "
              f"{r['rss_start_mib']:.0f} | {r['rss_after_asks_mib']:.0f} | {r.get('rss_anon_after_asks_mib', float('nan')):.0f} / "
              f"{r.get('rss_file_after_asks_mib', float('nan')):.0f} | {r['ask_p50_ms']:.1f} | {r['encode_p50_ms']:.1f} | "
              f"{r['ask_p50_ms'] / r['encode_p50_ms']:.2f}× | {r['ask_p95_ms']:.1f} | {r['encode_p95_ms']:.1f} | "
              f"{r['ask_p95_ms'] / r['encode_p95_ms']:.2f}× | {r['answered']}/{r['asks']} |")


if __name__ == "__main__":
    # python -m bench.service_scale var/bench/service_100000: measure an index written earlier again
    import sys

    row = asdict(measure_served(Path(sys.argv[1]), log=lambda m: print(f"[{time.strftime('%H:%M:%S')}] {m}", file=sys.stderr, flush=True)))
    print_service_scale([row])
    print(json.dumps(row))
