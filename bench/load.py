"""Bounded load test on loopback: N concurrent clients ask for T seconds; throughput, latency percentiles, errors.

    python -m bench.load --serve --clients 50 --duration 30      # starts `inspectqa serve` on 127.0.0.1, then stops it
    python -m bench.load --url http://127.0.0.1:8000 --key KEY   # against a running service

Every request is a distinct question by default, so none is answered from the query-vector cache
(the slow path); --repeat cycles through a fixed list instead (the cached path).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx
import numpy as np

from bench.served import served

QUESTIONS = [
    "When was the council judged inadequate?",
    "What did Ofsted find about children at risk in Wakefield?",
    "Which government department is copied into the monitoring letter?",
    "Who led the Wakefield Conservatives?",
    "How many social workers left the service?",
    "What progress did the monitoring visit find?",
    "What did inspectors say about caseloads?",
    "Who is the director of children's services?",
    "What improvements has the council made since the inspection?",
    "What did the council say in response to the report?",
    "Were children in care visited regularly?",
    "What happened to agency staff numbers?",
    "How did managers oversee frontline practice?",
    "What did the report say about the quality of assessments?",
    "When was the last monitoring visit?",
    "What is the recipe for a Victoria sponge cake?",
]
ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class LoadReport:
    clients: int
    duration_s: float
    requests: int
    throughput_rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    errors: int  # transport failures and any non-200 answer
    server_errors: int  # 5xx among them
    statuses: dict

    def line(self) -> str:
        return (
            f"{self.clients} clients x {self.duration_s:.0f} s: {self.requests} requests, {self.throughput_rps:.1f} req/s, "
            f"p50 {self.p50_ms:.0f} ms, p95 {self.p95_ms:.0f} ms, p99 {self.p99_ms:.0f} ms, max {self.max_ms:.0f} ms, "
            f"errors {self.errors}, 5xx {self.server_errors}, statuses {self.statuses}"
        )


async def _client(http: httpx.AsyncClient, n: int, deadline: float, repeat: bool, latencies: list, statuses: dict) -> None:
    i = 0
    while time.monotonic() < deadline:
        question = QUESTIONS[(n + i) % len(QUESTIONS)]
        if not repeat:
            question = f"{question} ({n}.{i})"
        i += 1
        started = time.perf_counter()
        try:
            response = await http.post("/ask", json={"question": question, "top_k": 5})
            status = str(response.status_code)
        except httpx.HTTPError as exc:
            status = exc.__class__.__name__
        latencies.append((time.perf_counter() - started) * 1000)
        statuses[status] = statuses.get(status, 0) + 1


async def run_load(url: str, clients: int, duration: float, key: str | None = None, repeat: bool = False) -> LoadReport:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    # idle connections are dropped before the server's 5 s keep-alive would close them under a request
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients, keepalive_expiry=2.0)
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=120, limits=limits) as http:
        started = time.monotonic()
        deadline = started + duration
        await asyncio.gather(*(_client(http, n, deadline, repeat, latencies, statuses) for n in range(clients)))
        elapsed = time.monotonic() - started  # includes the requests in flight at the deadline
    pct = np.percentile(latencies, [50, 95, 99]) if latencies else [0, 0, 0]
    return LoadReport(
        clients=clients,
        duration_s=round(elapsed, 2),
        requests=len(latencies),
        throughput_rps=round(len(latencies) / elapsed, 2),
        p50_ms=round(float(pct[0]), 1),
        p95_ms=round(float(pct[1]), 1),
        p99_ms=round(float(pct[2]), 1),
        max_ms=round(max(latencies, default=0.0), 1),
        errors=sum(v for k, v in statuses.items() if k != "200"),
        server_errors=sum(v for k, v in statuses.items() if k.isdigit() and k.startswith("5")),
        statuses=dict(sorted(statuses.items())),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--serve", action="store_true", help="start `inspectqa serve` on 127.0.0.1 for the run, and stop it after")
    where.add_argument("--url", help="a running service, e.g. http://127.0.0.1:8000 (loopback only)")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients (default 50)")
    parser.add_argument("--duration", type=float, default=30, help="seconds of load (default 30, at most 600)")
    parser.add_argument("--key", help="API key to send, for a service with INSPECTQA_AUTH=keys")
    parser.add_argument("--repeat", action="store_true", help="cycle a fixed list of questions (cached path) instead of distinct ones")
    parser.add_argument("--json", type=Path, help="also write the report as JSON here")
    args = parser.parse_args(argv)
    if not 1 <= args.clients <= 500 or not 0 < args.duration <= 600:
        parser.error("--clients must be 1-500 and --duration 0-600 s")
    if args.url and httpx.URL(args.url).host not in ("127.0.0.1", "localhost", "::1"):
        parser.error("load tests run against loopback only")

    def go(url: str) -> LoadReport:
        httpx.post(f"{url}/ask", json={"question": QUESTIONS[0]}, headers={"Authorization": f"Bearer {args.key}"} if args.key else {}, timeout=120)  # warm-up
        return asyncio.run(run_load(url, args.clients, args.duration, args.key, args.repeat))

    if args.serve:
        with served(log_path=ROOT / "var" / "load-server.log") as server:
            url = server.url
            report = go(url)
    else:
        report = go(args.url)
    print(report.line())
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(asdict(report), indent=2))
    return 0 if report.errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
