"""Ingesting PDF, Word, web pages and text: extraction keeps the body and drops the chrome, and after
`inspectqa corpus add` the real pipeline cites the right document and page with verbatim text.

Every fixture file is made here: PDFs with fpdf2 (pypdf encrypts one), a DOCX with python-docx,
HTML by hand.
"""

from __future__ import annotations

import contextlib
import io
import json
import textwrap
from pathlib import Path

import pytest

from index.errors import CorpusError, UnsupportedDocument
from index.ingest.extract import extract_text
from index.ingest.manage import Overrides, add_documents, remove_document
from index.ingest.pages import page_at
from index.settings import Settings
from service.config import ServiceSettings
from index.build.builder import build_index
from index.build.store import read_manifest
from job_helpers import finish

HEADER = "Brambleford Borough Council - Inspection of children's services"
# Each page holds paragraphs: a string is wrapped to lines by make_pdf, a list is laid out line by line.
PAGES = [
    [
        "Inspection of children's social care services in Brambleford.",
        "Inspectors visited the borough in March and met leaders, social workers and partner agencies over eight "
        "working days. They read case records, observed meetings of the multi-agency safeguarding partnership and "
        "spoke to children, young people and their families about the help they had received.",
        "Since the last inspection the council has appointed a permanent director of children's services and a new "
        "principal social worker. Senior leaders describe a clear plan for improvement that the lead member and the "
        "chief executive scrutinise every month, and the plan is understood by staff across the service.",
        "Partners in health, education and the police say that communication with the council has improved, and "
        "that strategy discussions now take place promptly when a child may be at risk of significant harm.",
    ],
    [
        "Children in care live in stable homes, and most of them live close to their families and schools. Their "
        "social workers visit them regularly and know them well, and reviews of their plans take place on time.",
        "The fostering panel in Brambleford approved forty-two new foster carers during the year, and every carer "
        "received supervision at least once a month from a qualified social worker.",
        "Care leavers told inspectors that their personal advisers were easy to reach.",
        "Leadership and management",
        "Independent reviewing officers challenge drift and delay, and their footprint on the case files is clear. "
        "The virtual school tracks the attendance and progress of every child in care and intervenes early.",
    ],
    [
        [
            "Leaders have not yet made enough progress in reducing the drift in pre-proceed-",
            "ings work under the public law outline for children on the edge of care.",
        ],
        "The local authority must improve the timeliness of assessments for disabled children, several of whom "
        "waited more than six months for an assessment of their needs during the period inspectors reviewed.",
        "Managers should make sure that supervision records show the reasons for decisions, so that a new worker "
        "can understand the history of a child's case without reading every previous note on the file.",
    ],
]
FOSTERING = (
    "The fostering panel in Brambleford approved forty-two new foster carers during the year, and every carer "
    "received supervision at least once a month from a qualified social worker."
)
HYPHENATED = "reducing the drift in pre-proceedings work under the public law outline"


def make_pdf(path: Path, pages: list[list], title: str | None = "Brambleford inspection report") -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_auto_page_break(False)
    if title:
        pdf.set_title(title)
    for number, lines in enumerate(pages, 1):
        pdf.add_page()
        pdf.set_font("Helvetica", size=9)
        pdf.cell(0, 8, HEADER, new_x="LMARGIN", new_y="NEXT")  # running header
        pdf.ln(6)
        pdf.set_font("Helvetica", size=11)
        for paragraph in lines:
            for line in paragraph if isinstance(paragraph, list) else textwrap.wrap(paragraph, 88, break_on_hyphens=False):
                pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(4)
        pdf.set_y(-20)
        pdf.set_font("Helvetica", size=9)
        pdf.cell(0, 8, f"Page {number} of {len(pages)}", align="C")  # running footer with the page number
    pdf.output(str(path))
    return path


