"""The chat page opens a PDF citation at its page: pdf.js (served from /static/vendor/pdfjs by `make vendor`)
draws the page of the original file in Debian's Chromium under the page's CSP, with the cited sentence
marked in the text layer; by keyboard and at 375 px too."""

from __future__ import annotations

import contextlib
import io
import shutil

import pytest
from conftest import LiveServer
from pdf_helpers import BROKEN_END, BROKEN_START, make_paged_pdf
from browser_helpers import chromium
from test_chat_page import ask, open_page, wait_until

from index.build.builder import build_index
from index.settings import PROJECT_ROOT
from service.config import ServiceSettings

pytestmark = pytest.mark.browser

VENDOR = PROJECT_ROOT / "service" / "static" / "vendor" / "pdfjs" / "pdf.min.mjs"
ANSWER = (
    "The virtual school in Ashdown raised the attendance of children in care to 96 per cent during 2023, the "
    "highest figure recorded in the region that year."
)
QUESTION = "To what did the Ashdown virtual school raise the attendance of children in care?"
ASHDOWN = [
    [
        "Inspection of Ashdown children's services.",
        "Inspectors visited Ashdown in May and met leaders, social workers and partner agencies over six working days. "
        "They read case records and spoke to children and their families.",
        BROKEN_START,  # no full stop: the sentence runs on to page 2
    ],
    [
        BROKEN_END,
        "Children in care live in stable homes and most live close to their schools. Reviews of their plans take place "
        "on time and their views are recorded.",
        "Care leavers say their personal advisers are easy to reach.",
    ],
    [
        "Education of children in care",
        "Designated teachers meet every term. " + ANSWER + " Personal education plans are of good quality.",
        "Leaders should make sure that supervision records show the reasons for decisions.",
    ],
]
# every word of the cited sentence, as the text layer shows it
MARKED_TEXT = "Array.from(document.querySelectorAll('#doc-pdf mark.pdf-hl')).map(m => m.textContent).join(' ').replace(/\\s+/g, ' ').trim()"


@pytest.fixture(scope="module")
def browser():
    with chromium(((VENDOR, "pdf.js in service/static/vendor/pdfjs (run `make vendor`)"),)) as launched:
        yield launched


@pytest.fixture(scope="module")
def pdf_server(tmp_path_factory, encoder):
    """The real corpus plus the three-page Ashdown report, served on 127.0.0.1."""
    from cli.main import main
    from service.main import create_app

    root = tmp_path_factory.mktemp("pdfview")
    corpus = root / "corpus"
    shutil.copytree(PROJECT_ROOT / "corpus", corpus)
    settings = ServiceSettings(corpus_dir=corpus, index_dir=root / "index", feedback_db=root / "feedback.sqlite3", auth="off", rate_limit_per_minute=0)
    build_index(settings, encoder)
    report = make_paged_pdf(root / "ashdown.pdf", ASHDOWN, "Ashdown inspection report")
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert main(["corpus", "add", str(report), "--corpus", str(corpus), "--index", str(settings.index_dir)]) == 0
    with LiveServer(create_app(settings, encoder)) as server:
        yield server


def _open(browser, server, **options):
    page = open_page(browser, server.url, **options)
    page.csp = []
    page.on("console", lambda msg: "Content Security Policy" in msg.text and page.csp.append(msg.text))
    return page


def _ask_for_page_3(page):
    turn = ask(page, QUESTION)
    assert ANSWER in turn.locator(".answer-text").inner_text()
    card = turn.locator(".card").first
    assert card.locator(".card-title").inner_text() == "Ashdown inspection report"
    assert card.locator(".page").inner_text() == "p. 3"  # the page of the answering sentence
    return turn


def _wait_for_page(page, number: int) -> None:
    wait_until(page, f"document.getElementById('doc-pdf').dataset.page === '{number}' && !!document.querySelector('#doc-pdf canvas')")


