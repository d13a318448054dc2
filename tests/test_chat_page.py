"""The staff chat page at /, driven in Debian's Chromium against a live server with the real index."""

from __future__ import annotations

import re

import pytest

from browser_helpers import chromium

from eval.matching import quote_found

DEV_QUESTION = "which government department gets copied into the ofsted monitoring letter?"
GOLD_QUOTE = "I am copying this letter to the Department for Education."
UNANSWERABLE = "What is the recipe for a Victoria sponge cake?"
INADEQUATE = "When was the council judged inadequate?"
WAIT_MS = 20_000

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser():
    """One Chromium for the whole file; skipped without it unless CI demands it."""
    with chromium() as launched:
        yield launched


def open_page(browser, url: str, width: int = 1280, height: int = 900, **context_options):
    """A fresh context (empty localStorage) on the chat page, with script errors collected."""
    context = browser.new_context(viewport={"width": width, "height": height}, **context_options)
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    page.goto(url + "/")
    page.wait_for_selector("html[data-ready=true]")
    return page


@pytest.fixture
def page(browser, live_server):
    page = open_page(browser, live_server.url)
    yield page
    assert page.errors == [], f"script errors on the page: {page.errors}"
    page.context.close()


def wait_until(page, expression: str) -> None:
    """Poll a JS expression. (page.wait_for_function evaluates a string, which the page's CSP rightly forbids.)"""
    for _ in range(WAIT_MS // 50):
        if page.evaluate(expression):
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"never true: {expression}")


def ask(page, question: str):
    """Type and send with Enter; return the new turn once its reply is shown."""
    count = page.locator(".turn").count()
    page.fill("#question", question)
    page.press("#question", "Enter")
    turn = page.locator(".turn").nth(count)
    turn.locator(".answer, .abstain, .error").first.wait_for()
    return turn


def test_answer_shows_citation_cards_holding_the_gold_quote(page):
    turn = ask(page, DEV_QUESTION)
    assert GOLD_QUOTE in turn.locator(".answer-text").inner_text()
    assert turn.locator(".marker").count() >= 1
    cards = turn.locator(".card")
    assert cards.count() >= 1
    passages = [cards.nth(i).locator(".passage").inner_text() for i in range(cards.count())]
    assert any(quote_found(GOLD_QUOTE, p) for p in passages)
    first = cards.first
    assert first.locator(".card-title").inner_text()
    # written for staff: publisher, kind, date (or "undated"); no offsets and no raw scores
    assert re.fullmatch(r"(.+ · )?\S+ · (\d{4}-\d{2}-\d{2}|undated)( · [^·]+)?( · p\. \d+)?( · answer confidence: (high|medium|low))?", first.locator(".card-meta").inner_text().strip())
    for text in cards.all_inner_texts():
        assert "characters" not in text and "score" not in text
    # the answering sentence is highlighted inside its passage
    highlighted = turn.locator(".card .passage mark.hl").all_inner_texts()
    assert GOLD_QUOTE in highlighted
    # the question box is free again and the state is announced
    assert page.locator("#question").is_enabled() and page.locator("#status").inner_text() == ""
    wait_until(page, "document.getElementById('announcer').textContent.startsWith('Answer:')")


def test_question_box_shows_searching_while_waiting_and_shift_enter_adds_a_line(page):
    # record every state the status line goes through, however fast the answer comes
    page.evaluate(
        """() => { window.__states = []; const status = document.getElementById('status');
                   new MutationObserver(() => window.__states.push([status.textContent, document.getElementById('question').disabled]))
                     .observe(status, {childList: true, characterData: true, subtree: true}); }"""
    )
    page.fill("#question", "first line")
    page.press("#question", "Shift+Enter")
    page.keyboard.type("second line")
    assert page.input_value("#question") == "first line\nsecond line"
    page.press("#question", "Enter")
    page.locator(".turn .reply .answer, .turn .reply .abstain").first.wait_for()
    assert ["searching…", True] in page.evaluate("window.__states")
    assert page.locator("#question").is_enabled() and page.locator("#status").inner_text() == ""
    assert page.locator(".question-body").inner_text() == "first line\nsecond line"


