"""ONNX Runtime as the query encoder, exported locally from the shipped MiniLM weights (no hub).

Not wired into the service: this measures whether it would pay. The export uses torch's own
exporter (needs the `onnx` package) and runs with `onnxruntime`; sentence-transformers'
backend="onnx" was not used because its dependency, optimum-onnx, pins transformers < 4.58 and
would downgrade the project's transformers 5. Speed: one question at a time, one thread each,
interleaved with the PyTorch Encoder. Quality: dev questions whose gold quote is in the top 5
citations when the answerer is fed the ONNX query vectors instead of the PyTorch ones.

    PYTHONPATH=/path/to/onnxruntime+onnx python -m bench.onnx_backend
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

from bench.common import VAR, percentiles_ms


def export(st_model, path: Path) -> None:
    import torch

    class LastHidden(torch.nn.Module):
        def __init__(self, bert):
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.bert(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).last_hidden_state

    names = ["input_ids", "attention_mask", "token_type_ids"]
    sample = st_model.tokenizer(["an inspection letter"], return_tensors="pt")
    torch.onnx.export(LastHidden(st_model[0].auto_model.eval()), tuple(sample[n] for n in names), str(path),
                      input_names=names, output_names=["last_hidden_state"], opset_version=17, dynamo=False,
                      dynamic_axes={n: {0: "batch", 1: "tokens"} for n in names + ["last_hidden_state"]})


class OnnxEncoder:
    """Mean-pooled, normalised MiniLM vectors from an ONNX Runtime session (as the model's pooling config says)."""

    def __init__(self, st_model, path: Path, threads: int = 1):
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.tokenizer = st_model.tokenizer
        self.max_length = st_model.max_seq_length

    def encode(self, texts: list[str]) -> np.ndarray:
        enc = self.tokenizer(texts, padding=True, truncation=True, max_length=self.max_length, return_tensors="np")
        feeds = {n: enc[n].astype(np.int64) for n in ("input_ids", "attention_mask", "token_type_ids")}
        hidden = self.session.run(None, feeds)[0]
        mask = enc["attention_mask"][..., None].astype(np.float32)
        vectors = (hidden * mask).sum(1) / mask.sum(1)
        return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def main() -> int:
    try:
        import onnx  # noqa: F401
        import onnxruntime  # noqa: F401
    except ImportError as exc:
        print(f"skipped: {exc} (pip install onnxruntime onnx)")
        return 0
    from bench.query import question_rows
    from eval.matching import quote_found
    from index.answer import QuestionAnswerer
    from index.embed import Encoder
    from index.settings import Settings
    from index.store import build_index, load_index

    settings = Settings(index_dir=VAR / "onnx" / "index")
    encoder = Encoder(settings.model).load()
    path = VAR / "onnx" / "minilm.onnx"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.is_file():
        export(encoder._model, path)
    onnx_encoder = OnnxEncoder(encoder._model, path)
    rows = question_rows()
    questions = [r["question"] for r in rows]
    cosines = [float(onnx_encoder.encode([q])[0] @ encoder.encode([q])[0]) for q in questions]
    torch_t, onnx_t = [], []
    for _ in range(2):
        for q in questions:
            t = time.perf_counter()
            encoder.encode([q])
            torch_t.append(time.perf_counter() - t)
            t = time.perf_counter()
            onnx_encoder.encode([q])
            onnx_t.append(time.perf_counter() - t)
    build_index(settings, encoder)
    index = load_index(settings.index_dir, settings)
    hits = {}
    for name, enc in (("pytorch", encoder), ("onnx", onnx_encoder)):
        answerer = QuestionAnswerer(index, encoder, settings)
        for q in questions:  # feed this backend's query vectors through the answerer's cache
            answerer._cache[q] = enc.encode([q])[0]
        hits[name] = sum(
            any(quote_found(e["quote"], c.passage.text) for e in r["evidence"] for c in answerer.answer(r["question"]).citations)
            for r in rows if r.get("answerable") and r.get("evidence")
        )
    result = {
        "pytorch_p50_p95_ms": percentiles_ms(torch_t),
        "onnx_p50_p95_ms": percentiles_ms(onnx_t),
        "onnx_over_pytorch_p50": percentiles_ms(onnx_t)[0] / percentiles_ms(torch_t)[0],
        "min_cosine_onnx_vs_pytorch": min(cosines),
        "gold_quote_in_top5": hits,
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
