"""MiniLM on ONNX Runtime: exported once from the local model folder, then run without torch.

The export uses torch's own exporter on the sentence-transformers model loaded from the same
local folder (no hub). sentence-transformers' backend="onnx" is not used: it needs optimum, which
pins an older transformers. The .onnx file is cached under var/models/, named after the model
folder and a hash of its config and weights file, so changed weights get a fresh export.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import warnings
from pathlib import Path

import numpy as np

from index.errors import ModelUnavailable
from index.settings import PROJECT_ROOT

MODELS_DIR = PROJECT_ROOT / "var" / "models"
OPSET = 17
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
_FIX = "set INSPECTQA_EMBEDDING_BACKEND=torch, or install onnxruntime and onnx (pip install onnxruntime onnx)"


def _modules(model_dir: Path) -> list[dict]:
    path = model_dir / "modules.json"
    if not path.is_file():
        raise ModelUnavailable(f"{model_dir} is not a sentence-transformers folder (no modules.json); set INSPECTQA_EMBEDDING_BACKEND=torch")
    return json.loads(path.read_text(encoding="utf-8"))


def pooling_mode(model_dir: Path) -> tuple[str, int]:
    """('mean' | 'cls', dimension) from the model's pooling config; other module chains stay on torch."""
    modules = _modules(model_dir)
    kinds = [m["type"].rsplit(".", 1)[-1] for m in modules]
    if kinds[:2] != ["Transformer", "Pooling"] or any(k != "Normalize" for k in kinds[2:]):
        raise ModelUnavailable(f"the ONNX backend handles Transformer + Pooling (+ Normalize) models, not {kinds}; set INSPECTQA_EMBEDDING_BACKEND=torch")
    config = json.loads((model_dir / modules[1]["path"] / "config.json").read_text(encoding="utf-8"))
    modes = [m for m in ("cls_token", "mean_tokens", "max_tokens", "mean_sqrt_len_tokens") if config.get(f"pooling_mode_{m}")]
    if modes not in (["mean_tokens"], ["cls_token"]):
        raise ModelUnavailable(f"the ONNX backend handles mean or CLS pooling, not {modes}; set INSPECTQA_EMBEDDING_BACKEND=torch")
    return ("mean" if modes == ["mean_tokens"] else "cls"), int(config["word_embedding_dimension"])


def max_seq_length(model_dir: Path) -> int:
    path = model_dir / "sentence_bert_config.json"
    config = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    return int(config.get("max_seq_length") or 512)


def export_path(model_name: str, model_dir: Path, cache_dir: Path = MODELS_DIR) -> Path:
    """Where the export of this model folder lives: its name plus a hash of its config and weights file."""
    digest = hashlib.sha256(f"opset={OPSET}".encode())
    for name in ("config.json", "sentence_bert_config.json", "modules.json"):
        if (model_dir / name).is_file():
            digest.update(name.encode() + (model_dir / name).read_bytes())
    for weights in sorted(model_dir.glob("*.safetensors")) + sorted(model_dir.glob("*.bin")):
        stat = weights.stat()  # hashing 90 MB at every start would cost more than the export saves
        digest.update(f"{weights.name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in Path(model_name).name or "model")
    return Path(cache_dir) / f"{safe}-{digest.hexdigest()[:12]}.onnx"


def export(model_dir: Path, target: Path) -> None:
    """Write the transformer of the local model as ONNX (last hidden state), atomically."""
    import torch
    from sentence_transformers import SentenceTransformer

    st_model = SentenceTransformer(str(model_dir), device="cpu")

    class LastHidden(torch.nn.Module):
        def __init__(self, bert):
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.bert(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).last_hidden_state

    sample = st_model.tokenizer(["an inspection letter"], return_tensors="pt")
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.stem}-", suffix=".onnx.tmp")
    os.close(fd)
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer warnings about constants that hold for this model
            torch.onnx.export(
                LastHidden(st_model[0].auto_model.eval()), tuple(sample[n] for n in INPUTS), tmp,
                input_names=list(INPUTS), output_names=["last_hidden_state"], opset_version=OPSET, dynamo=False,
                dynamic_axes={n: {0: "batch", 1: "tokens"} for n in (*INPUTS, "last_hidden_state")},
            )
        os.replace(tmp, target)  # a reader sees no file or the whole file, never half of one
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _tokenizer(model_dir: Path, max_length: int):
    """The model folder's fast tokenizer, set up once: truncation at max_length, padding to the longest."""
    if (model_dir / "tokenizer.json").is_file():
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    else:
        from transformers import AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True).backend_tokenizer
    # configured here and never again: a tokenizer whose settings change per call is not thread-safe
    tokenizer.enable_truncation(max_length=max_length)
    pad_id = tokenizer.token_to_id("[PAD]") or 0
    tokenizer.enable_padding(pad_id=pad_id, pad_token=tokenizer.id_to_token(pad_id) or "[PAD]")
    return tokenizer


