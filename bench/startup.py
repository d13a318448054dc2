"""Start-up: spawn to /readyz 200 of `inspectqa serve` vs spawn to exit of a process that only loads the model."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from bench.common import ROOT, Row

_LOAD_ONLY = (
    "from index.build.embed import Encoder; from index.settings import Settings; e = Encoder.for_settings(Settings()).load(); "
    "e.encode(['warm']); from bench.common import rss_mib; print(rss_mib())"
)


def bare_model_load(repeats: int = 2) -> tuple[float, float]:
    """(seconds from spawn to exit, resident MiB at the end) of a process that loads the model and encodes once."""
    best, rss = float("inf"), 0.0
    for _ in range(repeats):
        t = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", _LOAD_ONLY], cwd=ROOT, check=True, env={**os.environ, "HF_HUB_OFFLINE": "1"},
                             capture_output=True, text=True)
        best = min(best, time.perf_counter() - t)
        rss = float(out.stdout.strip().splitlines()[-1])
    return best, rss


def startup_rows(ready_seconds: float, model_seconds: float) -> list[Row]:
    return [Row("serve: spawn to /readyz 200", ready_seconds * 1000, "spawn to exit, model load only", model_seconds * 1000)]