def make_docx(path: Path) -> Path:
    import docx

    document = docx.Document()
    document.core_properties.title = "Corporate parenting board minutes"
    document.add_heading("Corporate parenting board minutes", level=1)
    document.add_paragraph("The board noted that Brambleford's virtual school raised attendance of children in care to 94 per cent.")
    table = document.add_table(rows=2, cols=3)
    for row, values in zip(table.rows, [("Measure", "2022", "2023"), ("Children in care", "410", "386")]):
        for cell, value in zip(row.cells, values):
            cell.text = value
    document.add_paragraph("Members asked for a report on placement stability at the next meeting.")
    document.save(str(path))
    return path


HTML = """<!doctype html>
<html><head>
<title>Brambleford council welcomes Ofsted praise | Brambleford Gazette</title>
<meta property="og:title" content="Brambleford council welcomes Ofsted praise">
<meta property="article:published_time" content="2024-05-17T09:30:00+01:00">
</head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li><li><a href="/sport">Sport</a></li></ul></nav>
<div class="advert">Advertisement: Win a weekend break in the Lake District today</div>
<article>
<h1>Brambleford council welcomes Ofsted praise</h1>
<p>Brambleford council said it was delighted that inspectors judged its services for children good in every area after years of improvement work.</p>
<p>The council's director of children's services thanked social workers, foster carers and partner agencies for their commitment to the borough's children.</p>
<p>Inspectors highlighted the stability of the workforce, with agency staff now making up fewer than one in ten social workers in the borough.</p>
</article>
<aside class="teaser"><a href="/other">READ MORE: Bin collections change next month</a></aside>
<footer>Copyright Brambleford Gazette. Cookie settings. Privacy policy.</footer>
</body></html>
"""


@pytest.fixture
def fixtures(tmp_path) -> Path:
    folder = tmp_path / "incoming"
    folder.mkdir()
    make_pdf(folder / "report.pdf", PAGES)
    make_docx(folder / "minutes.docx")
    (folder / "news.html").write_text(HTML, encoding="utf-8")
    return folder


# ---------------------------------------------------------------- extraction


def test_pdf_keeps_sentences_on_their_pages_and_drops_headers_footers_and_page_numbers(fixtures):
    doc = extract_text(fixtures / "report.pdf")
    assert FOSTERING in doc.text  # a paragraph wrapped over three lines comes back as one
    assert HYPHENATED in doc.text  # "pre-proceed-" / "ings" joined at the line end
    assert "must improve the timeliness of assessments for disabled children, several of whom waited" in doc.text
    assert "Brambleford Borough Council - Inspection" not in doc.text
    assert "Page 2" not in doc.text and "of 3" not in doc.text
    assert len(doc.pages) == 3
    assert page_at(doc.pages, doc.text.index(FOSTERING)) == 2
    assert page_at(doc.pages, doc.text.index("Inspectors visited the borough")) == 1
    assert "multi-agency safeguarding partnership" in doc.text  # a hyphen inside a line stays
    assert page_at(doc.pages, doc.text.index(HYPHENATED)) == 3
    start, end = doc.pages[1]
    assert doc.text[start:end].startswith("Children in care live") and doc.text[start:end].endswith("intervenes early.")
    assert doc.title == "Brambleford inspection report"
    # paragraphs split by a blank line, a heading on its own
    assert "easy to reach.\n\nLeadership and management\n\nIndependent reviewing officers" in doc.text


def test_docx_keeps_headings_paragraphs_and_table_rows(fixtures):
    doc = extract_text(fixtures / "minutes.docx")
    assert doc.text.split("\n\n")[:2] == [
        "Corporate parenting board minutes",
        "The board noted that Brambleford's virtual school raised attendance of children in care to 94 per cent.",
    ]
    assert "Measure | 2022 | 2023\n\nChildren in care | 410 | 386" in doc.text
    assert doc.text.endswith("Members asked for a report on placement stability at the next meeting.")
    assert doc.title == "Corporate parenting board minutes" and doc.pages == ()


