"""Follow-up questions on the chat page, in Debian's Chromium against a live server with the real index."""

from __future__ import annotations

import json

import pytest
from test_chat_page import ask, browser, open_page, wait_until  # noqa: F401  (browser is a fixture)

from eval.matching import quote_found

FIRST = "What did the 2019 monitoring visit find about neglect?"
FOLLOW_UP = "who carried it out"
WHO_CARRIED_IT_OUT = "This visit was carried out by Her Majesty's Inspector, Lisa Summers and Her Majesty's Inspector, Caroline Walsh."
LETTER_TITLE = "Monitoring visit of Wakefield children's and young people's services"

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser, live_server):  # noqa: F811
    page = open_page(browser, live_server.url)
    page.sent = []
    page.on("request", lambda r: r.url.endswith("/ask") and page.sent.append(json.loads(r.post_data or "{}")))
    yield page
    assert page.errors == [], f"script errors on the page: {page.errors}"
    page.context.close()


def test_a_follow_up_is_answered_from_the_right_document_and_shows_what_was_searched(page):
    first = ask(page, FIRST)
    assert first.locator(".searched-for").count() == 0  # asked alone: searched as asked
    turn = ask(page, FOLLOW_UP)
    # the page sent the conversation so far
    assert page.sent[-1]["history"][0]["question"] == FIRST
    assert page.sent[-1]["history"][0]["citations"] and {"doc_id", "start", "end"} <= set(page.sent[-1]["history"][0]["citations"][0])
    searched = turn.locator(".searched-for").inner_text()
    assert searched.startswith("Searched for: ") and "2019 monitoring visit" in searched
    # answered from the letter: its first card is the passage naming who carried the visit out
    card = turn.locator(".card").first
    assert card.locator(".card-title").inner_text() == LETTER_TITLE
    assert quote_found(WHO_CARRIED_IT_OUT, card.locator(".passage").inner_text())


def test_new_topic_drops_the_history_and_a_reload_keeps_the_conversation_to_send(page):
    ask(page, FIRST)
    page.reload()  # the stored conversation is what the next question is sent with
    page.wait_for_selector("html[data-ready=true]")
    ask(page, FOLLOW_UP)
    assert [t["question"] for t in page.sent[-1]["history"]] == [FIRST]
    page.click("#new-topic")
    wait_until(page, "document.getElementById('announcer').textContent.startsWith('New topic')")
    turn = ask(page, FOLLOW_UP)
    assert "history" not in page.sent[-1]
    assert turn.locator(".searched-for").count() == 0
    assert "topic-start" in (turn.get_attribute("class") or "")
    page.reload()  # the topic survives a reload too
    page.wait_for_selector("html[data-ready=true]")
    ask(page, "and in 2021?")
    assert [t["question"] for t in page.sent[-1]["history"]] == [FOLLOW_UP]


def test_a_rewritten_question_is_shown_as_text_and_never_runs(page):
    ask(page, FIRST)
    turn = ask(page, 'and what about <img src=x onerror="window.__xss=1">?')
    assert turn.locator(".searched-for").inner_text() == (
        'Searched for: What did the 2019 monitoring visit find about <img src=x onerror="window.__xss=1">?'
    )
    assert page.locator("#turns img").count() == 0
    assert page.evaluate("typeof window.__xss") == "undefined"
