"""Encoding throughput of a build, locally and through Ray on this machine (`inspectqa index build --ray`).

The same synthetic passages are encoded by the local `Encoder` (one process, every core) and by
`RayEncoder` on a local Ray cluster of this machine's cores (one model actor per CPU, one thread
each). On one machine Ray can only add its overhead; what it buys is nodes (docs/scaling.md).
"""

from __future__ import annotations

import os
import time


def throughput(n: int = 2000, log=print) -> dict:
    import numpy as np
    import ray

    from bench.synth import passages
    from index.build import ray_encode
    from index.build.embed import Encoder
    from index.settings import Settings

    settings = Settings()
    texts = passages(n, seed=11)
    local = Encoder.for_settings(settings).load()
    local.encode(texts[:64])
    t = time.perf_counter()
    local_vectors = local.encode(texts)
    local_s = time.perf_counter() - t
    log(f"ray bench: local {n / local_s:.1f} passages/s")

    t = time.perf_counter()
    ray_encode.connect("local")
    encoder = ray_encode.RayEncoder(settings, log=lambda _: None).load()
    startup_s = time.perf_counter() - t
    t = time.perf_counter()
    ray_vectors = encoder.encode(texts)
    ray_s = time.perf_counter() - t
    ray.shutdown()
    log(f"ray bench: Ray {n / ray_s:.1f} passages/s on {encoder.workers} workers (start {startup_s:.1f}s)")
    return {
        "passages": n,
        "cores": os.cpu_count(),
        "local_passages_per_s": n / local_s,
        "ray_workers": encoder.workers,
        "ray_startup_s": startup_s,
        "ray_passages_per_s": n / ray_s,
        "max_abs_difference": float(np.abs(ray_vectors - local_vectors).max()),
    }


def print_ray(r: dict | None) -> None:
    if r:
        print(f"\nbuild encoding, {r['passages']} passages on {r['cores']} cores: local {r['local_passages_per_s']:.1f} passages/s; "
              f"Ray (local cluster, {r['ray_workers']} workers) {r['ray_passages_per_s']:.1f} passages/s "
              f"({r['ray_passages_per_s'] / r['local_passages_per_s']:.2f}× local; cluster and actors up in {r['ray_startup_s']:.1f}s); "
              f"largest vector difference {r['max_abs_difference']:.1e}")
