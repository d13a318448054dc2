"""Timing, percentiles and process memory for the benchmarks (the served process they measure: bench/served.py)."""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from eval import questions as eval_questions

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench"
# the shared dev set, or the repository's copy of it (eval/questions.py decides), unless the environment names another
DEV_QUESTIONS = Path(os.environ.get("INSPECTQA_DEV_QUESTIONS", eval_questions.DEV_QUESTIONS))


def dev_questions() -> list[str]:
    with DEV_QUESTIONS.open(encoding="utf-8") as rows:
        return [json.loads(line)["question"] for line in rows if line.strip()]


def raw_encode(encoder, texts: list[str]):
    """The bare model call under an `index.embed.Encoder`: sentence-transformers' encode, or the ONNX
    session (one thread for a question, every core for a batch) when the encoder is on that backend."""
    if getattr(encoder, "backend", "torch") == "onnx":
        return encoder._model.encode(texts, batch_size=encoder.batch_size)
    return encoder._model.encode(texts, batch_size=encoder.batch_size, convert_to_numpy=True, normalize_embeddings=True)


def percentiles_ms(seconds: list[float]) -> tuple[float, float]:
    """p50 and p95 of `seconds`, in milliseconds."""
    arr = np.asarray(seconds) * 1000
    return float(np.percentile(arr, 50)), float(np.percentile(arr, 95))


def timed(fn, *args, **kwargs) -> tuple[float, object]:
    t = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - t, out


def rss_mib(pid: int | None = None) -> float:
    """Resident set of `pid` (this process by default), MiB."""
    return _status_kib(pid, "VmRSS") / 1024


def peak_rss_mib(pid: int | None = None) -> float:
    return _status_kib(pid, "VmHWM") / 1024


def _status_kib(pid: int | None, key: str) -> int:
    for line in Path(f"/proc/{pid or 'self'}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def smaps_rollup_mib(pid: int) -> dict[str, float]:
    """Rss, Pss and the shared/private split of `pid` from /proc/PID/smaps_rollup, MiB."""
    wanted = {"Rss", "Pss", "Shared_Clean", "Shared_Dirty", "Private_Clean", "Private_Dirty"}
    out = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        parts = line.split()
        if parts and parts[0].rstrip(":") in wanted:
            out[parts[0].rstrip(":")] = int(parts[1]) / 1024
    return out


def dir_size_mib(path: Path) -> float:
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file()) / 2**20


def machine() -> dict:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), "unknown")
    mem = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
    return {"cores": os.cpu_count(), "cpu": model, "memory_gib": round(mem / 2**20, 1), "load": os.getloadavg()[0]}


def http_json(url: str, body: dict | None = None, timeout: float = 30.0) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, headers={"content-type": "application/json"} if data else {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


@dataclass(frozen=True)
class Row:
    """One benchmark figure beside the reference it is measured against, in the same run."""

    measure: str
    value: float
    reference: str
    reference_value: float
    unit: str = "ms"
    target: float | None = None  # the ratio must not exceed this (or, when `higher_is_better`, reach it)
    higher_is_better: bool = False

    @property
    def ratio(self) -> float:
        return self.value / self.reference_value if self.reference_value else float("nan")

    @property
    def met(self) -> bool | None:
        if self.target is None:
            return None
        return self.ratio >= self.target if self.higher_is_better else self.ratio <= self.target

    def cells(self) -> list[str]:
        target = "" if self.target is None else (("≥ " if self.higher_is_better else "≤ ") + f"{self.target:g}×")
        met = {None: "", True: "met", False: "NOT met"}[self.met]
        return [self.measure, f"{self.value:.1f} {self.unit}", self.reference, f"{self.reference_value:.1f} {self.unit}",
                f"{self.ratio:.2f}×", target, met]


def table(rows: list[Row]) -> str:
    head = ["measure", "figure", "reference (same run)", "reference", "ratio", "target", ""]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r.cells()) + " |" for r in rows]
    return "\n".join(lines)
