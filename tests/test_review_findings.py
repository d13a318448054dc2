"""The security review's findings (issue 16), one test or more each; every one failed before its fix."""

from __future__ import annotations

import asyncio
import os
import stat
import subprocess
import sys
import textwrap
import time
import zipfile

import pytest
from ops_helpers import QUESTION, app_client

from index.errors import CorpusError, UnsupportedDocument
from index.ingest import extract, lock
from index.ingest.extract import extract_text, extract_text_isolated
from index.ingest.manage import Overrides, add_documents, write_atomically as _write_atomically
from index.settings import PROJECT_ROOT
from service.keys import add_key

# ---------------------------------------------------------------- upload doc_id


@pytest.mark.parametrize("doc_id", ["../outside", "/tmp/inspectqa-outside", "..", "Upper-Case", "a/b"])
def test_an_upload_doc_id_that_is_not_a_slug_is_refused_before_any_file_is_written(settings, encoder, built_index, corpus_copy, tmp_path, doc_id):
    """Review finding: doc_id=../x overwrote, then deleted, a file outside the corpus."""
    outside = corpus_copy.parent / "outside.txt"
    outside.write_text("not the corpus's to touch", encoding="utf-8")
    before = sorted(p.name for p in corpus_copy.iterdir())
    with app_client(settings, encoder, corpus_dir=corpus_copy) as http:
        response = http.post("/admin/documents", files={"file": ("note.txt", b"A short note about supervision.", "text/plain")}, data={"doc_id": doc_id})
    assert response.status_code == 422 and "slug" in response.json()["error"]["message"]
    assert outside.read_text(encoding="utf-8") == "not the corpus's to touch"
    assert sorted(p.name for p in corpus_copy.iterdir()) == before
    with pytest.raises(CorpusError, match="slug"):
        add_documents(corpus_copy, [outside], Overrides(doc_id=doc_id), lambda documents: None)


# ---------------------------------------------------------------- upload bodies (raw ASGI, to see what is read)


def _scope(path: str, headers: dict[str, str], method: str = "POST") -> dict:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("testclient", 50000),
        "server": ("testserver", 80),
    }


async def _call(app, scope, receive) -> int:
    status = {}

    async def send(message):
        if message["type"] == "http.response.start":
            status["code"] = message["status"]

    await app(scope, receive, send)
    return status.get("code")  # None: the client went away before an answer


@pytest.fixture
def keyed_app(settings, encoder, built_index, tmp_path):
    keys = tmp_path / "keys.json"
    user, admin = add_key(keys, "clerk"), add_key(keys, "ops", admin=True)
    with app_client(settings, encoder, auth="keys", keys_file=keys, body_read_seconds=0.5, max_concurrent_uploads=1) as http:
        yield http.app_ref, user, admin


def test_an_upload_is_refused_before_its_body_is_read(keyed_app):
    """Review finding: a 19 MB upload was read in full before its 401."""
    app, user, _ = keyed_app
    reads = []

    async def receive():
        reads.append(1)
        return {"type": "http.request", "body": b"x" * 65536, "more_body": True}

    multipart = {"content-type": "multipart/form-data; boundary=x", "content-length": "19000000"}
    assert asyncio.run(_call(app, _scope("/admin/documents", multipart), receive)) == 401
    assert asyncio.run(_call(app, _scope("/admin/documents", {**multipart, "authorization": f"Bearer {user}"}), receive)) == 403
    assert reads == []


def test_a_body_not_sent_in_time_gets_408(keyed_app):
    app, _, admin = keyed_app

    async def trickle():
        await asyncio.sleep(5)
        return {"type": "http.request", "body": b"x", "more_body": True}

    started = time.monotonic()
    headers = {"authorization": f"Bearer {admin}", "content-type": "application/json"}
    assert asyncio.run(_call(app, _scope("/ask", headers), trickle)) == 408
    assert time.monotonic() - started < 3


def test_concurrent_uploads_are_capped(keyed_app):
    app, _, admin = keyed_app
    headers = {"authorization": f"Bearer {admin}", "content-type": "multipart/form-data; boundary=x"}

    async def both():
        release = asyncio.Event()

        async def slow():
            await release.wait()
            return {"type": "http.disconnect"}

        async def fast():
            return {"type": "http.request", "body": b"", "more_body": False}

        first = asyncio.create_task(_call(app, _scope("/admin/documents", headers), slow))
        await asyncio.sleep(0.2)
        second = await _call(app, _scope("/admin/documents", headers), fast)
        release.set()
        await asyncio.wait_for(first, 5) if not first.done() else None
        return second

    assert asyncio.run(both()) == 429


