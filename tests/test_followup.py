"""Follow-up resolution rules (index/answer/followup.py): pure, no index, no model."""

from __future__ import annotations

import json
import re

import hypothesis
import pytest
from hypothesis import strategies as st

from eval.conversations import split
from index.answer.followup import Turn, references, resolve
from index.settings import PROJECT_ROOT

CONVERSATIONS = PROJECT_ROOT / "eval" / "gold" / "conversations.jsonl"
NEGLECT = Turn("What did the 2019 monitoring visit find about neglect?", "", ("ofsted-monitoring-letter-2019-11",))


def test_no_history_searches_the_question_as_asked():
    r = resolve("who carried it out", [])
    assert r.searched_for == "who carried it out" and not r.rewritten and r.doc_ids == ()


@pytest.mark.parametrize(
    "question",
    [
        "Who is Peter Dwyer?",
        "What did the 2018 inspection say about children taking part in their reviews?",
        "what did peter dwyer do before he became commissioner",
        "As of the latest Ofsted letter, is Wakefield improving its help and protection services?",
        "What did Ofsted say about the front door at Wakefield?",
    ],
)
def test_a_self_contained_question_is_searched_exactly_as_asked_whatever_came_before(question):
    r = resolve(question, [NEGLECT, Turn("and in 2021?")])
    assert r.searched_for == question and not r.rewritten and references(question) == []


def test_ellipsis_with_a_year_asks_the_previous_question_about_that_year():
    r = resolve("and in 2021?", [NEGLECT])
    assert r.searched_for == "What did the 2021 monitoring visit find about neglect?"
    assert r.rewritten and "year" in r.why


def test_ellipsis_with_a_topic_swaps_the_topic():
    r = resolve("what about care leavers?", [NEGLECT])
    assert r.searched_for == "What did the 2019 monitoring visit find about care leavers?"


def test_ellipsis_with_a_source_swaps_the_source():
    r = resolve("and the recruiter blog?", [Turn("What did the Children First article say about the 2016 inspection?")])
    assert r.searched_for == "What did the recruiter blog say about the 2016 inspection?"


def test_a_pronoun_brings_in_the_previous_question_phrases():
    r = resolve("who led it?", [NEGLECT])
    assert r.searched_for.startswith("who led it?") and "2019 monitoring visit" in r.searched_for
    assert "'it'" in r.why


def test_he_and_she_point_at_the_last_person_named_even_past_another_topic():
    history = [Turn("When did John Wilson leave?"), Turn("What did the Ofsted letter about the focused visit say about capacity?")]
    r = resolve("why did he leave?", history)
    assert r.searched_for == "why did he leave? (John Wilson)"


def test_a_comparison_keeps_both_years():
    history = [Turn("what did ofsted say about caseloads in 2018?"), Turn("and by the 2019 monitoring visit?")]
    r = resolve("so is that better than in 2018?", history)
    assert "2019" in r.searched_for and "2018" in r.searched_for and "caseloads" in r.searched_for


def test_a_chain_resolves_each_turn_in_order():
    r = resolve("who carried it out", [NEGLECT, Turn("and what about care leavers?")])
    assert "2019 monitoring visit" in r.searched_for


def test_that_letter_narrows_to_the_document_the_last_answer_cited_first():
    history = [Turn("who did the 2019 ofsted letter go to?", "…", ("ofsted-monitoring-letter-2019-11", "wakefield-express-council-failings-risk"))]
    r = resolve("will that letter be published?", history)
    assert r.doc_ids == ("ofsted-monitoring-letter-2019-11",)
    assert resolve("will it be published?", history).doc_ids == ()  # "it" is no document reference


def test_nothing_cited_means_no_narrowing():
    assert resolve("what else did that report say?", [Turn("What did Ofsted say about the virtual school?")]).doc_ids == ()


def _conversations():
    return [json.loads(line) for line in CONVERSATIONS.read_text(encoding="utf-8").splitlines() if line.strip()]


def _words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[A-Za-z0-9]+", text)}


def test_a_rewrite_never_adds_a_word_that_is_not_in_the_conversation():
    for conversation in _conversations():
        history: list[Turn] = []
        for turn in conversation["turns"]:
            searched = resolve(turn["question"], history).searched_for
            said = _words(" ".join([t.question for t in history] + [turn["question"]]))
            assert _words(searched) <= said, (conversation["id"], turn["question"], searched)
            history.append(Turn(turn["question"]))


def test_development_half_self_contained_questions_stay_as_asked_and_follow_ups_are_caught():
    rows = _conversations()
    development = split(rows)["development"]
    missed, rewritten_alone = [], []
    for conversation in development:
        history: list[Turn] = []
        for turn in conversation["turns"]:
            r = resolve(turn["question"], history)
            if turn["follow_up"] and not r.rewritten:
                missed.append(turn["question"])
            if history and not turn["follow_up"] and r.rewritten:
                rewritten_alone.append(turn["question"])
            history.append(Turn(turn["question"]))
    assert rewritten_alone == []
    assert len(missed) <= 2, missed


_TEXTS = st.text(min_size=1, max_size=40) | st.sampled_from(
    ["and in 2021?", "and ?", "what about", "and the", "the 2019", "who led it", "and 2019 the", "about", ":", "that letter", "what about <b>x</b>"]
)


@hypothesis.settings(max_examples=300, deadline=None)
@hypothesis.given(st.lists(_TEXTS, max_size=4), _TEXTS)
def test_any_text_resolves_without_error_and_a_rewrite_only_uses_the_conversation_words(history, question):
    r = resolve(question, [Turn(h) for h in history])
    # a question searched as something else says why; one that says nothing was searched as asked
    assert (r.searched_for != question.strip()) <= r.rewritten
    assert _words(r.searched_for) <= _words(" ".join(history + [question]))


def test_the_corpus_own_places_are_never_taken_for_a_person_and_come_from_the_caller():
    # issue 25: no corpus names written in code; the answerer hands over the index's own subjects
    from index.answer.followup import latest_name

    said = ["What did the Northshire Gazette report about Dana Kell?", "What did the Northshire Gazette say next?"]
    assert latest_name(said) == "Northshire Gazette"
    assert latest_name(said, frozenset({"northshire"})) == "Dana Kell"