class OnnxModel:
    """Normalised sentence vectors from an ONNX Runtime session; pooled as the model's config says."""

    def __init__(self, model_name: str, model_dir: Path, cache_dir: Path = MODELS_DIR, query_threads: int = 1, batch_threads: int = 0):
        try:
            import onnxruntime  # noqa: F401
        except ImportError:
            raise ModelUnavailable(f"embedding backend 'onnx' needs onnxruntime, which is not installed; {_FIX}") from None
        model_dir = Path(model_dir)
        self.pooling, self.dimension = pooling_mode(model_dir)
        self.path = export_path(model_name, model_dir, cache_dir)
        if not self.path.is_file():
            try:
                export(model_dir, self.path)
            except Exception as exc:  # onnx missing, exporter errors, unwritable folder: all mean "use torch"
                raise ModelUnavailable(f"cannot export {model_name!r} to ONNX at {self.path} ({exc.__class__.__name__}: {exc}); {_FIX}") from None
        self.tokenizer = _tokenizer(model_dir, max_seq_length(model_dir))
        # a question gets one thread (as the torch path); builds get a session using every core,
        # made on first need so a serving process holds one copy of the weights
        self._query_session = self._session(query_threads)
        self._batch_session = None
        self.batch_threads = batch_threads  # 0: every core; a Ray worker sharing a node with others takes its own share

    def _session(self, threads: int):
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads  # 0: ONNX Runtime's default, every core
        options.inter_op_num_threads = 1
        try:
            return ort.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])
        except Exception as exc:
            raise ModelUnavailable(f"ONNX Runtime cannot load {self.path} ({exc.__class__.__name__}: {exc}); delete it to re-export, or {_FIX}") from None

    def release_batch(self) -> None:
        """Drop the batch session (made again on the next build). ONNX Runtime's memory arena only grows:
        after embedding a report-sized upload it held ~540 MiB that a serving process never used again."""
        self._batch_session = None

    def _run(self, session, texts: list[str]) -> np.ndarray:
        encodings = self.tokenizer.encode_batch(texts)
        feeds = {
            "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
        }
        hidden = session.run(None, feeds)[0]
        if self.pooling == "cls":
            vectors = hidden[:, 0]
        else:
            mask = feeds["attention_mask"][..., None].astype(np.float32)
            vectors = (hidden * mask).sum(1) / np.clip(mask.sum(1), 1e-9, None)
        return vectors / np.clip(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12, None)

    def encode(self, texts: list[str], batch_size: int = 32, progress: bool = False, query_batch: int = 4) -> np.ndarray:
        if len(texts) <= query_batch:
            return self._run(self._query_session, texts).astype(np.float32)
        if self._batch_session is None:
            self._batch_session = self._session(self.batch_threads)
        # longest first, as sentence-transformers does, so each batch pads to similar lengths
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        starts = range(0, len(texts), batch_size)
        if progress:
            from tqdm import tqdm

            starts = tqdm(starts, desc="Batches")
        for start in starts:
            chunk = order[start:start + batch_size]
            out[chunk] = self._run(self._batch_session, [texts[i] for i in chunk])
        return out