def test_marker_opens_the_document_scrolled_to_the_highlighted_passage(page):
    turn = ask(page, DEV_QUESTION)
    marker = turn.locator(".marker").first
    n = int(marker.inner_text().strip("[]"))
    doc_title = turn.locator(".card").nth(n - 1).locator(".card-title").inner_text()
    marker.click()
    panel = page.locator("#doc-panel")
    panel.wait_for(state="visible")
    passage = page.locator("#doc-passage")
    passage.wait_for()
    assert page.locator("#doc-title").inner_text() == doc_title
    # a card's preview may start after a letter's address and salutation ("… "); the panel shows the whole passage
    card_text = turn.locator(f".card >> nth={n - 1} >> .passage").inner_text()
    assert passage.inner_text().endswith(card_text.removeprefix("… "))
    assert GOLD_QUOTE in passage.locator("mark.hl").all_inner_texts()
    assert "characters" not in page.locator("#doc-meta").inner_text()
    assert page.locator("#doc-meta").inner_text().startswith("Ofsted · inspection-letter · 2019-11-01")
    # the document is the whole text, and the passage has been scrolled into the panel's view
    assert len(page.locator("#doc-text").inner_text()) > len(card_text)
    assert passage.evaluate(
        """el => { const p = document.getElementById('doc-panel').getBoundingClientRect();
                   const r = el.getBoundingClientRect(); return r.top < p.bottom && r.bottom > p.top; }"""
    )
    # a card opens its document too
    second = turn.locator(".card").nth(1)
    second.locator(".card-meta").click()
    second_passage = second.locator(".passage").inner_text().removeprefix("… ")
    page.locator("#doc-passage", has_text=second_passage[:60]).wait_for()
    assert page.locator("#doc-passage").inner_text().endswith(second_passage)
    assert page.locator("#doc-title").inner_text() == second.locator(".card-title").inner_text()
    assert "active" in second.get_attribute("class").split()


def test_unanswerable_question_says_so_and_marks_passages_not_an_answer(page):
    turn = ask(page, UNANSWERABLE)
    assert turn.locator(".abstain-title").inner_text() == "The inspection material does not answer this question."
    assert turn.locator(".abstain-reason").inner_text() == "Nothing in the material is close enough to the question."
    assert turn.locator(".answer").count() == 0 and turn.locator(".marker").count() == 0
    assert turn.locator(".cards-title").inner_text() == "Closest passages (not an answer)"
    cards = turn.locator(".card.not-answer")
    assert cards.count() >= 1
    assert cards.first.locator(".badge").is_visible() and cards.first.locator(".badge").inner_text() == "not an answer"


def test_not_mentioned_says_what_is_missing_and_shows_the_related_sentence_apart(page):
    turn = ask(page, "How did Leeds children's services do at their last Ofsted inspection?")
    assert turn.locator(".abstain-title").inner_text() == "The inspection material does not answer this question."
    assert turn.locator(".abstain-reason").inner_text() == "The inspection material does not mention Leeds."
    related = turn.locator(".related")
    assert related.count() >= 1 and related.first.locator(".badge").inner_text() == "not an answer"
    assert turn.locator(".answer").count() == 0
    assert turn.locator(".cards-title").inner_text() == "Closest passages (not an answer)"


