"""Memory across rebuilds: one `inspectqa serve` process through N uploads and removals vs a fresh process.

    python -m bench.rebuilds [--cycles 15]

Works on a private copy of the corpus and index under var/bench/rebuilds. One served process answers
a few questions (RSS "before"), then takes `cycles` uploads and removals of a small document through
POST and DELETE /admin/documents, each a job that rebuilds the index and swaps it in (2 x cycles
rebuilds), answering a question after each; its RSS then ("after") is set beside the RSS of a fresh
process started on the same corpus and asked the same questions. Issue 26's target: after <= 1.3x fresh.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
import urllib.request
import uuid

from bench.common import VAR, Row, rss_mib, table
from bench.served import served
from index.settings import PROJECT_ROOT

QUESTIONS = ["When was the council judged inadequate?", "What did inspectors say about caseloads?", "How did leaders respond to the inspection?"]
NOTE = "Brambleford council minutes, {n}. The panel agreed that caseloads for social workers had fallen to {k} children each.\n"
# each upload is this many paragraphs (~60 KB, a few hundred passages to embed): a report-sized document
PARAGRAPHS = 400
TOPICS = ["supervision", "caseloads", "care leavers", "strategy meetings", "foster carers", "assessments", "domestic abuse referrals"]


def _call(url: str, method: str = "GET", body: bytes | None = None, headers: dict | None = None) -> dict:
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    with urllib.request.urlopen(request, timeout=300) as reply:
        return json.loads(reply.read())


def _ask(url: str) -> None:
    for question in QUESTIONS:
        _call(url + "/ask", "POST", json.dumps({"question": question}).encode(), {"Content-Type": "application/json"})


def _wait(url: str, job: dict) -> dict:
    while job["state"] not in ("published", "failed"):
        time.sleep(0.2)
        job = _call(url + job["url"])
    if job["state"] != "published":
        raise RuntimeError(f"job {job['job_id']} failed: {job['reason']}")
    return job


def _upload(url: str, n: int) -> dict:
    boundary = uuid.uuid4().hex
    text = "".join(NOTE.format(n=f"meeting {n}, item {i} on {TOPICS[(i + n) % len(TOPICS)]}", k=10 + (i * 7 + n) % 40) for i in range(PARAGRAPHS))
    body = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"minutes-{n}.txt\"\r\nContent-Type: text/plain\r\n\r\n"
        f"{text}\r\n--{boundary}--\r\n"
    ).encode()
    return _wait(url, _call(url + "/admin/documents", "POST", body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}))


def run(cycles: int) -> list[Row]:
    work = VAR / "rebuilds"
    shutil.rmtree(work, ignore_errors=True)
    corpus = work / "corpus"
    shutil.copytree(PROJECT_ROOT / "corpus", corpus)
    env = {"INSPECTQA_CORPUS_DIR": str(corpus), "INSPECTQA_INDEX_POLL_SECONDS": "0", "INSPECTQA_AUDIT_DB": str(work / "audit.sqlite3")}
    index_dir = work / "index"
    from index.build.builder import build_index
    from index.build.embed import Encoder
    from index.settings import Settings

    settings = Settings(corpus_dir=corpus, index_dir=index_dir)
    build_index(settings, Encoder.for_settings(settings))
    with served(index_dir, env=env) as server:
        _ask(server.url)
        before = rss_mib(server.proc.pid)
        started = time.perf_counter()
        for n in range(cycles):
            job = _upload(server.url, n)
            _ask(server.url)
            _wait(server.url, _call(f"{server.url}/admin/documents/{job['doc_id']}", "DELETE"))
            _ask(server.url)
            print(f"cycle {n + 1}/{cycles}: RSS {rss_mib(server.proc.pid):.0f} MiB", file=sys.stderr, flush=True)
        seconds = time.perf_counter() - started
        after = rss_mib(server.proc.pid)
    with served(index_dir, env=env) as fresh:
        _ask(fresh.url)
        fresh_rss = rss_mib(fresh.proc.pid)
    rebuilds = 2 * cycles
    return [
        Row(f"serve RSS before {rebuilds} rebuilds", before, "fresh process, same corpus", fresh_rss, unit="MiB"),
        Row(f"serve RSS after {rebuilds} rebuilds ({seconds / rebuilds:.1f} s each)", after, "fresh process, same corpus", fresh_rss, unit="MiB", target=1.3),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.rebuilds", description=__doc__.split("\n\n")[0])
    parser.add_argument("--cycles", type=int, default=15, help="upload + removal pairs (each two rebuilds; default 15: 30 rebuilds)")
    args = parser.parse_args(argv)
    rows = run(args.cycles)
    print(table(rows))
    return 0 if rows[-1].ratio <= 1.3 else 1


if __name__ == "__main__":
    sys.exit(main())
