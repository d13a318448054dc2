"""Ingest throughput of a generated multi-page PDF beside raw encoder throughput on the same text.

    python -m bench.ingest [--pages 60]
    python -m bench.ingest --ocr-pages 10     # scanned (image-only) pages read by Tesseract: OCR pages/s

Prints pages/s for extraction alone and for `corpus add` end to end (extract, documents.yaml,
incremental rebuild), and the time the raw encoder takes for exactly the texts that rebuild embedded,
all measured in this one run. Works in a temporary copy of the corpus; writes nothing else.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import textwrap
import time
from pathlib import Path


from index.ingest.corpus import Document, load_corpus
from index.build.embed import Encoder
from index.ingest.extract import extract_text
from index.ingest.manage import Overrides, add_documents
from index.settings import PROJECT_ROOT, Settings
from index.build.builder import split_document, build_index, embedding_text

SUBJECTS = ["Leaders", "Social workers", "Managers", "Partner agencies", "Independent reviewing officers", "Foster carers"]
VERBS = ["have improved", "now review", "track closely", "have strengthened", "report regularly on", "have not yet improved"]
OBJECTS = ["the quality of assessments", "supervision of front-line staff", "the timeliness of strategy meetings",
           "plans for children in care", "support for care leavers", "the response to domestic abuse referrals"]


def make_pdf(path: Path, pages: int, seed: int = 7) -> None:
    from fpdf import FPDF

    rng = random.Random(seed)
    pdf = FPDF()
    pdf.set_auto_page_break(False)
    pdf.set_title("Generated inspection report")
    for number in range(1, pages + 1):
        pdf.add_page()
        pdf.set_font("Helvetica", size=9)
        pdf.cell(0, 8, "Generated Borough Council - Inspection report", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", size=11)
        for _ in range(5):
            sentences = [
                f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} in {rng.randint(2, 98)} of the "
                f"{rng.randint(99, 400)} cases seen on page {number}."
                for _ in range(3)
            ]
            for line in textwrap.wrap(" ".join(sentences), 88):
                pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(4)
        pdf.set_y(-20)
        pdf.set_font("Helvetica", size=9)
        pdf.cell(0, 8, f"Page {number} of {pages}", align="C")
    pdf.output(str(path))


def make_scanned_pdf(path: Path, pages: int, seed: int = 7) -> None:
    """The same kind of text as make_pdf, but each page a 200 dpi greyscale picture: a scan, no text layer."""
    from fpdf import FPDF
    from PIL import Image, ImageDraw, ImageFont

    rng = random.Random(seed)
    font = ImageFont.load_default(size=28)
    pdf = FPDF()
    pdf.set_auto_page_break(False)
    for number in range(1, pages + 1):
        image = Image.new("L", (1654, 2339), 255)
        draw = ImageDraw.Draw(image)
        y = 160
        for _ in range(5):
            sentences = [
                f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} in {rng.randint(2, 98)} of the "
                f"{rng.randint(99, 400)} cases seen on page {number}."
                for _ in range(3)
            ]
            for line in textwrap.wrap(" ".join(sentences), 88):
                draw.text((140, y), line, fill=0, font=font)
                y += 48
            y += 30
        pdf.add_page()
        pdf.image(image, x=0, y=0, w=210, h=297)
    pdf.output(str(path))


def ocr_throughput(pages: int) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / "scanned.pdf"
        make_scanned_pdf(pdf, pages)
        started = time.perf_counter()
        extracted = extract_text(pdf, "eng")
        took = time.perf_counter() - started
    assert len(extracted.pages) == pages
    print(f"OCR (tesseract, eng, 200 dpi A4 scans): {pages} pages, {len(extracted.text)} characters recognised")
    print(f"extract with OCR:    {took:7.2f} s  {pages / took:8.2f} pages/s")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=60)
    parser.add_argument("--ocr-pages", type=int, default=0, help="instead: time OCR of this many generated scanned pages")
    args = parser.parse_args()
    if args.ocr_pages:
        return ocr_throughput(args.ocr_pages)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        corpus = tmp / "corpus"
        shutil.copytree(PROJECT_ROOT / "corpus", corpus)
        settings = Settings(corpus_dir=corpus, index_dir=tmp / "index")
        encoder = Encoder.for_settings(settings).load()
        build_index(settings, encoder)  # the existing corpus, not timed: corpus add only embeds the new document
        pdf = tmp / "generated.pdf"
        make_pdf(pdf, args.pages)

        started = time.perf_counter()
        extracted = extract_text(pdf)
        extract_s = time.perf_counter() - started
        assert len(extracted.pages) == args.pages

        doc = Document("generated", extracted.title or "", None, None, "inspection-report", pdf.name, extracted.text, extracted.pages)
        passages, sentences = split_document(doc, settings, 0, 0)
        texts = [embedding_text(doc.title, t.text) for t in [*passages, *sentences]]

        def raw_encode() -> float:
            started = time.perf_counter()
            encoder.encode(texts)
            return time.perf_counter() - started

        encode_before = raw_encode()  # before and after the add: the machine is shared, so show the spread
        before = encoder.texts_encoded
        started = time.perf_counter()
        add_documents(corpus, [pdf], Overrides(doc_id="generated"), lambda documents: build_index(settings, encoder, documents=documents))
        add_s = time.perf_counter() - started
        embedded = encoder.texts_encoded - before
        encode_s = min(encode_before, raw_encode())
        assert any(d.doc_id == "generated" for d in load_corpus(corpus))

        started = time.perf_counter()
        build_index(settings, encoder)  # nothing new to embed: the fixed cost of one rebuild
        rebuild_s = time.perf_counter() - started

    print(f"pages: {args.pages}, characters: {len(extracted.text)}, texts embedded by the add: {embedded} (raw encode below: {len(texts)})")
    print(f"extract only:        {extract_s:7.2f} s  {args.pages / extract_s:8.1f} pages/s")
    print(f"corpus add (all):    {add_s:7.2f} s  {args.pages / add_s:8.1f} pages/s")
    print(f"raw encoder, same texts: {encode_s:7.2f} s  {args.pages / encode_s:8.1f} pages/s  (faster of a run before and one after the add)")
    print(f"rebuild, nothing new to embed: {rebuild_s:7.2f} s (fixed cost of every add/remove at this corpus size)")
    print(f"ratio corpus add / raw encode: {add_s / encode_s:.2f}   extract / raw encode: {extract_s / encode_s:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
