"""POST /ask with a conversation history: follow-ups searched with what they refer to, against the real index."""

from __future__ import annotations

import pytest

from eval.matching import quote_found

FIRST = "What did the 2019 monitoring visit find about neglect?"
FOLLOW_UP = "who carried it out"
WHO_CARRIED_IT_OUT = "This visit was carried out by Her Majesty's Inspector, Lisa Summers and Her Majesty's Inspector, Caroline Walsh."
LETTER = "ofsted-monitoring-letter-2019-11"


def _turn(reply: dict) -> dict:
    """A turn as the chat page sends it back: the question, the answer and what it cited."""
    return {
        "question": reply["question"],
        "answer": reply["answer"],
        "citations": [{"doc_id": c["doc_id"], "start": c["start"], "end": c["end"]} for c in reply["citations"]],
    }


def test_a_follow_up_is_answered_from_what_it_refers_to(client):
    first = client.post("/ask", json={"question": FIRST}).json()
    assert first["searched_for"] == FIRST and first["rewrite"] is None
    reply = client.post("/ask", json={"question": FOLLOW_UP, "history": [_turn(first)]}).json()
    assert reply["question"] == FOLLOW_UP
    assert reply["searched_for"] != FOLLOW_UP and "2019 monitoring visit" in reply["searched_for"]
    assert reply["rewrite"] and "'it'" in reply["rewrite"]
    # searched as the follow-up it is: the letter's passage naming the inspectors comes first
    assert reply["answerable"] and reply["citations"][0]["doc_id"] == LETTER
    assert quote_found(WHO_CARRIED_IT_OUT, reply["citations"][0]["text"])


def test_a_self_contained_question_gets_the_same_reply_with_or_without_history(client):
    question = "Who is Peter Dwyer?"
    history = [{"question": FIRST}, {"question": "and in 2021?"}]
    alone = client.post("/ask", json={"question": question}).json()
    after = client.post("/ask", json={"question": question, "history": history}).json()
    assert after["searched_for"] == question and after["rewrite"] is None and after["narrowed_to"] == []
    for key in ("answer", "answerable", "abstention"):
        assert after[key] == alone[key]
    assert [c["text"] for c in after["citations"]] == [c["text"] for c in alone["citations"]]


def test_that_letter_searches_only_the_document_just_cited(client):
    history = [{"question": "who did the 2019 ofsted letter go to?", "citations": [{"doc_id": LETTER, "start": 0, "end": 10}]}]
    reply = client.post("/ask", json={"question": "what else did that letter say about neglect?", "history": history}).json()
    assert reply["narrowed_to"] == [LETTER]
    assert reply["citations"] and {c["doc_id"] for c in reply["citations"]} == {LETTER}


def test_a_document_no_longer_in_the_index_is_not_an_error(client):
    history = [{"question": "who did the 2019 ofsted letter go to?", "citations": [{"doc_id": "removed-since", "start": 0, "end": 10}]}]
    response = client.post("/ask", json={"question": "what else did that letter say about neglect?", "history": history})
    assert response.status_code == 200 and response.json()["narrowed_to"] == []


def test_search_resolves_follow_ups_as_ask_does(client):
    body = {"question": FOLLOW_UP, "history": [{"question": FIRST}]}
    ask = client.post("/ask", json=body).json()
    search = client.post("/search", json=body).json()
    assert search["searched_for"] == ask["searched_for"]
    assert [p["text"] for p in search["passages"]] == [c["text"] for c in ask["citations"]]


@pytest.mark.parametrize(
    "history, needle",
    [
        ([{"question": FIRST}] * 11, "at most the last 10 turns"),
        ("the last question", "history"),
        ([{"answer": "no question"}], "history.0.question"),
        ([{"question": "   "}], "blank"),
        ([{"question": FIRST, "citations": [{"doc_id": LETTER, "start": -1, "end": 5}]}], "history.0.citations.0.start"),
        ([{"question": FIRST, "citations": "all"}], "history.0.citations"),
        ([{"question": FIRST, "colour": "red"}], "colour"),
    ],
)
def test_a_malformed_history_gets_a_clear_422(client, history, needle):
    response = client.post("/ask", json={"question": FOLLOW_UP, "history": history})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_request" and needle in error["message"]
