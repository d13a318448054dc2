"""A damaged index leaves the service up and saying why; a reload swaps a new index in under load, or keeps the old one."""

import json
import threading
import time
from pathlib import Path

import httpx
import pytest
from conftest import LiveServer
from ops_helpers import QUESTION, app_client, copy_index, point_at

from index.build.builder import build_index


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _edit_manifest(index: Path, **changes) -> None:
    manifest = json.loads((index / "manifest.json").read_text())
    manifest.update(changes)
    (index / "manifest.json").write_text(json.dumps(manifest))


DAMAGE = {
    "faiss.index truncated": (lambda ix: _truncate(ix / "faiss.index"), "faiss"),
    "passage_vectors.npy truncated": (lambda ix: _truncate(ix / "passage_vectors.npy"), "damaged"),
    "passages.npy truncated": (lambda ix: _truncate(ix / "passages.npy"), "damaged"),  # the core names the error, not the file
    "sentence_vectors.npy removed": (lambda ix: (ix / "sentence_vectors.npy").unlink(), "sentence_vectors.npy"),
    "manifest chunk_size edited": (lambda ix: _edit_manifest(ix, chunk_size=900), "chunk_size: index built with 900"),
    "manifest passage_count edited": (lambda ix: _edit_manifest(ix, passage_count=3), "manifest says 3"),
    "manifest not JSON": (lambda ix: (ix / "manifest.json").write_text("{truncated"), "manifest.json"),
    "index missing": (lambda ix: None, "no index"),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_damaged_index_starts_not_ready_and_names_the_fix(damage, tmp_path, settings, encoder, built_index):
    spoil, needle = DAMAGE[damage]
    if damage == "index missing":
        index = tmp_path / "nothing-here"
    else:
        index = copy_index(settings, tmp_path)
        spoil(index.resolve())
    with app_client(settings, encoder, index_dir=index) as http:
        assert http.get("/healthz").status_code == 200
        ready = http.get("/readyz")
        assert ready.status_code == 503
        message = ready.json()["error"]["message"]
        assert needle in message and "operator" in message
        assert "inspectqa " not in message and str(tmp_path) not in message and "/" not in message.replace("Bearer", "")
        for method, path in [("post", "/ask"), ("post", "/search"), ("get", "/documents")]:
            response = getattr(http, method)(path, **({"json": {"question": QUESTION}} if method == "post" else {}))
            assert response.status_code == 503, path
            assert response.json()["error"]["code"] == "index_not_ready"
            assert "operator" in response.json()["error"]["message"] and "inspectqa " not in response.json()["error"]["message"]
        assert "inspectqa_index_ready 0.0" in http.get("/metrics").text


def test_failed_reload_keeps_the_old_index_and_a_good_one_swaps_in(tmp_path, settings, encoder, built_index):
    index = copy_index(settings, tmp_path, "good")
    bad = copy_index(settings, tmp_path, "bad").resolve()
    point_at(index, tmp_path / "builds" / "good")
    _truncate(bad / "faiss.index")
    with app_client(settings, encoder, index_dir=index) as http:
        before = http.get("/readyz").json()["built_at"]
        point_at(index, bad)
        failed = http.post("/admin/reload")
        assert failed.status_code == 409 and failed.json()["error"]["code"] == "reload_failed"
        assert "previous index keeps serving" in failed.json()["error"]["message"]
        assert http.post("/ask", json={"question": QUESTION}).json()["answerable"] is True
        assert http.get("/readyz").json()["built_at"] == before
        point_at(index, tmp_path / "builds" / "good")
        time.sleep(1.1)  # built_at is to the second, and an incremental build of this corpus takes less than one
        rebuilt = build_index(settings.model_copy(update={"index_dir": index}), encoder)  # a real build, swapped in by symlink
        ok = http.post("/admin/reload")
        assert ok.status_code == 200 and ok.json()["built_at"] == rebuilt.built_at != before
        assert http.get("/readyz").json()["built_at"] == rebuilt.built_at
        metrics = http.get("/metrics").text
        assert 'inspectqa_index_reloads_total{outcome="failed"} 1.0' in metrics
        assert 'inspectqa_index_reloads_total{outcome="ok"} 1.0' in metrics


def test_reload_recovers_a_service_that_started_without_an_index(tmp_path, settings, encoder, built_index):
    index = tmp_path / "index"
    with app_client(settings, encoder, index_dir=index) as http:
        assert http.get("/readyz").status_code == 503
        failed = http.post("/admin/reload")
        assert failed.status_code == 503 and "no index is loaded" in failed.json()["error"]["message"]
        copy_index(settings, tmp_path)
        assert http.post("/admin/reload").status_code == 200
        assert http.post("/ask", json={"question": QUESTION}).status_code == 200


def test_reload_under_concurrent_asks_has_zero_errors(tmp_path, settings, encoder, built_index):
    """8 clients ask without pause while the index is rebuilt and reloaded 4 times (one failed reload among them)."""
    from service.main import create_app

    index = copy_index(settings, tmp_path)
    served = settings.model_copy(update={"index_dir": index})
    statuses: list[int] = []
    stop = threading.Event()

    with LiveServer(create_app(served, encoder)) as server:

        def client(n):
            with httpx.Client(base_url=server.url, timeout=60) as http:
                i = 0
                while not stop.is_set():
                    i += 1
                    r = http.post("/ask", json={"question": f"{QUESTION} ({n}-{i})"})
                    statuses.append(r.status_code)

        threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        reloads = []
        with httpx.Client(base_url=server.url, timeout=120) as admin:
            for round_ in range(4):
                time.sleep(0.5)
                if round_ == 2:
                    broken = copy_index(settings, tmp_path / "broken", "b").resolve()
                    _truncate(broken / "faiss.index")
                    good = index.resolve()
                    point_at(index, broken)
                    reloads.append(admin.post("/admin/reload").status_code)
                    point_at(index, good)
                else:
                    build_index(served, encoder)
                    reloads.append(admin.post("/admin/reload").status_code)
            time.sleep(0.5)
        stop.set()
        for t in threads:
            t.join()
    assert reloads == [200, 200, 409, 200]
    errors = [s for s in statuses if s != 200]
    print(f"reload under load: {len(statuses)} asks during 4 reloads, {len(errors)} errors")
    assert len(statuses) > 20 and errors == []


def test_a_request_holding_the_old_index_finishes_on_it_after_a_swap(tmp_path, settings, encoder, built_index):
    """What an in-flight request sees: the answerer it started with, even once the rebuild has deleted its files."""
    served = settings.model_copy(update={"index_dir": tmp_path / "index"})
    build_index(served, encoder)
    with app_client(served, encoder, index_dir=served.index_dir) as http:
        old = http.app_ref.state.service.answerer  # as a request that has started holds it
        old_dir = old.index.path
        build_index(served, encoder)  # a new build; the old build directory is deleted
        assert not old_dir.exists()
        assert http.post("/admin/reload").status_code == 200
        new = http.app_ref.state.service.answerer
        assert new is not old and new.index.path != old_dir
        finished = old.answer(QUESTION)
        assert finished.answerable and finished.citations
        assert http.post("/ask", json={"question": QUESTION}).status_code == 200