def test_clicking_a_pdf_citation_shows_page_3_with_the_sentence_highlighted(browser, pdf_server):
    page = _open(browser, pdf_server)
    try:
        turn = _ask_for_page_3(page)
        turn.locator(".marker").first.click()
        _wait_for_page(page, 3)
        assert page.locator("#pdf-page-label").inner_text() == "Page 3 of 3"
        assert page.evaluate(MARKED_TEXT) == ANSWER
        # the highlight box sits on the drawn page, over the words, and is on screen
        box = page.locator("#doc-pdf mark.pdf-hl").first.bounding_box()
        sheet = page.locator("#doc-pdf .pdf-sheet").bounding_box()
        assert box["width"] > 20 and box["height"] > 5
        assert sheet["x"] <= box["x"] and box["x"] + box["width"] <= sheet["x"] + sheet["width"] + 1
        assert 0 <= box["y"] < page.viewport_size["height"]
        # the canvas has been drawn on (not left blank)
        assert page.evaluate(
            "(() => { const c = document.querySelector('#doc-pdf canvas'); const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
            " for (let i = 0; i < d.length; i += 4) if (d[i] < 128) return true; return false; })()"
        )
        # the clean text is one button away, with the same sentence marked
        page.click("#doc-view-toggle")
        assert ANSWER in page.locator("#doc-text mark.hl").all_inner_texts()
        page.click("#doc-view-toggle")
        _wait_for_page(page, 3)
        assert page.errors == [] and page.csp == [], (page.errors, page.csp)
    finally:
        page.context.close()


def test_the_pdf_view_by_keyboard(browser, pdf_server):
    page = _open(browser, pdf_server)
    try:
        turn = _ask_for_page_3(page)
        marker = turn.locator(".marker").first
        marker.focus()
        page.keyboard.press("Enter")
        _wait_for_page(page, 3)
        assert page.evaluate("document.activeElement.id") == "doc-title"
        for _ in range(6):  # Tab reaches the page buttons from the panel heading
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.id") == "pdf-prev":
                break
        assert page.evaluate("document.activeElement.id") == "pdf-prev"
        page.keyboard.press("Enter")
        _wait_for_page(page, 2)
        assert page.locator("#pdf-page-label").inner_text() == "Page 2 of 3"
        assert page.evaluate(MARKED_TEXT) == ""  # nothing cited on page 2
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.id") == "pdf-next"
        page.keyboard.press("Enter")
        _wait_for_page(page, 3)
        assert page.evaluate(MARKED_TEXT) == ANSWER
        assert page.locator("#pdf-next").is_disabled()  # the last page ...
        assert page.evaluate("document.activeElement.id") == "pdf-prev"  # ... and focus stays on a page button
        page.keyboard.press("Escape")
        assert page.locator("#doc-panel").is_hidden()
        assert page.evaluate("document.activeElement.classList.contains('marker')")
        assert page.errors == [] and page.csp == []
    finally:
        page.context.close()


def test_the_pdf_view_at_375_px(browser, pdf_server):
    page = _open(browser, pdf_server, width=375, height=740)
    try:
        turn = _ask_for_page_3(page)
        turn.locator(".card").first.locator(".card-title").click()
        _wait_for_page(page, 3)
        assert page.evaluate(MARKED_TEXT) == ANSWER
        # the page fits the phone's width: no sideways scrolling, and the sentence is on screen
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        sheet = page.locator("#doc-pdf .pdf-sheet").bounding_box()
        assert sheet["x"] >= 0 and sheet["x"] + sheet["width"] <= 375
        box = page.locator("#doc-pdf mark.pdf-hl").first.bounding_box()
        assert 0 <= box["y"] and box["y"] + box["height"] <= 740
        for button in ("#pdf-prev", "#pdf-next", "#doc-view-toggle", "#close-doc"):
            b = page.locator(button).bounding_box()
            assert b["x"] >= 0 and b["x"] + b["width"] <= 375 and b["height"] >= 24, button
        page.click("#close-doc")
        assert page.locator("#doc-panel").is_hidden()
        assert page.errors == [] and page.csp == []
    finally:
        page.context.close()


def test_a_sentence_broken_by_the_page_break_is_marked_on_both_pages(browser, pdf_server):
    page = _open(browser, pdf_server)
    try:
        turn = ask(page, "How quickly is a notified private fostering arrangement visited in Ashdown?")
        assert BROKEN_END in turn.locator(".answer-text").inner_text()
        assert turn.locator(".card").first.locator(".page").inner_text() == "p. 1"  # the page it starts on
        turn.locator(".marker").first.click()
        _wait_for_page(page, 1)
        assert page.evaluate(MARKED_TEXT) == BROKEN_START  # its opening, at the foot of page 1 ...
        page.click("#pdf-next")
        _wait_for_page(page, 2)
        assert page.evaluate(MARKED_TEXT) == BROKEN_END  # ... and its close, at the top of page 2
        assert page.errors == [] and page.csp == []
    finally:
        page.context.close()