def test_html_keeps_the_article_and_drops_navigation_adverts_teasers_and_footer(fixtures):
    doc = extract_text(fixtures / "news.html")
    assert "judged its services for children good in every area" in doc.text
    assert "fewer than one in ten social workers in the borough." in doc.text
    for chrome in ("Sport", "Win a weekend break", "Bin collections", "Cookie settings"):
        assert chrome not in doc.text
    assert doc.title == "Brambleford council welcomes Ofsted praise"
    assert doc.published is not None and doc.published.isoformat() == "2024-05-17"


def test_html_date_is_not_guessed_from_the_text(tmp_path):
    page = tmp_path / "undated.html"
    page.write_text(HTML.replace('<meta property="article:published_time" content="2024-05-17T09:30:00+01:00">', "").replace(
        "<p>Brambleford council said", "<p>Published 3 March 2023. Brambleford council said"), encoding="utf-8")
    doc = extract_text(page)
    assert "Published 3 March 2023." in doc.text and doc.published is None


def make_encrypted_pdf(source: Path, target: Path) -> Path:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(source).pages:
        writer.add_page(page)
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    with target.open("wb") as out:
        writer.write(out)
    return target


@pytest.fixture
def bad_files(tmp_path, fixtures) -> dict[str, Path]:
    folder = tmp_path / "bad"
    folder.mkdir()
    corrupt = folder / "corrupt.pdf"
    corrupt.write_bytes(b"%PDF-1.7\nthis is not really a pdf\n" + bytes(range(256)))
    chrome_only = make_pdf(folder / "chrome-only.pdf", [[], []], title=None)  # running header and page numbers, no body
    return {
        "corrupt": corrupt,
        "encrypted": make_encrypted_pdf(fixtures / "report.pdf", folder / "locked.pdf"),
        "scanned": _blank_pdf(folder / "blank-scan.pdf"),
        "unknown": _write(folder / "slides.pptx", b"PK\x03\x04 not supported"),
        "latin1": _write(folder / "notes.txt", "Caf\u00e9 minutes".encode("latin-1")),
        "empty_docx": _write(folder / "broken.docx", b"not a zip at all"),
        "chrome_only": chrome_only,
    }


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _blank_pdf(path: Path) -> Path:
    """Pages with no text layer at all, as a scanned document without OCR has."""
    from fpdf import FPDF

    pdf = FPDF()
    for _ in range(2):
        pdf.add_page()
        pdf.rect(20, 20, 100, 150, style="F")  # an "image" of a page: drawing only
    pdf.output(str(path))
    return path


@pytest.mark.parametrize(
    "name, reason",
    [
        ("corrupt", "corrupt"),
        ("encrypted", "encrypted"),
        ("scanned", "no extractable text"),
        ("chrome_only", "no extractable text"),
        ("unknown", "unsupported file type '.pptx'"),
        ("latin1", "not UTF-8"),
        ("empty_docx", "corrupt"),
    ],
)
def test_unreadable_files_raise_an_error_naming_the_file_and_the_reason(bad_files, name, reason):
    path = bad_files[name]
    with pytest.raises(UnsupportedDocument) as caught:
        extract_text(path)
    assert path.name in str(caught.value)
    assert reason in str(caught.value)


# ---------------------------------------------------------------- corpus add, ask, remove


def _settings(tmp_path: Path, corpus: Path) -> ServiceSettings:
    return ServiceSettings(corpus_dir=corpus, index_dir=tmp_path / "index", feedback_db=tmp_path / "feedback.sqlite3", auth="off", rate_limit_per_minute=0)


