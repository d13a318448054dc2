"""Pages that are right, open document kinds, and the original file.

A two-page PDF whose answer is on page 2 cites page 2 (the highlight's page, and the source card's
page on the chat page); a sentence broken by a page break names both its pages; any lower-case slug
is a kind; GET /documents/{id}/original serves the stored file and nothing outside the corpus folder.
"""

from __future__ import annotations

import contextlib
import io

import pytest
from fastapi.testclient import TestClient
from pdf_helpers import ADOPTERS, BROKEN_END, BROKEN_START, THORNBURY_PAGES, make_paged_pdf

from index.build.builder import build_index
from index.build.chunk import sentence_spans
from index.ingest.extract import extract_text
from index.ingest.pages import page_at, page_range
from index.settings import Settings
from service.config import ServiceSettings

REPORT_ID = "thornbury-inspection-report"


def _settings(tmp_path, corpus, **extra) -> ServiceSettings:
    return ServiceSettings(
        corpus_dir=corpus, index_dir=tmp_path / "index", feedback_db=tmp_path / "feedback.sqlite3", auth="off", rate_limit_per_minute=0, **extra
    )


def _cli(*args) -> tuple[int, str, str]:
    from cli.main import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(map(str, args)))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def paged_corpus(tmp_path, corpus_copy, encoder):
    """The real corpus plus the two-page Thornbury report and a set of committee minutes (kind 'minutes')."""
    settings = _settings(tmp_path, corpus_copy)
    build_index(settings, encoder)
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    report = make_paged_pdf(incoming / "thornbury.pdf", THORNBURY_PAGES, "Thornbury inspection report")
    where = ("--corpus", corpus_copy, "--index", settings.index_dir)
    code, out, err = _cli("corpus", "add", report, *where)
    assert code == 0, err
    minutes = incoming / "minutes.txt"
    minutes.write_text(
        "Thornbury corporate parenting board minutes\n\nThe board agreed to fund two additional independent visitors for "
        "children in care from April.\n",
        encoding="utf-8",
    )
    code, out, err = _cli("corpus", "add", minutes, "--kind", "minutes", *where)
    assert code == 0, err
    assert "(minutes)" in out
    return settings, report


def test_page_range_names_both_pages_of_a_sentence_broken_by_the_page_break(tmp_path):
    doc = extract_text(make_paged_pdf(tmp_path / "t.pdf", THORNBURY_PAGES, "t"))
    assert len(doc.pages) == 2
    broken = f"{BROKEN_START} {BROKEN_END}"
    start = doc.text.index(broken)  # rejoined across the break ...
    span = next(s for s in sentence_spans(doc.text) if s.start <= start < s.end)
    assert doc.text[span.start:span.end] == broken  # ... into one sentence
    assert page_range(doc.pages, span.start, span.end) == (1, 2)  # starts on page 1, ends on page 2
    adopters = doc.text.index(ADOPTERS)
    assert page_range(doc.pages, adopters, adopters + len(ADOPTERS)) == (2, 2)
    assert page_range((), 0, 10) is None and page_at((), 0) is None


def test_two_page_pdf_answered_on_page_2_cites_page_2(paged_corpus, encoder):
    from service.main import create_app

    settings, _ = paged_corpus
    with TestClient(create_app(settings, encoder)) as client:
        body = client.post("/ask", json={"question": "How many new adopters did the Thornbury adoption panel approve?"}).json()
        assert body["answerable"] and "19 new adopters" in body["answer"], body
        top = body["citations"][0]
        assert top["doc_id"] == REPORT_ID
        # the passage holds both pages: it starts on page 1 (`page`, unchanged) and its answer sentence is on page 2
        assert top["page"] == 1 and top["pages"] == [1, 2]
        text = client.get(f"/documents/{REPORT_ID}").json()["text"]
        [highlight] = [h for h in top["highlights"] if ADOPTERS in text[h["start"]:h["end"]]]
        assert highlight["page"] == 2 and highlight["pages"] == [2, 2]

        body = client.post("/ask", json={"question": "How quickly is a notified private fostering arrangement visited in Thornbury?"}).json()
        top = body["citations"][0]
        assert top["doc_id"] == REPORT_ID, body
        broken = [h for h in top["highlights"] if "private fostering" in text[h["start"]:h["end"]]]
        assert broken and broken[0]["page"] == 1 and broken[0]["pages"] == [1, 2]

        # formats without pages: null pages throughout, additive fields only
        body = client.post("/ask", json={"question": "How many independent visitors did the Thornbury board agree to fund?"}).json()
        minutes = next(c for c in body["citations"] if c["kind"] == "minutes")
        assert minutes["page"] is None and minutes["pages"] is None
        assert all(h["page"] is None for h in minutes["highlights"])


