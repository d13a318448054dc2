"""Generated PDFs for the page tests: fpdf2 lays out paragraphs page by page, so we know which page each sentence is on."""

from __future__ import annotations

import textwrap
from pathlib import Path


def make_paged_pdf(path: Path, pages: list[list[str]], title: str) -> Path:
    """One PDF page per entry of `pages`; each string a paragraph wrapped to lines. A paragraph that
    ends a page without a full stop continues on the next page (a sentence broken by the page break)."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_auto_page_break(False)
    pdf.set_title(title)
    for number, paragraphs in enumerate(pages, 1):
        pdf.add_page()
        pdf.set_font("Helvetica", size=11)
        for paragraph in paragraphs:
            for line in textwrap.wrap(paragraph, 88, break_on_hyphens=False):
                pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(4)
        pdf.set_y(-20)
        pdf.set_font("Helvetica", size=9)
        pdf.cell(0, 8, f"Page {number} of {len(pages)}", align="C")
    pdf.output(str(path))
    return path


# Thornbury: a short report whose pages are one passage, so only the sentence's own page can be right.
ADOPTERS = "The adoption panel in Thornbury approved 19 new adopters during the year."
BROKEN_START = "Leaders have strengthened the oversight of private fostering arrangements"
BROKEN_END = "so that every notified arrangement is now visited within seven days."
THORNBURY_PAGES = [
    [
        "Inspection of Thornbury children's services.",
        "Inspectors visited Thornbury in June and met leaders, social workers and partner agencies. They read case "
        "records and spoke to children and their carers about the help they had received.",
        BROKEN_START,  # no full stop: the sentence runs on to page 2
    ],
    [
        BROKEN_END,
        ADOPTERS + " Each adopter was supported by a named social worker.",
        "Managers review the timeliness of matching every quarter.",
    ],
]


def make_scanned_pdf(path: Path, pages: list[list[str]]) -> Path:
    """An image-only PDF, as a scanner makes: each page one picture of its lines, no text layer."""
    from fpdf import FPDF
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.load_default(size=34)
    pdf = FPDF()
    pdf.set_auto_page_break(False)
    for lines in pages:
        image = Image.new("L", (1654, 2339), 255)  # A4 at 200 dpi
        draw = ImageDraw.Draw(image)
        y = 160
        for line in lines:
            draw.text((140, y), line, fill=0, font=font)
            y += 60
        pdf.add_page()
        pdf.image(image, x=0, y=0, w=210, h=297)
    pdf.output(str(path))
    return path