def test_a_low_confidence_answer_is_marked(browser, settings, encoder, built_index):
    """An answer the service gives under 0.5 chance of being right says "not sure" in words; a sure one does not.
    A server with a low answer threshold answers from a sentence the model doubts (the trained threshold declines it)."""
    import httpx

    from service.main import create_app
    from tests.conftest import LiveServer

    doubtful = "What date was the Ofsted monitoring letter sent?"
    with LiveServer(create_app(settings.model_copy(update={"answer_threshold": 0.05}), encoder)) as server:
        served = httpx.post(server.url + "/ask", json={"question": doubtful}, timeout=30).json()
        assert served["answerable"] and served["confidence"] < 0.5, f"the test needs a doubtful answer: {served['confidence']}"
        page = open_page(browser, server.url)
        turn = ask(page, doubtful)
        assert "low-confidence" in turn.locator(".answer").get_attribute("class").split()
        assert turn.locator(".low-badge").text_content() == "not sure" and turn.locator(".low-badge").is_visible()
        assert turn.locator(".low-note").inner_text().startswith("Not sure:")
        confident = ask(page, DEV_QUESTION)
        assert confident.locator(".answer.low-confidence").count() == 0 and confident.locator(".low-badge").count() == 0
        assert page.errors == []
        page.context.close()


def test_filters_narrow_the_citations(page):
    unfiltered = ask(page, INADEQUATE)
    assert set(unfiltered.locator(".card .kind").all_inner_texts()) - {"inspection-letter"}, "the test needs other kinds unfiltered"

    page.click("#filters-summary")
    page.check("#kind-inspection-letter")
    assert page.locator("#filters-summary").inner_text() == "Filters (1 active)"
    filtered = ask(page, INADEQUATE)
    kinds = filtered.locator(".card .kind").all_inner_texts()
    assert kinds and set(kinds) == {"inspection-letter"}
    assert "kinds: inspection-letter" in filtered.locator(".question").inner_text()

    page.click("#reset-filters")
    page.check("#doc-recruiter-blog-wakefield-new-lease-of-life")
    titles = ask(page, INADEQUATE).locator(".card .card-title").all_inner_texts()
    assert titles and set(titles) == {"Wakefield brings a new lease of life to Children's Social Work"}

    page.click("#reset-filters")
    page.fill("#published-from", "2020-01-01")
    dates = ask(page, INADEQUATE).locator(".card .date").all_inner_texts()
    assert dates and set(dates) == {"2021-11-24"}


def test_a_rejected_request_is_explained_in_the_conversation(page):
    page.click("#filters-summary")
    page.fill("#published-from", "2021-01-01")
    page.fill("#published-to", "2018-01-01")
    turn = ask(page, INADEQUATE)
    message = turn.locator(".error").inner_text()
    assert "422" in message and "published_from is after published_to" in message
    assert turn.get_by_role("button", name="Try again").is_visible()


def test_a_service_that_does_not_answer_in_time_is_reported(page):
    page.evaluate("document.documentElement.dataset.timeoutMs = '700'")
    page.route("**/ask", lambda route: None)  # the request is never answered
    turn = ask(page, DEV_QUESTION)
    assert "did not answer within 0.7 seconds" in turn.locator(".error").inner_text()
    assert page.locator("#question").is_enabled()
    page.unroute("**/ask")
    turn.get_by_role("button", name="Try again").click()
    page.locator(".turn").nth(1).locator(".answer").wait_for()


def test_conversation_survives_a_reload_and_clear_empties_it(page):
    ask(page, DEV_QUESTION)
    ask(page, UNANSWERABLE)
    page.reload()
    page.wait_for_selector("html[data-ready=true]")
    assert page.locator(".question-body").all_inner_texts() == [DEV_QUESTION, UNANSWERABLE]
    assert page.locator(".turn").last.locator(".abstain").is_visible()
    assert page.locator(".turn").first.locator(".card").count() >= 1
    page.click("#clear")
    assert page.locator(".turn").count() == 0
    page.reload()
    page.wait_for_selector("html[data-ready=true]")
    assert page.locator(".turn").count() == 0 and page.locator("#empty-note").is_visible()


def test_markup_in_a_question_is_shown_as_text_and_never_runs(page):
    probe = '<img src=x onerror="window.__xss=1">'
    turn = ask(page, probe)
    assert turn.locator(".question-body").inner_text() == probe
    assert page.locator("#turns img").count() == 0
    page.reload()  # and again when the stored conversation is drawn from localStorage
    page.wait_for_selector("html[data-ready=true]")
    assert page.locator("#turns img").count() == 0
    assert page.evaluate("typeof window.__xss") == "undefined"


