"""`inspectqa ask --chat`: a terminal conversation keeping its history, with the same 'Searched for' line."""

from __future__ import annotations

import pytest

from index.answer.answerer import QuestionAnswerer
from cli.chat import chat
from cli.main import build_parser

FIRST = "What did the 2019 monitoring visit find about neglect?"


@pytest.fixture(scope="module")
def answerer(built_index, encoder, settings):
    return QuestionAnswerer(built_index, encoder, settings)


def test_chat_keeps_the_history_and_shows_what_was_searched(answerer):
    lines: list[str] = []
    answered = chat(answerer, [FIRST, "", "who carried it out", "/new", "and in 2021?", "/quit", "never asked"], lines.append)
    assert answered == 3
    text = "\n".join(lines)
    first, follow_up, after_new = text.split("\n\n", 2)
    assert "Searched for" not in first
    assert follow_up.startswith("Searched for: who carried it out (2019 monitoring visit")
    assert "[1] Monitoring visit of Wakefield children's and young people's services" in follow_up  # the letter naming the inspectors
    assert after_new.startswith("New topic") and "Searched for" not in after_new  # /new dropped the history
    assert "never asked" not in text


def test_ask_takes_chat_with_or_without_a_first_question():
    parser = build_parser()
    assert parser.parse_args(["ask", "--chat"]).chat and parser.parse_args(["ask", "--chat"]).question is None
    assert parser.parse_args(["ask", "--chat", FIRST]).question == FIRST
    assert not parser.parse_args(["ask", FIRST]).chat
