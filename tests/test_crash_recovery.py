"""kill -9 during a corpus add or remove, then a restart: corpus folder, documents.yaml and the served index agree.

A real `inspectqa corpus add|remove` process is killed with SIGKILL at one step of the change (after the
file is written, after documents.yaml, mid-build, just before the new index is published, just after it
is published). The service then starts on that folder: it must finish or roll back the change (the
journal, index.ingest.journal), say which, report ready (not degraded) once settled, serve exactly the
documents documents.yaml lists, keep no stray file, and take the same upload (or removal) again.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from index.build.builder import build_index
from index.ingest.journal import JOURNAL_FILE, served_doc_ids
from job_helpers import finish, tiny_corpus
from service.config import ServiceSettings
from service.main import create_app

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Runs the CLI with one step of a corpus change replaced by SIGKILL to itself: a crash at exactly that point.
DRIVER = textwrap.dedent(
    """
    import os, signal, sys
    step = sys.argv[1]
    def die(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGKILL)
    import index.build.builder as builder
    import index.ingest.journal as journal
    if step in ("file-written", "yaml-written", "published"):
        real_mark = journal.mark
        def mark(corpus_dir, change, done):
            moved = real_mark(corpus_dir, change, done)
            if done == step:
                die()
            return moved
        journal.mark = mark
    elif step == "mid-build":
        builder.write_build = die  # passages split and embedded, the build's files not all written
    elif step == "before-publish":
        builder.swap_in = die  # the build written in full, the index pointer not yet moved
    from cli.main import main
    sys.exit(main(sys.argv[2:]))
    """
)

NOTE = "Brambleford council minutes, March 2024. The panel agreed that caseloads for social workers had fallen to eighteen children each.\n"


@pytest.fixture
def setup(tmp_path, encoder):
    corpus = tiny_corpus(tmp_path / "corpus")
    settings = ServiceSettings(
        corpus_dir=corpus, index_dir=tmp_path / "index", feedback_db=tmp_path / "feedback.sqlite3", audit_db=tmp_path / "audit.sqlite3",
        keys_file=tmp_path / "keys.json", auth="off", rate_limit_per_minute=0, index_poll_seconds=0,
    )  # fmt: skip
    build_index(settings, encoder)
    note = tmp_path / "minutes.txt"
    note.write_text(NOTE, encoding="utf-8")
    return settings, note


def _crash(settings: ServiceSettings, step: str, *command: str) -> None:
    args = [sys.executable, "-c", DRIVER, step, "corpus", *command, "--corpus", str(settings.corpus_dir), "--index", str(settings.index_dir), "--wait", "0"]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    done = subprocess.run(args, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == -signal.SIGKILL, f"the process was not killed at {step}: {done.returncode}\n{done.stderr[-2000:]}"


def _agree(settings: ServiceSettings, client: TestClient) -> set[str]:
    """documents.yaml, the corpus folder and the served index agree; the doc_ids they hold."""
    corpus = Path(settings.corpus_dir)
    entries = yaml.safe_load((corpus / "documents.yaml").read_text(encoding="utf-8"))["documents"]
    listed = {e["doc_id"] for e in entries}
    files = {p.name for p in corpus.iterdir() if not p.name.startswith(".")} - {"documents.yaml"}
    assert files == {e["file"] for e in entries}, "a file in the folder that documents.yaml does not list, or the reverse"
    assert not (corpus / JOURNAL_FILE).exists()
    served = {d["doc_id"] for d in client.get("/documents").json()}
    assert served == listed == served_doc_ids(settings.index_dir)
    ready = client.get("/readyz").json()
    assert ready["status"] == "ready", ready
    return listed


ADD_STEPS = ["file-written", "yaml-written", "mid-build", "before-publish", "published"]


@pytest.mark.parametrize("step", ADD_STEPS)
def test_add_killed_at_each_step_is_settled_at_restart_and_can_be_retried(setup, encoder, step):
    settings, note = setup
    _crash(settings, step, "add", str(note), "--doc-id", "march-minutes")
    assert (Path(settings.corpus_dir) / JOURNAL_FILE).exists()  # the crash left the change unfinished
    with TestClient(create_app(settings, encoder)) as client:
        ready = client.get("/readyz").json()
        finished = step == "published"
        assert ("finished" if finished else "rolled back") in ready["recovered"], ready
        listed = _agree(settings, client)
        assert ("march-minutes" in listed) is finished
        retry = client.post("/admin/documents", files={"file": ("minutes.txt", note.read_bytes(), "text/plain")}, data={"doc_id": "march-minutes"})
        if finished:
            assert retry.status_code == 409  # it is in, and said so: not a duplicate of an invisible document
        else:
            assert finish(client, retry)["state"] == "published"
        assert "march-minutes" in _agree(settings, client)


REMOVE_STEPS = ["yaml-written", "mid-build", "before-publish", "published"]


@pytest.mark.parametrize("step", REMOVE_STEPS)
def test_remove_killed_at_each_step_is_settled_at_restart_and_can_be_retried(setup, encoder, step):
    settings, _ = setup
    _crash(settings, step, "remove", "doc-2")
    with TestClient(create_app(settings, encoder)) as client:
        finished = step == "published"
        assert ("finished" if finished else "rolled back") in client.get("/readyz").json()["recovered"]
        assert ("doc-2" in _agree(settings, client)) is not finished
        retry = client.delete("/admin/documents/doc-2")
        if finished:
            assert retry.status_code == 404
        else:
            assert finish(client, retry)["state"] == "published"
        assert _agree(settings, client) == {"doc-1"}


def test_an_unfinished_change_is_shown_by_index_status_and_readyz_says_degraded_until_settled(setup, encoder, capsys):
    """A change left by a dead process while the service runs: /readyz says degraded, `index status` names it."""
    from cli.main import main

    settings, note = setup
    with TestClient(create_app(settings, encoder)) as client:
        assert client.get("/readyz").json()["status"] == "ready"
        _crash(settings, "yaml-written", "add", str(note), "--doc-id", "march-minutes")
        ready = client.get("/readyz").json()
        assert ready["status"] == "degraded" and "march-minutes" in ready["reason"], ready
        code = main(["index", "status", "--corpus", str(settings.corpus_dir), "--index", str(settings.index_dir)])
        err = capsys.readouterr().err
        assert code == 1 and "unfinished corpus change: adding march-minutes" in err, err
        # the next change settles it first (rolled back: the served index never held it), then runs
        assert finish(client, client.delete("/admin/documents/doc-2"))["state"] == "published"
        assert client.get("/readyz").json()["status"] == "ready"
        assert _agree(settings, client) == {"doc-1"}