def test_keyboard_only_ask_reach_citations_open_and_close_the_document(page):
    def tab_until(predicate_js: str, limit: int = 60) -> None:
        for _ in range(limit):
            page.keyboard.press("Tab")
            if page.evaluate(predicate_js):
                return
        raise AssertionError(f"Tab never reached {predicate_js}")

    tab_until("document.activeElement.id === 'question'")
    page.keyboard.type(DEV_QUESTION)
    page.keyboard.press("Enter")
    page.locator(".turn .answer").wait_for()
    assert page.evaluate("document.activeElement.id") == "question"  # ready for the next question
    tab_until("document.activeElement.classList.contains('marker')")
    marker_label = page.evaluate("document.activeElement.getAttribute('aria-label')")
    page.keyboard.press("Enter")
    page.locator("#doc-passage").wait_for()
    assert page.evaluate("document.activeElement.id") == "doc-title"
    page.keyboard.press("Escape")
    assert page.locator("#doc-panel").is_hidden()
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == marker_label
    tab_until("document.activeElement.classList.contains('card-title')")
    page.keyboard.press("Enter")
    page.locator("#doc-passage").wait_for()


def test_phone_width_has_no_horizontal_scroll(browser, live_server):
    page = open_page(browser, live_server.url, width=375, height=740)
    try:
        page.click("#filters-summary")
        ask(page, DEV_QUESTION)
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        page.locator(".marker").first.click()
        page.locator("#doc-passage").wait_for()
        assert page.locator("#doc-panel").bounding_box()["width"] <= 375
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        assert page.errors == []
    finally:
        page.context.close()


def test_copy_answer_writes_out_the_references(browser, live_server):
    page = open_page(browser, live_server.url)
    try:
        page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
        turn = ask(page, DEV_QUESTION)
        turn.get_by_role("button", name="Copy answer").click()
        turn.get_by_text("Answer copied with its references.").wait_for()
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied.startswith(f"Question: {DEV_QUESTION}\n")
        assert GOLD_QUOTE in copied and "References" in copied
        assert re.search(r"\[1\] Monitoring visit of Wakefield children's and young people's services \(inspection-letter, 2019-11-01\)", copied)
    finally:
        page.context.close()


def test_feedback_is_saved_and_survives_a_server_restart(browser, settings, encoder, built_index, tmp_path):
    """Also: with the server gone, the page says it cannot reach the service."""
    import httpx

    from service.main import create_app
    from tests.conftest import LiveServer

    own = settings.model_copy(update={"feedback_db": tmp_path / "feedback.sqlite3"})
    with LiveServer(create_app(own, encoder)) as server:
        page = open_page(browser, server.url)
        turn = ask(page, DEV_QUESTION)
        turn.get_by_role("button", name="Not helpful").click()
        turn.locator(".feedback-status", has_text="Saved").wait_for()
        # one click is one saved rating, before any comment
        rows = httpx.get(server.url + "/admin/feedback/export", timeout=10).json()
        assert [(r["rating"], r["comment"]) for r in rows] == [("down", None)]
        comment = turn.get_by_label("Comment (optional)")
        assert comment.is_visible()
        comment.fill("Wanted the date of the letter too.")
        turn.get_by_role("button", name="Save comment").click()
        turn.locator(".feedback-status", has_text="Saved, with your comment").wait_for()
    # the server is gone now
    down = ask(page, DEV_QUESTION)
    assert "Could not reach the service" in down.locator(".error").inner_text()
    assert page.errors == []
    page.context.close()

    with LiveServer(create_app(own, encoder)) as server:
        exported = httpx.get(server.url + "/admin/feedback/export", timeout=10).json()
    assert len(exported) == 1
    saved = exported[0]
    assert (saved["rating"], saved["comment"], saved["question"], saved["answerable"]) == (
        "down", "Wanted the date of the letter too.", DEV_QUESTION, True,
    )
    assert GOLD_QUOTE in saved["answer"] and "ofsted-monitoring-letter-2019-11" in saved["citations"]


