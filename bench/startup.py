"""Start-up: spawn to /readyz 200 of `inspectqa serve` vs spawn to exit of a process that only loads the model."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from bench.common import ROOT, Row

_LOAD_ONLY = "from index.embed import Encoder; from index.settings import Settings; Encoder(Settings().model).load()"


def bare_model_load_seconds(repeats: int = 2) -> float:
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", _LOAD_ONLY], cwd=ROOT, check=True, env={**os.environ, "HF_HUB_OFFLINE": "1"},
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        best = min(best, time.perf_counter() - t)
    return best


def startup_rows(ready_seconds: float, model_seconds: float) -> list[Row]:
    return [Row("serve: spawn to /readyz 200", ready_seconds * 1000, "spawn to exit, model load only", model_seconds * 1000)]
