"""The short load test (10 clients x 5 s against `inspectqa serve` on 127.0.0.1), then a SIGHUP reload of that server.

`make load` is the long run (50 clients x 30 s); its figures go in docs/operations.md, not in assertions.
"""

import asyncio
import re
import signal
import time

import httpx
import pytest

from bench.load import run_load
from bench.served import served


@pytest.fixture(scope="module")
def server(settings, built_index, tmp_path_factory):
    log = tmp_path_factory.mktemp("load") / "server.log"
    with served(settings.index_dir, log_path=log) as running:
        yield running.url, running.proc, log


def test_short_load_has_no_errors_and_no_5xx(server):
    url, _, _ = server
    report = asyncio.run(run_load(url, clients=10, duration=5))
    print("\nload:", report.line())
    assert report.requests >= 10
    assert report.errors == 0 and report.server_errors == 0


def test_sighup_reloads_the_index_of_a_running_server(server):
    url, process, log = server
    process.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        metrics = httpx.get(f"{url}/metrics").text
        if re.search(r'^inspectqa_index_reloads_total\{outcome="ok"\} 1\.0$', metrics, re.M):
            break
        time.sleep(0.2)
    else:
        pytest.fail(f"no reload after SIGHUP; server log: {log.read_text()[-2000:]}")
    assert httpx.post(f"{url}/ask", json={"question": "When was the council judged inadequate?"}, timeout=60).status_code == 200


def test_server_log_is_json_lines_with_request_ids(server):
    import json

    _, _, log = server
    entries = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    access = [e for e in entries if e["logger"] == "inspectqa.access"]
    assert access and all(e.get("request_id") and "question" not in e for e in access)
    assert any("authentication is OFF" in e["msg"] and e["level"] == "warning" for e in entries)
