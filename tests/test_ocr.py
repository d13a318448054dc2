"""Scanned PDFs: refused with a clear error while OCR is off (the default); read by Tesseract, page by
page, with INSPECTQA_OCR=true. Needs Debian's tesseract-ocr (installed by .ci/run)."""

from __future__ import annotations

import os
import re
import shutil

import pytest
from pdf_helpers import make_scanned_pdf

from index.errors import UnsupportedDocument
from index.ingest.extract import extract_text
from index.ingest.pages import page_at
from index.settings import Settings

SCAN = [
    ["Inspection of Fernley children's services", "", "Inspectors visited Fernley in October."],
    ["The fostering panel approved 23 new foster carers.", "Care leavers are well supported."],
]


@pytest.fixture(scope="module")
def scanned(tmp_path_factory):
    if shutil.which("tesseract") is None:
        if os.environ.get("INSPECTQA_REQUIRE_BROWSER") == "1":  # CI installs everything the suite uses
            pytest.fail("tesseract is missing (apt-get install tesseract-ocr)")
        pytest.skip("tesseract is missing (apt-get install tesseract-ocr)")
    return make_scanned_pdf(tmp_path_factory.mktemp("scan") / "scanned.pdf", SCAN)


def test_ocr_is_off_by_default_and_a_scan_is_refused_saying_how_to_read_it(scanned):
    assert Settings().ocr is False and Settings().ocr_reader is None
    with pytest.raises(UnsupportedDocument) as caught:
        extract_text(scanned)
    assert "scanned.pdf" in str(caught.value) and "INSPECTQA_OCR=true" in str(caught.value)


def test_ocr_reads_each_scanned_page_onto_its_page(scanned, monkeypatch):
    monkeypatch.setenv("INSPECTQA_OCR", "true")
    doc = extract_text(scanned, Settings().ocr_reader)
    words = re.sub(r"\s+", " ", doc.text)
    assert "Inspectors visited Fernley in October." in words
    assert "The fostering panel approved 23 new foster carers." in words
    assert len(doc.pages) == 2
    assert page_at(doc.pages, doc.text.index("The fostering panel")) == 2
    assert page_at(doc.pages, doc.text.index("Inspectors visited")) == 1


def test_a_missing_language_pack_is_a_clear_error(scanned):
    with pytest.raises(UnsupportedDocument) as caught:
        extract_text(scanned, "xxx")
    assert "OCR failed" in str(caught.value) and "tesseract-ocr-xxx" in str(caught.value)
