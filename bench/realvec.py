"""Real MiniLM vectors of the first `n` synthetic passages, encoded once and cached under var/bench."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

from bench.common import VAR
from bench.synth import passages

CHUNK = 1000


def real_vectors(n: int, seed: int = 7, log=lambda m: print(m, file=sys.stderr)) -> tuple[np.ndarray, float]:
    """(vectors, passages per second of the encoding) for passages 0..n-1; resumes a partial cache."""
    from index.build.embed import Encoder
    from index.settings import Settings

    VAR.mkdir(parents=True, exist_ok=True)
    final = VAR / f"real_s{seed}_n{n}.npy"
    rate_file = final.with_suffix(".rate")
    if final.is_file():
        return np.load(final, mmap_mode="r"), float(rate_file.read_text()) if rate_file.is_file() else float("nan")
    parts_dir = VAR / f"real_s{seed}_parts"
    parts_dir.mkdir(exist_ok=True)
    encoder = Encoder.for_settings(Settings()).load()  # the service's backend (ONNX by default): same vectors, faster
    encoded_seconds, encoded = 0.0, 0
    for lo in range(0, n, CHUNK):
        part = parts_dir / f"{lo:08d}_{CHUNK}.npy"
        if part.is_file():
            continue
        texts = passages(min(CHUNK, n - lo), seed, lo)
        t = time.perf_counter()
        vecs = encoder.encode(texts)
        encoded_seconds += time.perf_counter() - t
        encoded += len(texts)
        tmp = part.with_suffix(".tmp.npy")
        np.save(tmp, vecs, allow_pickle=False)
        tmp.rename(part)
        log(f"real vectors: {lo + len(texts)}/{n} ({encoded / encoded_seconds:.1f} passages/s)")
    vectors = np.concatenate([np.load(parts_dir / f"{lo:08d}_{CHUNK}.npy") for lo in range(0, n, CHUNK)])[:n]
    np.save(final, vectors, allow_pickle=False)
    if encoded:
        rate_file.write_text(f"{encoded / encoded_seconds:.2f}")
    return np.load(final, mmap_mode="r"), encoded / encoded_seconds if encoded else float("nan")


if __name__ == "__main__":
    real_vectors(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000)
