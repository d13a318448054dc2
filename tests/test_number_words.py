"""Counts written as words are counts: "Seventeen new households" answers "how many?"."""

import pytest

from index.answer.answer_type import AnswerType, holds_answer_type


@pytest.mark.parametrize(
    "sentence",
    [
        "Seventeen new households were placed this year.",
        "Thirteen carers left the service.",
        "Nineteen children were seen.",
        "Sixty referrals were made.",
        "Ninety-five cases were audited.",
        "Seventy per cent of plans were reviewed.",
        "Eighty staff were trained.",
        "Two hundred families were helped.",
    ],
)
def test_number_words_are_counts(sentence):
    assert holds_answer_type(sentence, AnswerType.COUNT)


def test_words_that_merely_contain_number_words_are_not_counts():
    assert not holds_answer_type("Eighteenth-century buildings house the service.", AnswerType.COUNT)
    assert not holds_answer_type("The teenage years are hard for some children.", AnswerType.COUNT)
