"""`inspectqa serve` in a child process on 127.0.0.1 and a free port, for the benchmarks, the load tester and
the tests: the one place that starts a served process, waits until /readyz says 200, and stops it cleanly."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class Server:
    proc: subprocess.Popen
    url: str
    started: float  # perf_counter just before the process was spawned
    ready_seconds: float
    log_path: Path | None


def _readyz(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url + "/readyz", timeout=5) as resp:
            return resp.status, resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


def _wait_ready(url: str, proc: subprocess.Popen, within: float, started: float, where: str) -> None:
    reason = "no answer"
    while time.perf_counter() - started < within:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode} before it was ready{where}")
        try:
            status, body = _readyz(url)
        except OSError:  # not listening yet: the model and index load before the port opens
            time.sleep(0.05)
            continue
        if status == 200:
            return
        reason = body
        if status == 503:  # listening, so loading is over: the index it has is not usable
            raise RuntimeError(f"the server has no usable index: {reason}{where}")
        time.sleep(0.05)
    raise TimeoutError(f"the server was not ready within {within:.0f} s ({reason}){where}")


@contextmanager
def served(index_dir: Path | None = None, env: dict | None = None, log_path: Path | None = None, ready_within: float = 180.0) -> Iterator[Server]:
    """Start `python -m cli serve`; yield a Server once /readyz says 200; SIGTERM it (then SIGKILL) on the way out.
    Loopback only, so auth and the rate limit are off: callers measure answering, not access control.
    `log_path` keeps the server's output (else it is dropped)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    environ = {
        **os.environ,
        "INSPECTQA_AUTH": "off",
        "INSPECTQA_RATE_LIMIT_PER_MINUTE": "0",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        **({"INSPECTQA_INDEX_DIR": str(index_dir)} if index_dir is not None else {}),
        **(env or {}),
    }
    if log_path is not None:
        log_path.parent.mkdir(parents=True, exist_ok=True)
    log = open(log_path, "wb") if log_path is not None else subprocess.DEVNULL
    where = f"; see {log_path}" if log_path is not None else ""
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT, env=environ, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        _wait_ready(url, proc, ready_within, started, where)
        yield Server(proc, url, started, time.perf_counter() - started, log_path)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if log_path is not None:
            log.close()