def test_axe_finds_no_accessibility_violations(page):
    axe_module = pytest.importorskip("axe_playwright_python.sync_playwright", reason="axe-playwright-python is not installed")
    turn = ask(page, DEV_QUESTION)
    ask(page, UNANSWERABLE)
    page.click("#filters-summary")
    turn.locator(".marker").first.click()
    page.locator("#doc-passage").wait_for()
    turn.get_by_role("button", name="Helpful", exact=True).click()
    page.fill("#published-from", "2021-01-01")
    page.fill("#published-to", "2018-01-01")
    ask(page, INADEQUATE).locator(".error").wait_for()  # an error turn is audited too
    axe = axe_module.Axe()
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})
        response = axe.run(page).response
        violations = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in response["violations"]]
        assert violations == [], f"at {width} px"


def test_sources_that_disagree_on_when_wakefield_was_judged_inadequate_are_both_shown_primary_first(page):
    turn = ask(page, "When was Wakefield judged inadequate?")
    box = turn.locator(".conflicts")
    box.wait_for()
    claims = box.locator(".conflict-claim")
    values = [claims.nth(i).locator(".conflict-value").inner_text() for i in range(claims.count())]
    assert "July 2018" in values and "June 2018" in values
    # the inspectorate's own letter comes first and says so
    assert claims.first.locator(".conflict-value").inner_text() == "July 2018"
    assert "inspectorate's own" in claims.first.inner_text()
    assert "Monitoring visit" in claims.first.locator(".conflict-source").inner_text()
    # each side links to a cited source card, and the answer names the disagreement
    for i in range(claims.count()):
        n = claims.nth(i).locator(".marker").inner_text().strip("[]")
        assert turn.locator(f"#cite-{turn.get_attribute('id').removeprefix('turn-')}-{n}").count() == 1
    assert re.search(r"Sources disagree on the date: July 2018 \[\d+\], June 2018 \[\d+\]\.$", turn.locator(".answer-text").inner_text().strip())
    # a "when" question links into the timeline, which marks the disputed month
    turn.locator(".timeline-link button").click()
    page.locator("#timeline").wait_for()
    disputed = page.locator("#timeline .tl-event.disputed")
    assert disputed.count() >= 2
    heads = page.locator("#timeline .tl-date").all_inner_texts()
    assert "June 2018" in heads and "July 2018" in heads
    assert heads.index("June 2018") < heads.index("July 2018")  # oldest first


def test_the_page_says_newer_material_exists(page):
    turn = ask(page, "Since when has the local authority been judged inadequate?")
    note = turn.locator(".newer")
    note.wait_for()
    assert "Newer material on this exists" in note.inner_text() and "2021-11-24" in note.inner_text()
    note.locator("a").first.click()
    page.locator("#doc-passage").wait_for()
    assert "2018" in page.locator("#doc-passage").inner_text()
def test_one_click_on_helpful_gives_one_row_in_the_export(browser, settings, encoder, built_index, tmp_path):
    import httpx

    from service.main import create_app
    from tests.conftest import LiveServer

    own = settings.model_copy(update={"feedback_db": tmp_path / "feedback.sqlite3"})
    with LiveServer(create_app(own, encoder)) as server:
        page = open_page(browser, server.url)
        try:
            turn = ask(page, DEV_QUESTION)
            turn.get_by_role("button", name="Helpful", exact=True).click()
            turn.locator(".feedback-status", has_text="Saved").wait_for()
            assert turn.get_by_role("button", name="Helpful", exact=True).get_attribute("aria-pressed") == "true"
            rows = httpx.get(server.url + "/admin/feedback/export", timeout=10).json()
            assert len(rows) == 1 and rows[0]["rating"] == "up" and rows[0]["question"] == DEV_QUESTION
            # the rating survives a reload, and changing it updates the same row
            page.reload()
            page.wait_for_selector("html[data-ready=true]")
            turn = page.locator(".turn").first
            assert turn.get_by_role("button", name="Helpful", exact=True).get_attribute("aria-pressed") == "true"
            turn.get_by_role("button", name="Not helpful").click()
            turn.locator(".feedback-status", has_text="Saved").wait_for()
            rows = httpx.get(server.url + "/admin/feedback/export", timeout=10).json()
            assert [r["rating"] for r in rows] == ["down"]
            assert page.errors == []
        finally:
            page.context.close()


