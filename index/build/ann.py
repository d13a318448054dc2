"""Which FAISS index to build for a corpus of a given size, and how to search it.

Exact search (`Flat`) while the corpus is small: it costs n·d multiply-adds a query, which is
below a millisecond up to tens of thousands of passages, and it is never wrong. Past that an
approximate index pays off; the thresholds and parameters below were chosen by measurement
(bench/scale.py, docs/performance.md): HNSW for the middle range, IVF with 8-bit scalar
quantisation at a million (an HNSW graph over a million 384-d vectors takes too long to build
on two cores and with full vectors would not fit the 2 GiB budget).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Protocol

import numpy as np

# faiss is imported inside the functions that need it: choosing a factory stays pure
FLAT_BELOW = 50_000
HNSW_BELOW = 500_000
HNSW_M = 32
HNSW_EF_SEARCH = 64
IVF_NPROBE = 16


def choose_faiss_factory(n_passages: int, dimension: int) -> str:
    """The FAISS index_factory string for `n_passages` vectors of `dimension` (inner product)."""
    if n_passages < FLAT_BELOW:
        return "Flat"
    if n_passages < HNSW_BELOW:
        return f"HNSW{HNSW_M},Flat"
    # about 2·sqrt(n) lists, a power of two: ~500 vectors a list at 1M, nprobe lists scanned per query
    nlist = 2 ** round(math.log2(2 * math.sqrt(n_passages)))
    return f"IVF{nlist},SQ8"


def search_params_for(factory: str) -> str:
    """faiss.ParameterSpace string to apply after loading an index built with `factory` ('' for none)."""
    if factory.startswith("HNSW"):
        return f"efSearch={HNSW_EF_SEARCH}"
    if factory.startswith("IVF"):
        return f"nprobe={IVF_NPROBE}"
    return ""


def training_sample(vectors: np.ndarray, factory: str, seed: int = 0) -> np.ndarray | None:
    """The rows an index built with `factory` is trained on (None when it needs no training)."""
    if not factory.startswith("IVF"):
        return None
    nlist = int(factory[3:].split(",")[0])
    n = min(len(vectors), 40 * nlist)  # faiss wants >= 39 points per centroid
    rows = np.sort(np.random.default_rng(seed).choice(len(vectors), n, replace=False))
    return np.ascontiguousarray(vectors[rows], dtype=np.float32)


def build_faiss(vectors: np.ndarray, factory: str):
    """A trained, filled inner-product index of `vectors` made with `factory`."""
    import faiss

    index = faiss.index_factory(vectors.shape[1], factory, faiss.METRIC_INNER_PRODUCT)
    sample = training_sample(vectors, factory)
    if sample is not None:
        index.train(sample)
    for lo in range(0, len(vectors), 100_000):  # bounded copies of a memory-mapped array
        index.add(np.ascontiguousarray(vectors[lo : lo + 100_000], dtype=np.float32))
    return index


def apply_search_params(index, params: str) -> None:
    """Set nprobe / efSearch on a loaded index from the string kept in the manifest."""
    if params:
        import faiss

        faiss.ParameterSpace().set_index_parameters(index, params)


def search_parameters(index, selector=None):
    """SearchParameters of the right type for `index` (an IVF index rejects the generic type)."""
    import faiss

    ivf = None
    try:
        ivf = faiss.extract_index_ivf(index)
    except RuntimeError:
        pass
    if ivf is not None:
        return faiss.SearchParametersIVF(sel=selector, nprobe=ivf.nprobe)
    hnsw = getattr(faiss.downcast_index(index), "hnsw", None)
    if hnsw is not None:
        return faiss.SearchParametersHNSW(sel=selector, efSearch=hnsw.efSearch)
    return faiss.SearchParameters(sel=selector)


class VectorBackend(Protocol):
    """What a vector store must do for the answer stage; `FaissBackend` (in-process) is the first. A
    PostgreSQL/pgvector table (index.build.pgvector_store) is the second; a Qdrant or OpenSearch k-NN client would be others. Ids are passage
    ids (row numbers of passages.jsonl)."""

    dimension: int

    def __len__(self) -> int:
        """How many vectors it holds."""

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None, filters=None) -> list[tuple[int, float]]:
        """The k (passage id, inner product) pairs nearest `query`, best first, only among `allowed` ids when given.
        `filters` (index.answer.search.SearchFilters) are what `allowed` was worked out from: a store that
        holds the metadata (pgvector) applies them itself; either way the same passages pass."""

    def save(self, directory) -> None:
        """Write what `load` needs into `directory` (for a remote engine: the table or collection and its version)."""

    def publish(self) -> None:
        """Make this build the one served, once its index directory is swapped in (a remote engine's swap)."""


class FaissBackend:
    """FAISS in this process: the index type chosen by size (`choose_faiss_factory`), memory-mapped read-only
    when loaded, so worker processes serving one index share its pages (bench/workers.py)."""

    FILE = "faiss.index"

    def __init__(self, index):
        self.index = index

    @classmethod
    def build(cls, vectors: np.ndarray, factory: str) -> "FaissBackend":
        return cls(build_faiss(vectors, factory))

    @property
    def dimension(self) -> int:
        return int(self.index.d)

    def __len__(self) -> int:
        return int(self.index.ntotal)

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None, filters=None) -> list[tuple[int, float]]:
        import faiss

        params = None
        if allowed is not None:
            params = search_parameters(self.index, faiss.IDSelectorBatch(allowed))
        scores, ids = self.index.search(np.asarray(query, dtype=np.float32).reshape(1, -1), k, params=params)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]

    def save(self, directory) -> None:
        import faiss

        faiss.write_index(self.index, str(Path(directory) / self.FILE))

    def publish(self) -> None:
        """Nothing to do: the index directory's symlink swap is the publication."""

    @classmethod
    def load(cls, directory, params: str = "") -> "FaissBackend":
        """Open a saved index read-only and memory-mapped, applying search parameters such as nprobe/efSearch."""
        import faiss

        index = faiss.read_index(str(Path(directory) / cls.FILE), faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY)
        apply_search_params(index, params)
        return cls(index)