def _ask(settings, encoder, question: str) -> dict:
    from fastapi.testclient import TestClient

    from service.main import create_app

    with TestClient(create_app(settings, encoder)) as client:
        response = client.post("/ask", json={"question": question, "top_k": 5})
        assert response.status_code == 200, response.text
        body = response.json()
        texts = {c["doc_id"]: client.get(f"/documents/{c['doc_id']}").json()["text"] for c in body["citations"]}
        searched = client.post("/search", json={"question": question, "top_k": 5}).json()["passages"]
    # /search gives the passages /ask cites, in its order, each with the same page
    assert [(p["doc_id"], p["start"], p["page"]) for p in searched] == [(c["doc_id"], c["start"], c["page"]) for c in body["citations"]]
    for c in body["citations"]:
        assert texts[c["doc_id"]][c["start"]:c["end"]] == c["text"]  # verbatim
    return body


def test_corpus_add_folder_then_ask_cites_document_and_page_then_remove(tmp_path, corpus_copy, fixtures, encoder):
    from cli.main import main

    settings = _settings(tmp_path, corpus_copy)
    build_index(settings, encoder)
    corrupt = fixtures / "zz-corrupt.pdf"
    corrupt.write_bytes(b"%PDF-1.4 broken")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["corpus", "add", str(fixtures), "--corpus", str(corpus_copy), "--index", str(settings.index_dir)])
    assert code == 1  # one file failed ...
    assert "failed: zz-corrupt.pdf: the PDF is corrupt" in err.getvalue()
    assert out.getvalue().count("added: ") == 3  # ... and the other three went in
    listing = io.StringIO()
    with contextlib.redirect_stdout(listing):
        assert main(["corpus", "list", "--corpus", str(corpus_copy)]) == 0
    assert "brambleford-inspection-report\tinspection-report\tundated\tbrambleford-inspection-report.pdf\t3 pages" in listing.getvalue()
    manifest = read_manifest(settings.index_dir)
    assert manifest.document_count == 8
    assert not (corpus_copy / "zz-corrupt.pdf").exists()

    body = _ask(settings, encoder, "How many new foster carers did the Brambleford fostering panel approve?")
    top = body["citations"][0]
    assert top["doc_id"] == "brambleford-inspection-report" and top["page"] == 2
    assert "approved forty-two new foster carers" in top["text"]
    assert "forty-two" in body["answer"]
    assert all(c["page"] is None for c in body["citations"] if c["doc_id"] != "brambleford-inspection-report")
    rows = [json.loads(line) for line in (settings.index_dir / "documents.jsonl").read_text(encoding="utf-8").splitlines()]
    pdf_row = next(r for r in rows if r["doc_id"] == "brambleford-inspection-report")
    assert len(pdf_row["pages"]) == 3 and pdf_row["kind"] == "inspection-report"
    news_row = next(r for r in rows if r["doc_id"] == "brambleford-council-welcomes-ofsted-praise")
    assert news_row["kind"] == "news" and news_row["published"] == "2024-05-17" and news_row["pages"] == []

    body = _ask(settings, encoder, "What share of Brambleford social workers are agency staff?")
    assert body["citations"][0]["doc_id"] == "brambleford-council-welcomes-ofsted-praise"
    assert body["citations"][0]["page"] is None

    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        code = main(["corpus", "remove", "brambleford-inspection-report", "--corpus", str(corpus_copy), "--index", str(settings.index_dir)])
    assert code == 0
    assert read_manifest(settings.index_dir).document_count == 7
    assert not list(corpus_copy.glob("brambleford-inspection-report*"))
    body = _ask(settings, encoder, "How many new foster carers did the Brambleford fostering panel approve?")
    assert all(c["doc_id"] != "brambleford-inspection-report" for c in body["citations"])
    assert "forty-two new foster carers" not in body["answer"]


