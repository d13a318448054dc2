"""Upload limits and audit hygiene (issue 26): what a careless admin or an attacker sends is refused clearly.

Review findings: a 300-byte file name gave a 500; a 100,000-character title, a right-to-left override
or NUL in a title, and published 2999-01-01 were accepted; an existing doc_id gave 422; the audit kept
raw NUL and newline characters in its route column; /timeline was never audited; upload rows carried
no doc_id.
"""

from __future__ import annotations

import threading
import urllib.parse

import pytest

from index.build.builder import build_index
from job_helpers import finish, tiny_corpus
from ops_helpers import app_client

NOTE = b"Brambleford council minutes, March 2024. Caseloads for social workers fell to eighteen children each.\n"


@pytest.fixture
def small(tmp_path, settings, encoder):
    """Settings for a private two-document corpus and its built index."""
    corpus = tiny_corpus(tmp_path / "corpus")
    local = settings.model_copy(update={"corpus_dir": corpus, "index_dir": tmp_path / "index", "audit_db": tmp_path / "audit.sqlite3", "vector_store": "faiss"})
    build_index(local, encoder)
    return local


def test_a_300_byte_file_name_is_stored_under_a_slug_not_a_500(small, encoder):
    with app_client(small, encoder) as http:
        accepted = http.post("/admin/documents", files={"file": ("Minutes " + "x" * 292 + ".txt", NOTE, "text/plain")})
        job = finish(http, accepted)
    assert job["state"] == "published", job
    stored = job["document"]["file"]
    assert len(stored.encode()) < 120 and stored.endswith(".txt")
    assert (small.corpus_dir / stored).read_bytes() == NOTE


@pytest.mark.parametrize(
    "field, value, says",
    [
        ("title", "t" * 301, "title is 301 characters; at most 300"),
        ("title", "Report\u202etxt.exe", "title holds the control or bidi character U+202E"),
        ("title", "Report\x00hidden", "title holds the control or bidi character U+0000"),
        ("title", "Report\x1b[31m", "title holds the control or bidi character U+001B"),
        ("publisher", "p" * 201, "publisher is 201 characters; at most 200"),
        ("published", "2999-01-01", "published 2999-01-01 is in the future"),
    ],
)
def test_bad_metadata_is_refused_with_422_naming_the_field_before_anything_is_written(small, encoder, field, value, says):
    before = sorted(p.name for p in small.corpus_dir.iterdir())
    with app_client(small, encoder) as http:
        refused = http.post("/admin/documents", files={"file": ("note.txt", NOTE, "text/plain")}, data={field: value})
    assert refused.status_code == 422, refused.text
    assert says in refused.json()["error"]["message"]
    assert sorted(p.name for p in small.corpus_dir.iterdir()) == before


def test_an_existing_doc_id_is_409_and_a_byte_identical_copy_is_409(small, encoder):
    with app_client(small, encoder) as http:
        taken = http.post("/admin/documents", files={"file": ("note.txt", NOTE, "text/plain")}, data={"doc_id": "doc-1"})
        copy = http.post("/admin/documents", files={"file": ("again.txt", (small.corpus_dir / "one.txt").read_bytes(), "text/plain")})
    assert taken.status_code == 409 and "doc-1" in taken.json()["error"]["message"]
    assert copy.status_code == 409 and copy.json()["error"]["code"] == "duplicate_document" and "doc-1" in copy.json()["error"]["message"]


def test_the_job_queue_is_bounded_with_429_and_every_accepted_job_ends(small, encoder):
    from service.routes.admin import get_builder

    release = threading.Event()

    def slow_build(settings, encoder, documents=None):
        release.wait(60)
        return build_index(settings, encoder, documents=documents)

    with app_client(small, encoder, max_queued_jobs=2) as http:
        http.app_ref.dependency_overrides[get_builder] = lambda: slow_build
        first = http.post("/admin/documents", files={"file": ("a.txt", NOTE, "text/plain")})
        second = http.post("/admin/documents", files={"file": ("b.txt", NOTE.replace(b"March", b"April"), "text/plain")})
        third = http.post("/admin/documents", files={"file": ("c.txt", NOTE.replace(b"March", b"May"), "text/plain")})
        assert [first.status_code, second.status_code, third.status_code] == [202, 202, 429]
        assert third.headers["retry-after"] and "waiting" in third.json()["error"]["message"]
        assert http.get(second.json()["url"]).json()["state"] == "queued"  # one change at a time
        release.set()
        assert [finish(http, r)["state"] for r in (first, second)] == ["published", "published"]
        assert http.get("/admin/jobs/0123456789abcdef").status_code == 404
        assert http.get("/admin/jobs/..%2Fetc").status_code == 404


def test_the_audit_keeps_the_route_template_and_a_sanitised_path(small, encoder):
    with app_client(small, encoder) as http:
        weird = "/documents/" + urllib.parse.quote("doc\x00\nforged row\u202e")
        assert http.get(weird).status_code in (404, 422)
        rows = http.get("/admin/audit", params={"limit": 5}).json()["records"]
        csv_text = http.get("/admin/audit", params={"format": "csv"}).text
    row = next(r for r in rows if r["route"] == "/documents/{doc_id}")
    assert "\x00" not in row["path"] and "\n" not in row["path"] and "\u202e" not in row["path"]
    assert row["path"] == "/documents/doc\\x00\\x0aforged row\\u202e"
    assert "\x00" not in csv_text and "\u202e" not in csv_text


def test_timeline_is_audited_and_upload_and_removal_rows_carry_the_job_and_doc_id(small, encoder):
    with app_client(small, encoder) as http:
        assert http.get("/timeline", params={"q": "When were Brambleford services judged good?"}).status_code == 200
        added = finish(http, http.post("/admin/documents", files={"file": ("note.txt", NOTE, "text/plain")}))
        removed = finish(http, http.delete("/admin/documents/doc-2"))
        rows = http.get("/admin/audit", params={"limit": 20}).json()["records"]
    timeline = next(r for r in rows if r["route"] == "/timeline")
    assert timeline["question"].startswith("hmac-sha256:") and timeline["build_id"]
    upload = next(r for r in rows if r["method"] == "POST" and r["route"] == "/admin/documents")
    assert added["job_id"] in upload["detail"]
    done = {r["detail"].split(";")[0]: r for r in rows if r["method"] == "JOB"}
    assert added["doc_id"] in done[f"job {added['job_id']}"]["detail"] and "published" in done[f"job {added['job_id']}"]["detail"]
    deletion = next(r for r in rows if r["method"] == "DELETE")
    assert deletion["route"] == "/admin/documents/{doc_id}" and removed["job_id"] in deletion["detail"] and "doc-2" in deletion["detail"]