def test_at_phone_width_the_new_answer_top_is_in_view(browser, live_server):
    page = open_page(browser, live_server.url, width=375, height=740)
    try:
        for question in (DEV_QUESTION, INADEQUATE, DEV_QUESTION):
            turn = ask(page, question)
            page.wait_for_timeout(100)  # let the scroll settle
            top = turn.locator(".reply").evaluate("el => el.getBoundingClientRect().top")
            assert -1 <= top < page.viewport_size["height"] / 2, f"answer top at {top}px"
        assert page.evaluate("document.documentElement.scrollHeight") > 3 * 740, "the page must be long for this test to mean anything"
        assert page.errors == []
    finally:
        page.context.close()


def test_cards_show_publisher_page_confidence_and_a_safe_original_link(page):
    """The /documents `url` (and an /ask `confidence`, when the service gives one) reach the cards."""
    import json

    def with_urls(route):
        docs = route.fetch().json()
        for d in docs:
            d["url"] = "javascript:alert(1)" if d["doc_id"].startswith("wakefield-express") else f"https://example.org/{d['doc_id']}"
        route.fulfill(status=200, content_type="application/json", body=json.dumps(docs))

    def with_confidence(route):
        reply = route.fetch().json()
        reply["confidence"] = "high"
        route.fulfill(status=200, content_type="application/json", body=json.dumps(reply))

    page.route("**/documents", with_urls)
    page.route("**/ask", with_confidence)
    page.reload()
    page.wait_for_selector("html[data-ready=true]")
    wait_until(page, "document.querySelectorAll('#filter-docs input').length > 0")
    turn = ask(page, DEV_QUESTION)
    letter = turn.locator(".card", has_text="Monitoring visit of Wakefield").first
    meta = letter.locator(".card-meta").inner_text()
    assert meta.startswith("Ofsted · inspection-letter · 2019-11-01") and "answer confidence: high" in meta
    link = letter.get_by_role("link", name="Original")
    assert link.get_attribute("href") == "https://example.org/ofsted-monitoring-letter-2019-11"
    assert link.get_attribute("target") == "_blank" and link.get_attribute("rel") == "noopener noreferrer"
    assert page.locator("a[href^='javascript']").count() == 0
    # the document panel carries the link too
    letter.locator(".card-title").click()
    page.locator("#doc-passage").wait_for()
    assert page.locator("#doc-meta").get_by_role("link", name="Original").get_attribute("href") == link.get_attribute("href")
    for text in turn.locator(".card").all_inner_texts():
        assert "characters" not in text and "score" not in text


def test_with_sign_in_required_and_no_proxy_the_page_says_whom_to_ask(browser, settings, encoder, built_index, tmp_path):
    from service.main import create_app
    from tests.conftest import LiveServer

    keyed = settings.model_copy(
        update={"auth": "keys", "keys_file": tmp_path / "keys.json", "trusted_proxies": [], "support_contact": "the IT service desk <ext. 4321>"}
    )
    with LiveServer(create_app(keyed, encoder)) as server:
        page = open_page(browser, server.url)
        try:
            notice = page.locator("#sign-in")
            notice.wait_for()
            text = notice.inner_text()
            assert "single sign-on" in text and "the IT service desk <ext. 4321>" in text
            assert "Authorization" not in text and "Bearer" not in text and "inspectqa" not in text
            assert page.locator("#question").is_disabled() and page.locator("#send").is_disabled()
            assert page.errors == []
        finally:
            page.context.close()