# ---------------------------------------------------------------- /metrics


def test_made_up_methods_share_one_metrics_label(client):
    """Review finding: 300 made-up methods grew /metrics from 378 to 5,814 lines."""
    before = len(client.get("/metrics").text.splitlines())
    for n in range(40):
        client.request(f"BREW{n}", "/ask")
    text = client.get("/metrics").text
    assert "BREW" not in text and 'method="other"' in text
    assert len(text.splitlines()) < before + 60


# ---------------------------------------------------------------- decompression bombs


def test_a_docx_bomb_is_refused_without_unpacking_it(tmp_path):
    """Review finding: a 342 KB .docx took extraction to 627 MiB."""
    bomb = tmp_path / "bomb.docx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w") as part:
            for _ in range(extract.MAX_DOCX_ENTRY_BYTES // (1 << 20) + 1):
                part.write(b" " * (1 << 20))
    assert bomb.stat().st_size < 1_000_000
    with pytest.raises(UnsupportedDocument, match="unpacks to"):
        extract_text(bomb)


def test_a_pdf_over_the_page_cap_is_refused(tmp_path, monkeypatch):
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(3):
        writer.add_blank_page(200, 200)
    path = tmp_path / "many.pdf"
    with path.open("wb") as out:
        writer.write(out)
    monkeypatch.setattr(extract, "MAX_PDF_PAGES", 2)
    with pytest.raises(UnsupportedDocument, match="3 pages"):
        extract_text(path)


def test_uploaded_files_are_extracted_in_a_child_process_with_memory_and_time_limits(tmp_path):
    note = tmp_path / "note.md"
    note.write_text("# Minutes\n\nThe panel met on Tuesday and agreed the plan.\n", encoding="utf-8")
    assert extract_text_isolated(note).text == extract_text(note).text
    # the child already uses more address space than this, so its next allocation fails
    with pytest.raises(UnsupportedDocument, match="more than 8 MiB"):
        extract_text_isolated(note, memory_bytes=8 * 1024 * 1024)
    with pytest.raises(UnsupportedDocument, match="longer than"):
        extract_text_isolated(note, seconds=0.001)


# ---------------------------------------------------------------- concurrent corpus changes


def test_corpus_changes_wait_for_the_lock_another_process_holds(corpus_copy, monkeypatch, tmp_path):
    """Review finding: two overlapping changes could lose a documents.yaml entry acknowledged with 201."""
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import time
            from index.ingest.lock import corpus_lock
            with corpus_lock({str(corpus_copy)!r}):
                print("held", flush=True)
                time.sleep(30)
        """)],
        cwd=PROJECT_ROOT if (PROJECT_ROOT / "index").is_dir() else None,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        monkeypatch.setattr(lock, "WAIT_SECONDS", 0.3)
        note = tmp_path / "note.txt"
        note.write_text("A note.", encoding="utf-8")
        yaml_before = (corpus_copy / "documents.yaml").read_text(encoding="utf-8")
        with pytest.raises(lock.CorpusBusy, match="another corpus change"):
            add_documents(corpus_copy, [note], Overrides(), lambda documents: None)
        assert (corpus_copy / "documents.yaml").read_text(encoding="utf-8") == yaml_before
    finally:
        holder.kill()
        holder.wait()
    with lock.corpus_lock(corpus_copy, wait_seconds=1):  # free once the holder is gone
        pass


def test_only_finished_builds_older_than_the_served_one_are_pruned(tmp_path):
    from index.build.store import _prune_builds, builds_dir

    index_dir = tmp_path / "index"
    builds = builds_dir(index_dir)
    made = {}
    for name in ("old", "served", "writing.partial", "newer"):
        folder = builds / name
        folder.mkdir(parents=True)
        if not name.endswith(".partial"):
            (folder / "manifest.json").write_text("{}")
        made[name] = folder
        time.sleep(0.02)
    _prune_builds(index_dir, keep=made["served"])
    assert sorted(p.name for p in builds.iterdir()) == ["newer", "served", "writing.partial"]


# ---------------------------------------------------------------- file modes


def test_documents_yaml_keeps_its_mode_when_replaced(tmp_path):
    """Review finding: documents.yaml became 0600 after a corpus change."""
    meta = tmp_path / "documents.yaml"
    meta.write_text("documents: []\n")
    os.chmod(meta, 0o664)
    _write_atomically(meta, "documents: []\n# changed\n")
    assert stat.S_IMODE(os.stat(meta).st_mode) == 0o664 and meta.read_text().endswith("# changed\n")


# ---------------------------------------------------------------- auth off: loopback only


def test_with_auth_off_a_foreign_host_or_a_cross_site_change_is_refused(settings, encoder, built_index):
    """Review finding: with auth off a page elsewhere could reach the API by DNS rebinding or a cross-site form."""
    with app_client(settings, encoder, allowed_hosts=[]) as http:
        assert http.get("/documents", headers={"host": "attacker.example:8000"}).status_code == 421
        assert http.post("/ask", json={"question": QUESTION}, headers={"host": "rebound.example"}).status_code == 421
        assert http.get("/documents", headers={"host": "127.0.0.1:8000"}).status_code == 200
        assert http.get("/documents", headers={"host": "localhost"}).status_code == 200
        upload = {"file": ("x.txt", b"x", "text/plain")}
        local = {"host": "127.0.0.1:8000"}
        for cross in ({"origin": "https://evil.example"}, {"sec-fetch-site": "cross-site"}, {"origin": "null"}):
            response = http.post("/admin/documents", files=upload, headers={**local, **cross})
            assert response.status_code == 403 and response.json()["error"]["code"] == "cross_site"
        same = http.post("/ask", json={"question": QUESTION}, headers={**local, "origin": "http://127.0.0.1:8000", "sec-fetch-site": "same-origin"})
        assert same.status_code == 200


# ---------------------------------------------------------------- smaller fixes


def test_readyz_names_no_filesystem_path(settings, encoder, tmp_path):
    with app_client(settings, encoder, index_dir=tmp_path / "secret-folder" / "index") as http:
        ready = http.get("/readyz")
        asked = http.post("/ask", json={"question": QUESTION})
    assert ready.status_code == asked.status_code == 503
    for response in (ready, asked):
        assert "secret-folder" not in response.text and str(tmp_path) not in response.text


def test_question_logging_survives_deeply_nested_json(settings, encoder, built_index):
    with app_client(settings, encoder, log_questions=True) as http:
        response = http.post("/ask", content=b"[" * 60000, headers={"content-type": "application/json"})
    assert 400 <= response.status_code < 500


def test_the_chat_page_conversation_expires_and_clear_forgets_it(settings, encoder, built_index):
    from service.routes.ui import STATIC_DIR

    with app_client(settings, encoder, chat_history_hours=2) as http:
        assert 'data-history-hours="2"' in http.get("/").text
    script = (STATIC_DIR / "app.js").read_text(encoding="utf-8")
    assert "saved_at" in script and "HISTORY_MS" in script and "localStorage.removeItem(STORAGE_KEY)" in script


def test_the_chat_page_forgets_an_expired_conversation_in_a_browser(settings, encoder, built_index):
    """In Chromium: a conversation saved 9 hours ago is gone on load; 'Clear conversation' removes what is kept."""
    playwright = pytest.importorskip("playwright.sync_api")
    from conftest import LiveServer

    from service.main import create_app

    with LiveServer(create_app(settings.model_copy(update={"allowed_hosts": ["testserver"]}), encoder)) as server, playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.goto(server.url + "/")
            stale = {"saved_at": int(time.time() * 1000) - 9 * 3600 * 1000, "turns": [{"question": "stale question about Quillfield"}]}
            page.evaluate("s => localStorage.setItem('inspectqa.conversation.v1', JSON.stringify(s))", stale)
            page.reload()
            assert "stale question" not in page.content()
            assert page.evaluate("() => localStorage.getItem('inspectqa.conversation.v1')") is None
            fresh = {**stale, "saved_at": int(time.time() * 1000)}
            page.evaluate("s => localStorage.setItem('inspectqa.conversation.v1', JSON.stringify(s))", fresh)
            page.reload()
            assert "stale question" in page.content()
            page.click("#clear")
            assert page.evaluate("() => localStorage.getItem('inspectqa.conversation.v1')") is None
        finally:
            browser.close()


def test_testclient_host_is_allowed_only_through_the_setting(settings, encoder, built_index):
    with app_client(settings, encoder, allowed_hosts=[]) as http:
        assert http.get("/documents").status_code == 421  # Host: testserver
    with app_client(settings, encoder, allowed_hosts=["testserver"]) as http:
        assert http.get("/documents").status_code == 200
