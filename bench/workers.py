"""Several worker processes on one machine: do they share one memory-mapped index or hold a copy each?

Two processes load the same FAISS file (with and without faiss's mmap flag) and stay alive
together; /proc/PID/smaps_rollup then shows each one's Rss, its proportional share Pss, and how
much of it is shared file pages (counted once by the kernel) versus private copies.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from bench.common import ROOT, smaps_rollup_mib


def hold_index(index_file: Path, mmap: bool, workers: int = 2) -> list[dict]:
    procs = [
        subprocess.Popen([sys.executable, "-m", "bench.workers", "hold", str(index_file), "1" if mmap else "0"], cwd=ROOT,
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        for _ in range(workers)
    ]
    try:
        for p in procs:
            line = p.stdout.readline()
            if line.strip() != "ready":
                raise RuntimeError(f"worker did not load the index: {line!r}")
        time.sleep(0.5)
        return [{"pid": p.pid, **smaps_rollup_mib(p.pid)} for p in procs]
    finally:
        for p in procs:
            p.stdin.close()
            p.wait(timeout=30)


def hold_services(index_dir: Path, workers: int = 2) -> list[dict]:
    """`workers` inspectqa serve processes on one index, each having answered a question."""
    from contextlib import ExitStack

    from bench.common import http_json
    from bench.served import served

    with ExitStack() as stack:
        servers = [stack.enter_context(served(index_dir)) for _ in range(workers)]
        for s in servers:
            http_json(s.url + "/ask", {"question": "When was the council judged inadequate?"})
        return [{"pid": s.proc.pid, **smaps_rollup_mib(s.proc.pid)} for s in servers]


def _hold(index_file: str, mmap: bool) -> None:
    import faiss

    flags = (faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY) if mmap else 0
    index = faiss.read_index(index_file, flags)
    rng = np.random.default_rng(0)
    queries = rng.normal(size=(50, index.d)).astype(np.float32)
    index.search(queries, 10)  # touch the pages a serving worker touches
    if index.ntotal <= 200_000:
        index.search(np.eye(index.d, dtype=np.float32)[:1], index.ntotal)  # Flat: every vector read
    print("ready", flush=True)
    sys.stdin.read()


if __name__ == "__main__":
    if sys.argv[1] == "hold":
        _hold(sys.argv[2], sys.argv[3] == "1")