def test_bad_batch_duplicates_and_failed_rebuild_leave_corpus_and_served_index_unchanged(tmp_path, corpus_copy, fixtures, bad_files, encoder):
    settings = _settings(tmp_path, corpus_copy)
    rebuilds = []

    def rebuild(documents):
        rebuilds.append(1)
        return build_index(settings, encoder)

    add_documents(corpus_copy, [fixtures / "report.pdf"], Overrides(doc_id="report"), rebuild)
    yaml_before = (corpus_copy / "documents.yaml").read_text(encoding="utf-8")
    files_before = sorted(p.name for p in corpus_copy.iterdir())
    served_before = read_manifest(settings.index_dir)

    # every file bad, or a copy of one already in: nothing changes and no rebuild runs
    plan = add_documents(corpus_copy, [bad_files["encrypted"], bad_files["corrupt"], bad_files["scanned"], fixtures / "report.pdf"], Overrides(), rebuild)
    assert [o.status for o in plan.outcomes] == ["failed", "failed", "failed", "duplicate"]
    assert "the same file as document 'report'" in plan.outcomes[-1].message  # its bytes: known before its text is read
    assert len(rebuilds) == 1

    # a rebuild that fails puts documents.yaml and the folder back
    def failing_rebuild(documents):
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        add_documents(corpus_copy, [fixtures / "minutes.docx"], Overrides(), failing_rebuild)
    assert (corpus_copy / "documents.yaml").read_text(encoding="utf-8") == yaml_before
    assert sorted(p.name for p in corpus_copy.iterdir()) == files_before
    assert read_manifest(settings.index_dir) == served_before

    with pytest.raises(CorpusError):
        add_documents(corpus_copy, [fixtures], Overrides(title="One title for three files"), rebuild)


def test_metadata_flags_override_the_guesses(tmp_path, corpus_copy, fixtures, encoder):
    import datetime as dt

    settings = _settings(tmp_path, corpus_copy)
    overrides = Overrides(title="Minutes, March 2024", published=dt.date(2024, 3, 12), kind="commentary", publisher="Brambleford Borough Council")
    plan = add_documents(corpus_copy, [fixtures / "minutes.docx"], overrides, lambda documents: build_index(settings, encoder, documents=documents))
    entry = plan.entries[0]
    assert entry == {
        "doc_id": "minutes-march-2024",
        "file": "minutes-march-2024.docx",
        "title": "Minutes, March 2024",
        "publisher": "Brambleford Borough Council",
        "published": "2024-03-12",
        "kind": "commentary",
    }
    removed = remove_document(corpus_copy, "minutes-march-2024", lambda documents: build_index(settings, encoder, documents=documents))
    assert removed["doc_id"] == "minutes-march-2024"
    assert read_manifest(settings.index_dir).document_count == 5


# ---------------------------------------------------------------- the admin API


