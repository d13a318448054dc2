"""A running `inspectqa serve` picks up a build finished by `inspectqa corpus add` with no reload call,
and the command line says which services did."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from bench.served import served
from index.build.store import builds_dir
from index.settings import PROJECT_ROOT
from service.watch import Heartbeat, PickUp, heartbeats_dir, index_pointer, pickup_report, read_heartbeats, write_heartbeat

NEW_TEXT = (
    "Northshire fostering review\n\n"
    "The Northshire fostering panel approved seventeen new short-break carers for disabled children in March 2021.\n"
)
QUESTION = "How many short-break carers did the Northshire fostering panel approve?"


def _copy_served_index(built_index, settings, var: Path) -> Path:
    """The session's built index, copied into `var` as a finished build behind its own symlink."""
    index_dir = var / "index"
    build = builds_dir(index_dir) / "copied"
    shutil.copytree(Path(settings.index_dir).resolve(), build)
    os.symlink(os.path.relpath(build, var), index_dir)
    return index_dir


def _cited(url: str) -> set[str]:
    reply = httpx.post(url + "/ask", json={"question": QUESTION}, timeout=30).json()
    return {c["doc_id"] for c in reply["citations"][:3]} if reply.get("answerable") else set()


def test_a_document_added_by_the_cli_is_answered_by_the_running_server_within_10_s(built_index, settings, corpus_copy, tmp_path):
    var = tmp_path / "var"
    var.mkdir()
    index_dir = _copy_served_index(built_index, settings, var)
    env = {
        "INSPECTQA_CORPUS_DIR": str(corpus_copy),
        "INSPECTQA_INDEX_DIR": str(index_dir),
        "INSPECTQA_FEEDBACK_DB": str(var / "feedback.sqlite3"),
        "INSPECTQA_INDEX_POLL_SECONDS": "1",
    }
    source = tmp_path / "northshire.txt"
    source.write_text(NEW_TEXT, encoding="utf-8")
    with served(index_dir, env=env, log_path=tmp_path / "serve.log") as server:
        before = httpx.get(server.url + "/readyz", timeout=10).json()
        assert "northshire-fostering-review" not in _cited(server.url)
        added = subprocess.run(
            [sys.executable, "-m", "cli", "corpus", "add", str(source), "--doc-id", "northshire-fostering-review",
             "--kind", "inspection-letter", "--url", "https://example.org/northshire"],
            cwd=PROJECT_ROOT, env={**os.environ, **env, "HF_HUB_OFFLINE": "1"}, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert added.returncode == 0, added.stderr
        finished = time.monotonic()
        # no POST /admin/reload, no SIGHUP: the server notices the new build by itself
        while "northshire-fostering-review" not in _cited(server.url):
            assert time.monotonic() - finished < 10, "the running server did not answer from the new document within 10 s"
            time.sleep(0.25)
        after = httpx.get(server.url + "/readyz", timeout=10).json()
        assert after != before
        listed = {d["doc_id"]: d for d in httpx.get(server.url + "/documents", timeout=10).json()}
        assert listed["northshire-fostering-review"]["url"] == "https://example.org/northshire"
    # the command line said who picked it up
    assert "now serves it" in added.stdout and f":{server.url.rsplit(':', 1)[1]}" in added.stdout, added.stdout


def test_the_report_names_each_service_and_what_to_do(tmp_path):
    index_dir = tmp_path / "index"
    now = time.time()
    fresh = Heartbeat(11, "host-a", "127.0.0.1:8000", "b@1", now, 2.0)
    slow = Heartbeat(12, "host-a", "127.0.0.1:8001", "a@0", now, 2.0)
    off = Heartbeat(13, "host-a", "", "a@0", now, 0.0)
    gone = Heartbeat(14, "host-a", "", "a@0", now - 600, 2.0)
    for beat in (fresh, slow, off, gone):
        write_heartbeat(heartbeats_dir(index_dir), beat)
    assert [b.pid for b in read_heartbeats(heartbeats_dir(index_dir))] == [11, 12, 13]  # the stale one is ignored
    lines = pickup_report("b@1", [PickUp(fresh, 1.25), PickUp(slow, None), PickUp(off, None)], 10)
    assert lines[0] == "service pid 11 on 127.0.0.1:8000 now serves it (picked up in 1.2 s)"
    assert "had not picked it up after 10 s" in lines[1] and "POST /admin/reload" in lines[1]
    assert "INSPECTQA_INDEX_POLL_SECONDS=0" in lines[2]
    assert pickup_report("b@1", [], 10) == ["no running service found; a service started now serves the new index"]
    assert index_pointer(index_dir) is None
