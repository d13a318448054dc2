"""The two embedding backends of the service side by side, in one run: `embedding_backend` torch vs onnx.

For each backend, interleaved question by question so both see the same momentary load:
- one raw encode of a question (the Encoder's own call: one thread on either backend);
- in-process `answer()` with the query-vector cache cleared (the service's cold path), over an index
  built with that backend;
- a fresh `build_index` in texts/s, beside a raw encode of the same texts (alternating backends, best of 2);
- the dev-set figure: questions whose gold quote is in the top 5 citations, each backend on its own index.
The dev-set eval table comes from `inspectqa eval --systems ours --config embedding_backend=onnx`.

    python -m bench.onnx_backend
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

from bench.common import VAR, machine, percentiles_ms, raw_encode

BACKENDS = ("torch", "onnx")


def _seconds(fn, *args) -> float:
    t = time.perf_counter()
    fn(*args)
    return time.perf_counter() - t


def main() -> int:
    try:
        import onnxruntime  # noqa: F401
    except ImportError as exc:
        print(f"skipped: {exc} (pip install onnxruntime onnx)")
        return 0
    from bench.query import question_rows
    from eval.matching import quote_found
    from index.answer.answerer import QuestionAnswerer
    from index.build.embed import Encoder
    from index.settings import Settings
    from index.build.builder import build_index
    from index.build.store import load_index

    out = VAR / "onnx"
    out.mkdir(parents=True, exist_ok=True)
    base = Settings()
    encoders = {b: Encoder(base.model, backend=b).load() for b in BACKENDS}
    rows = question_rows()
    questions = [r["question"] for r in rows]

    # build: fresh folders (nothing to reuse), backends alternating, best of two; raw encode of the same texts
    build_s = {b: [] for b in BACKENDS}
    raw_s = {b: [] for b in BACKENDS}
    settings = {}
    for _ in range(2):
        for b in BACKENDS:
            settings[b] = base.model_copy(update={"index_dir": Path(tempfile.mkdtemp(dir=out)) / "index", "embedding_backend": b})
            build_s[b].append(_seconds(build_index, settings[b], encoders[b]))
    indexes = {b: load_index(settings[b].index_dir, settings[b]) for b in BACKENDS}
    texts = [p.text for p in indexes["torch"].passages] + [s.text for s in indexes["torch"].sentences]
    for _ in range(2):
        for b in BACKENDS:
            raw_s[b].append(_seconds(raw_encode, encoders[b], texts))

    # query path: raw encode and cold answer(), interleaved across backends question by question
    answerers = {b: QuestionAnswerer(indexes[b], encoders[b], settings[b]) for b in BACKENDS}
    for q in questions[:3]:  # warm-up: first calls allocate
        for b in BACKENDS:
            answerers[b].answer(q)
            encoders[b].encode([q])
    raw_q = {b: [] for b in BACKENDS}
    cold = {b: [] for b in BACKENDS}
    for _ in range(2):
        for q in questions:
            for b in BACKENDS:
                raw_q[b].append(_seconds(encoders[b].encode, [q]))
                answerers[b].query_vectors.clear()  # cold: the question's vector must be encoded
                cold[b].append(_seconds(answerers[b].answer, q))

    cosine = min(float(encoders["onnx"].encode([q])[0] @ encoders["torch"].encode([q])[0]) for q in questions)
    answerable = [r for r in rows if r.get("answerable") and r.get("evidence")]
    hits = {
        b: sum(any(quote_found(e["quote"], c.passage.text) for e in r["evidence"] for c in answerers[b].answer(r["question"]).citations)
               for r in answerable)
        for b in BACKENDS
    }

    n_texts = len(texts)
    result = {"machine": machine(), "questions": len(questions), "texts": n_texts, "min_cosine_onnx_vs_torch": cosine,
              "gold_quote_in_top5": {**hits, "of": len(answerable)}}
    lines = ["| measure | torch | onnx | onnx / torch |", "| --- | --- | --- | --- |"]
    for name, fig in (
        ("raw encode of one question, p50 ms", {b: percentiles_ms(raw_q[b])[0] for b in BACKENDS}),
        ("raw encode of one question, p95 ms", {b: percentiles_ms(raw_q[b])[1] for b in BACKENDS}),
        ("answer() cache cold, p50 ms", {b: percentiles_ms(cold[b])[0] for b in BACKENDS}),
        ("answer() cache cold, p95 ms", {b: percentiles_ms(cold[b])[1] for b in BACKENDS}),
        (f"build_index, texts/s ({n_texts} texts)", {b: n_texts / min(build_s[b]) for b in BACKENDS}),
        ("raw encode of the same texts, texts/s", {b: n_texts / min(raw_s[b]) for b in BACKENDS}),
    ):
        result[name] = fig
        lines.append(f"| {name} | {fig['torch']:.1f} | {fig['onnx']:.1f} | {fig['onnx'] / fig['torch']:.2f}× |")
    lines.append("| answer() p50 / raw encode p50 (same backend) | "
                 + " | ".join(f"{percentiles_ms(cold[b])[0] / percentiles_ms(raw_q[b])[0]:.2f}×" for b in BACKENDS) + " | |")
    lines.append("| build texts/s / raw encode texts/s (same backend) | "
                 + " | ".join(f"{min(raw_s[b]) / min(build_s[b]):.2f}×" for b in BACKENDS) + " | |")
    lines.append(f"| gold quote in top 5 (of {len(answerable)} answerable dev questions) | {hits['torch']} | {hits['onnx']} | |")
    print(json.dumps(result, indent=2))
    print()
    print("\n".join(lines))
    print(f"\nmin cosine ONNX vs torch over {len(questions)} dev questions: {cosine:.7f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