def test_admin_upload_and_delete_through_the_api(tmp_path, corpus_copy, fixtures, bad_files, encoder):
    from fastapi.testclient import TestClient

    from service.main import create_app

    settings = _settings(tmp_path, corpus_copy).model_copy(update={"max_upload_bytes": 50_000})
    build_index(settings, encoder)
    with TestClient(create_app(settings, encoder)) as client:
        served = read_manifest(settings.index_dir)
        big = (fixtures / "big.txt")
        big.write_text("A long line of minutes.\n" * 5000, encoding="utf-8")
        refused = [
            client.post("/admin/documents", files={"file": ("big.txt", big.read_bytes(), "text/plain")}),
            client.post("/admin/documents", files={"file": ("slides.pptx", b"PK\x03\x04", "application/octet-stream")}),
            client.post("/admin/documents", files={"file": ("locked.pdf", bad_files["encrypted"].read_bytes(), "application/pdf")}),
            client.post("/admin/documents", files={"file": ("blank-scan.pdf", bad_files["scanned"].read_bytes(), "application/pdf")}),
        ]
        assert [r.status_code for r in refused[:2]] == [413, 415]  # refused before any job is queued
        assert all(set(r.json()["error"]) == {"code", "message"} for r in refused[:2])
        unreadable = [finish(client, r) for r in refused[2:]]  # read in the job: failed, with the reason
        assert [(j["state"], j["code"]) for j in unreadable] == [("failed", "unsupported_document")] * 2
        assert "encrypted" in unreadable[0]["reason"]
        assert read_manifest(settings.index_dir) == served  # nothing rebuilt, still serving the old index

        with (fixtures / "news.html").open("rb") as page:
            added = client.post("/admin/documents", files={"file": ("news.html", page, "text/html")}, data={"publisher": "Brambleford Gazette"})
        job = finish(client, added)
        assert job["state"] == "published", job
        assert job["doc_id"] == "brambleford-council-welcomes-ofsted-praise" and job["document"]["published"] == "2024-05-17"
        # the same bytes under another name: refused at once (raw hash); the same text in another file: the job fails
        again = client.post("/admin/documents", files={"file": ("copy.html", (fixtures / "news.html").read_bytes(), "text/html")})
        assert again.status_code == 409 and again.json()["error"]["code"] == "duplicate_document"
        retitled = (fixtures / "news.html").read_bytes().replace(b"<html", b"<!-- another copy --><html", 1)
        duplicate = finish(client, client.post("/admin/documents", files={"file": ("copy2.html", retitled, "text/html")}))
        assert duplicate["state"] == "failed" and duplicate["code"] == "duplicate_document", duplicate
        taken = client.post("/admin/documents", files={"file": ("x.txt", b"Some other minutes entirely.", "text/plain")}, data={"doc_id": job["doc_id"]})
        assert taken.status_code == 409 and job["doc_id"] in taken.json()["error"]["message"]

        question = {"question": "What share of Brambleford social workers are agency staff?", "top_k": 3}
        top = client.post("/ask", json=question).json()["citations"][0]
        assert top["doc_id"] == "brambleford-council-welcomes-ofsted-praise" and top["page"] is None

        assert finish(client, client.delete("/admin/documents/brambleford-council-welcomes-ofsted-praise"))["state"] == "published"
        assert client.delete("/admin/documents/brambleford-council-welcomes-ofsted-praise").status_code == 404
        cited = {c["doc_id"] for c in client.post("/ask", json=question).json()["citations"]}
        assert "brambleford-council-welcomes-ofsted-praise" not in cited


@pytest.mark.parametrize("action", ["add", "list", "remove"])
def test_corpus_help_explains_each_action(action, capsys):
    from cli.main import main

    with pytest.raises(SystemExit) as done:
        main(["corpus", action, "--help"])
    assert done.value.code == 0
    assert f"usage: inspectqa corpus {action}" in capsys.readouterr().out


def test_upload_whose_rebuilt_index_fails_to_load_keeps_the_old_index_serving(tmp_path, corpus_copy, fixtures, encoder):
    """A real build whose files come out damaged (its FAISS file cut in half) must not take the service down."""
    from fastapi.testclient import TestClient

    from service.main import create_app
    from service.routes.admin import get_builder

    def build_then_damage(settings, encoder, documents=None):
        manifest = build_index(settings, encoder, documents=documents)
        vectors = Path(settings.index_dir).resolve() / "faiss.index"
        vectors.write_bytes(vectors.read_bytes()[: vectors.stat().st_size // 2])
        return manifest

    settings = _settings(tmp_path, corpus_copy)
    build_index(settings, encoder)
    app = create_app(settings, encoder)
    app.dependency_overrides[get_builder] = lambda: build_then_damage
    with TestClient(app) as client:
        before = client.get("/readyz").json()["built_at"]
        with (fixtures / "news.html").open("rb") as page:
            job = finish(client, client.post("/admin/documents", files={"file": ("news.html", page, "text/html")}))
        assert job["state"] == "failed" and job["code"] == "reload_failed", job
        assert "news.html was added" in job["reason"] and "previous index keeps serving" in job["reason"]
        assert "faiss.index" in job["reason"] or "damaged" in job["reason"]
        ready = client.get("/readyz")
        assert ready.status_code == 200 and ready.json()["built_at"] == before
        asked = client.post("/ask", json={"question": "When was the council judged inadequate?"})
        assert asked.status_code == 200 and asked.json()["citations"]
        assert 'inspectqa_index_reloads_total{outcome="failed"} 1.0' in client.get("/metrics").text