def test_kind_minutes_is_accepted_listed_and_filterable(paged_corpus, encoder):
    from service.main import create_app

    settings, _ = paged_corpus
    with TestClient(create_app(settings, encoder)) as client:
        kinds = {d["kind"] for d in client.get("/documents").json()}
        assert {"minutes", "inspection-report"} <= kinds
        body = client.post(
            "/ask", json={"question": "How many independent visitors did the board agree to fund?", "filters": {"kind": ["minutes"]}}
        ).json()
        assert body["answerable"] and {c["kind"] for c in body["citations"]} == {"minutes"}
        bad = client.post("/ask", json={"question": "anything", "filters": {"kind": ["Minutes!"]}})
        assert bad.status_code == 422 and bad.json()["error"]["code"]


def test_a_kind_that_is_not_a_slug_is_refused_with_the_rule(tmp_path, corpus_copy):
    note = tmp_path / "note.txt"
    note.write_text("A note.\n", encoding="utf-8")
    code, _, err = _cli("corpus", "add", note, "--kind", "Board Minutes", "--corpus", corpus_copy, "--index", tmp_path / "index")
    assert code != 0 and "lower-case slug" in err
    assert "note.txt" not in (corpus_copy / "documents.yaml").read_text(encoding="utf-8")


def test_primary_kinds_are_a_setting(monkeypatch):
    assert Settings().primary_kinds == ["inspection-letter", "inspection-report"]
    monkeypatch.setenv("INSPECTQA_PRIMARY_KINDS", "inspection-report, minutes")
    assert Settings().primary_kinds == ["inspection-report", "minutes"]


def test_original_serves_the_stored_pdf_and_404s_the_rest(paged_corpus, encoder, tmp_path):
    from service.main import create_app

    settings, report = paged_corpus
    with TestClient(create_app(settings, encoder)) as client:
        response = client.get(f"/documents/{REPORT_ID}/original")
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/pdf"
        assert response.content == report.read_bytes()
        assert "sandbox" in response.headers["content-security-policy"]
        missing = client.get("/documents/no-such-doc/original")
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
        traversal = client.get("/documents/..%2F..%2Fetc%2Fpasswd/original")
        assert traversal.status_code == 404
        minutes_id = next(d["doc_id"] for d in client.get("/documents").json() if d["kind"] == "minutes")
        text = client.get(f"/documents/{minutes_id}/original")
        assert text.status_code == 200 and text.headers["content-type"].startswith("text/plain")
        assert "attachment" in text.headers["content-disposition"]


def test_original_never_serves_a_file_outside_the_corpus_folder(tmp_path, corpus_copy, encoder):
    """A documents.yaml entry naming a file outside the folder indexes, but its original is not served."""
    from service.main import create_app

    outside = tmp_path / "secret.txt"
    outside.write_text("Salaries of named staff are confidential.\n", encoding="utf-8")
    meta = corpus_copy / "documents.yaml"
    meta.write_text(
        meta.read_text(encoding="utf-8").rstrip("\n")
        + "\n  - doc_id: outside-file\n    file: ../secret.txt\n    title: Outside\n    kind: commentary\n",
        encoding="utf-8",
    )
    settings = _settings(tmp_path, corpus_copy)
    build_index(settings, encoder)
    with TestClient(create_app(settings, encoder)) as client:
        assert client.get("/documents/outside-file").status_code == 200
        response = client.get("/documents/outside-file/original")
        assert response.status_code == 404 and "Salaries" not in response.text


def test_original_takes_the_same_key_as_the_document(settings, encoder, built_index, tmp_path):
    from ops_helpers import app_client

    from service.keys import add_key

    keys = tmp_path / "keys.json"
    key = add_key(keys, "case-system")
    with app_client(settings, encoder, auth="keys", keys_file=keys) as http:
        doc_id = http.get("/documents", headers={"Authorization": f"Bearer {key}"}).json()[0]["doc_id"]
        refused = http.get(f"/documents/{doc_id}/original")
        assert refused.status_code == 401
        assert http.get(f"/documents/{doc_id}/original", headers={"Authorization": f"Bearer {key}"}).status_code == 200


def test_primary_kinds_decide_every_primary_flag_not_only_ranking(settings, encoder, built_index):
    # issue 25 item 6: the setting used to reach ranking alone; conflicts, the timeline and the JSON flags read a constant
    from index.answer.answerer import QuestionAnswerer
    from index.build.store import load_index
    from service.schemas import AskResponse

    news_first = settings.model_copy(update={"primary_kinds": ["news"]})
    index = load_index(settings.index_dir, news_first)
    news = [d.doc_id for d in index.documents.values() if d.kind == "news"]
    assert news and all(index.is_primary(d) for d in news)
    answer = QuestionAnswerer(index, encoder, news_first).answer("When was the focused visit?")
    reply = AskResponse.from_answer(answer, 1.0)
    flags = {claim.doc_id: claim.primary for conflict in reply.conflicts for claim in conflict.claims}
    assert flags and all(flag == (doc in news) for doc, flag in flags.items())
    assert all(c.primary == (c.passage.doc_id in news) for c in answer.citations)
