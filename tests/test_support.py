"""The support check and the question analysis it reads, on hand-written sentences (issue 13)."""

import datetime as dt

import pytest

from index.answer.answer_type import AnswerType, question_kind
from index.answer.constraints import ConstraintKind, question_constraints
from index.answer.support import SentenceContext, check


def texts(question):
    return [c.text for c in question_constraints(question)]


@pytest.mark.parametrize("question", ["Were the kids okay?", "Who got blamed?", "whats the number to ring if I want to join the team"])
def test_everyday_words_are_not_constraints(question):
    assert texts(question) == []


def test_names_years_months_figures_and_rare_terms_are_constraints():
    assert texts("Which HMI led the November 2021 re-inspection?") == ["HMI", "November", "2021"]
    assert texts("Who replaced Peter Box as council leader?") == ["Peter Box"]
    assert texts("how much was cut from the surestart budget") == ["surestart"]
    kinds = [c.kind for c in question_constraints("Were 72 visits done in May 2019 by the third team?")]
    assert kinds == [ConstraintKind.NUMBER, ConstraintKind.MONTH, ConstraintKind.YEAR, ConstraintKind.NUMBER]
    assert texts("you may ask") == []  # "may" the verb is no month


@pytest.mark.parametrize(
    "question, kind",
    [
        ("What salary is Vicky Schofield on?", AnswerType.MONEY),
        ("what grade did they get in 2021?", AnswerType.GRADE),
        ("Who replaced Peter Box as council leader?", AnswerType.PERSON),
        ("What was the social worker turnover rate?", AnswerType.PERCENT),
        ("Why was the service judged inadequate?", AnswerType.REASON),
        ("Were the kids okay?", AnswerType.YES_NO),
        ("Who got blamed?", AnswerType.WHO),
        ("How many visits were there?", AnswerType.COUNT),
        ("Which police force works with the team?", AnswerType.PLACE),
        # a condition, then a yes/no question: no date is asked for
        ("When risk to a child goes up, is a strategy meeting always held?", AnswerType.DESCRIPTION),
        ("Why are a small number of children waiting too long?", AnswerType.REASON),
    ],
)
def test_question_kind(question, kind):
    assert question_kind(question) is kind


def test_a_sentence_naming_only_the_asked_about_person_does_not_answer_who():
    q = "Who replaced Peter Box as council leader?"
    verdict = check(question_kind(q), question_constraints(q), SentenceContext("The then council leader, Peter Box, almost lost his job."))
    assert verdict.missing == () and not verdict.typed and not verdict.answers
    named = SentenceContext("Peter Box was replaced as leader by Denise Jeffery in 2021.")
    assert check(question_kind(q), question_constraints(q), named).answers


def test_constraints_may_be_covered_by_neighbours_title_and_date():
    q = "What did the November 2019 letter say about neglect?"
    sentence = "The cumulative effect of neglect is not always sufficiently explored."
    alone = check(question_kind(q), question_constraints(q), SentenceContext(sentence, published=dt.date(2021, 1, 5)))
    assert [c.text for c in alone.missing] == ["November", "2019"]
    # an undated document is not held to a year it never writes (a news item about "the 2018 inspection")
    assert check(question_kind(q), question_constraints(q), SentenceContext(sentence)).answers
    dated = SentenceContext(sentence, published=dt.date(2019, 11, 1))
    assert check(question_kind(q), question_constraints(q), dated).answers
    titled = SentenceContext(sentence, neighbours=("The visit took place in 2019.",), title="Monitoring letter, November", published=dt.date(2021, 1, 5))
    assert check(question_kind(q), question_constraints(q), titled).answers


def test_money_needs_a_sum_and_a_grade_needs_a_grade():
    salary = "What salary is the director on?"
    assert not check(question_kind(salary), [], SentenceContext("The director was appointed in 2019.")).answers
    assert check(question_kind(salary), [], SentenceContext("The director is paid £120,000 a year.")).answers
    grade = "what grade did the service get?"
    assert not check(question_kind(grade), [], SentenceContext("Inspectors visited for two weeks.")).answers
    assert check(question_kind(grade), [], SentenceContext("The service was judged to require improvement.")).answers


def test_a_place_needs_a_named_body_not_a_common_noun():
    q = "Which police force is co-located with the team?"
    assert not check(question_kind(q), [], SentenceContext("Co-location supports information-sharing between social care and the police.")).answers
    assert check(question_kind(q), [], SentenceContext("The team is co-located with officers of West Yorkshire Police.")).answers


