"""The answer decision (index/answer/policy.py) on hand-made candidates: ordered checks, one decision, several
sentences only when the model is sure of each, and the answer model file refused loudly when it is broken."""

import json
from dataclasses import replace

import numpy as np
import pytest

from index.answer.answer_model import AnswerModel, AnswerModelError
from index.answer.answer_type import AnswerType, question_kind
from index.answer.compose import Abstention
from index.answer.constraints import Constraint, ConstraintKind
from index.answer.features import Candidate, SentenceFeatures
from index.answer.policy import CHECKS, AnswerPolicy, decide
from index.answer.query import Query
from index.answer.scoring import ScoredSentence
from index.build.chunk import Sentence

FEATURES = SentenceFeatures(**{name: 0.0 for name in SentenceFeatures.names()})


def query(text: str, constraints=(), unmentioned=()) -> Query:
    return Query(text, (), {}, np.zeros(3), None, constraints=tuple(constraints), kind=question_kind(text), unmentioned=tuple(unmentioned))


def candidate(i: int, text: str, p: float, typed: bool = True, relevance: float = 1.0, missing=(), **features) -> Candidate:
    sentence = Sentence(i, "doc", i * 100, i * 100 + len(text), text)
    return Candidate(ScoredSentence(sentence, relevance), replace(FEATURES, **features), typed, tuple(missing), p)


def test_the_sentence_the_model_believes_is_quoted_not_the_most_relevant():
    decision = decide(
        query("What did inspectors say about supervision?"),
        [candidate(1, "Supervision is mentioned in the plan.", 0.3, relevance=1.4), candidate(2, "Supervision is regular and reflective.", 0.9, relevance=1.1)],
        AnswerPolicy(answer_p=0.5, extra_p=0.95),
    )
    assert [c.sentence.text for c in decision.chosen] == ["Supervision is regular and reflective."]
    assert decision.decline is None and decision.best_p == 0.9


def test_further_sentences_join_only_when_the_model_is_as_sure_of_them():
    candidates = [
        candidate(1, "Supervision is regular and reflective.", 0.9),
        candidate(2, "Managers record their decisions on the child's file.", 0.8),
        candidate(3, "Some plans lack detail about who does what.", 0.4),
    ]
    several = decide(query("What did inspectors say about supervision and plans?"), candidates, AnswerPolicy(answer_p=0.5, extra_p=0.75))
    assert len(several.chosen) == 2
    # "and" in the question does not make the answer longer: the model's belief does
    one = decide(query("What did inspectors say about supervision and plans?"), candidates, AnswerPolicy(answer_p=0.5, extra_p=0.85))
    assert len(one.chosen) == 1


def test_a_figure_question_without_a_believed_figure_is_declined_as_no_figure():
    q = query("How many social workers left last year?")
    assert q.kind is AnswerType.COUNT
    decision = decide(q, [candidate(1, "Many social workers left the service.", 0.9, typed=False), candidate(2, "There are 12 teams.", 0.1)], AnswerPolicy(answer_p=0.5))
    assert decision.decline == replace(decision.decline, reason=Abstention.NO_FIGURE) and not decision.chosen


def test_an_outcome_the_material_says_is_still_to_come_is_declined():
    q = query("What overall judgement did Ofsted give after the re-inspection?")
    text = "The report is expected to be published in the new year."
    decision = decide(q, [candidate(1, text, 0.8, pending=1.0, outcome_pending=1.0)], AnswerPolicy(answer_p=0.5))
    assert decision.decline.reason is Abstention.PENDING
    assert [c.sentence.text for c in decision.related] == [text]


def test_checks_run_in_order_and_each_can_be_switched_off():
    name = Constraint("Kirklees", ConstraintKind.NAME, ("kirklees",))
    q = query("How many children did Kirklees place?", [name], [name])
    candidates = [candidate(1, "Children were placed out of area.", 0.9, typed=False, removed_lead=0.5)]
    assert decide(q, candidates, AnswerPolicy()).decline.reason is Abstention.REMOVED_TEXT
    assert decide(q, candidates, AnswerPolicy(checks_off=("removed-text",))).decline.reason is Abstention.NOT_MENTIONED
    assert decide(q, candidates, AnswerPolicy(checks_off=("removed-text", "not-mentioned"))).decline.reason is Abstention.NO_FIGURE
    assert list(CHECKS) == ["not-relevant", "removed-text", "not-mentioned", "pending", "wrong-kind", "low-support"]


def test_the_answer_model_file_is_refused_with_the_file_and_the_make_target(tmp_path):
    missing = tmp_path / "answer_model.json"
    with pytest.raises(AnswerModelError, match=r"missing: .*answer_model\.json.*make train-answerer"):
        AnswerModel.load(missing)
    missing.write_text("{not json", encoding="utf-8")
    with pytest.raises(AnswerModelError, match=r"cannot be read.*make train-answerer"):
        AnswerModel.load(missing)
    stale = {"sentence": {"coefficients": {"cosine": 1.0}, "intercept": 0.0}, "confidence": {"coefficients": {}, "intercept": 0.0}}
    missing.write_text(json.dumps(stale), encoding="utf-8")
    with pytest.raises(AnswerModelError, match=r"other features.*missing: .*overlap"):
        AnswerModel.load(missing)


def test_the_shipped_answer_model_loads_and_its_confidence_is_a_probability_that_orders_replies():
    model = AnswerModel.load()
    assert set(model.policy) == {"answer_p", "extra_p"}
    # a surer best sentence makes an answer likelier right and a decline likelier wrong
    assert model.confidence(True, 0.9) > model.confidence(True, 0.4)
    assert model.confidence(False, 0.05) > model.confidence(False, 0.4)


def test_a_service_with_a_broken_answer_model_is_not_ready_and_says_which_file_and_target(settings, encoder, built_index, tmp_path):
    from service.state import ServiceState

    broken = tmp_path / "answer_model.json"
    broken.write_bytes(b"\x00\x01 not a model")
    state = ServiceState.load(settings.model_copy(update={"answer_model_file": broken}), encoder)
    assert state.answerer is None
    assert str(broken) in state.not_ready_reason and "make train-answerer" in state.not_ready_reason
