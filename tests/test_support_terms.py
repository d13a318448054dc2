"""What a document offers the support check, worked out fast enough for a whole report: the same
terms as the plain definitions (every stemmed word, every figure as written), on the real documents."""

import re

from index.answer.answer_type import question_kind
from index.answer.constraints import _ORDINALS, _WORD, text_terms
from index.answer.support import _MONTH_STEMS, dates_named
from index.build.lexical import tokenize
from index.build.store import load_index


def _plain_terms(text: str) -> frozenset[str]:
    figures = {m.group().lower().replace(",", "") for m in _WORD.finditer(text) if m.group()[0].isdigit()}
    ordinals = {w for w in re.findall(r"[a-z]+", text.lower()) if w in _ORDINALS}
    return frozenset(tokenize(text)) | figures | ordinals


def _texts(settings) -> list[str]:
    index = load_index(settings.index_dir, settings)
    documents = [index.documents[d].text for d in index.documents]
    return documents + [s.text for s in index.sentences] + ["In 2,019 cases; 1.5 per cent; the third visit, July 2018/19", "a2018 b"]


def test_text_terms_are_the_stemmed_words_figures_and_ordinals_of_the_text(built_index, settings):
    for text in _texts(settings):
        assert text_terms(text) == _plain_terms(text)


def test_the_dates_a_document_names_are_its_year_and_month_terms(built_index, settings):
    texts = _texts(settings)
    for text in texts:
        assert dates_named(text) == frozenset(t for t in _plain_terms(text) if re.fullmatch(r"(?:19|20)\d\d", t) or t in _MONTH_STEMS)
    assert {"2018", "juli"} <= dates_named(texts[-2])


def test_only_a_question_with_a_year_or_month_reads_its_documents_dates():
    from index.answer.constraints import question_constraints
    from index.answer.support import SentenceContext, check, draws_on_document_dates

    assert draws_on_document_dates(question_constraints("What did the 2018 inspection find?"))
    assert draws_on_document_dates(question_constraints("What happened at the visit in July?"))
    assert not draws_on_document_dates(question_constraints("Who is the director of children's services in Wakefield?"))
    # the dates matter exactly when they do: a report naming 2018 covers "the 2018 inspection" ...
    constraints = question_constraints("What did the 2018 inspection find?")
    context = SentenceContext("Inspectors found that plans were weak.", document_dates=frozenset({"2018"}))
    assert check(question_kind("What did the 2018 inspection find?"), constraints, context).missing == ()
