"""Does one sentence answer the question? The support check, applied to every answer sentence on its own.

A sentence answers when it holds the kind of fact asked for (a salary needs a sum of money, "who
led ..." a name other than those in the question) and covers every constraint of the question
(index.answer.constraints). Constraints may be covered by the sentence's surroundings: its
neighbouring sentences, its document's title and its publication date ("the 2019 letter" is
covered by a letter dated November 2019). Pure: the caller hands over the texts.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from index.answer.answer_type import AnswerType, holds_answer_type
from index.english import MONTHS
from index.answer.constraints import Constraint, ConstraintKind, covered, figures_written, text_terms
from index.build.lexical import token_set, tokenize


@dataclass(frozen=True)
class SentenceContext:
    """What a sentence may draw on to cover the question's constraints."""

    sentence: str
    neighbours: tuple[str, ...] = ()  # the sentences just before and after it in its document
    title: str = ""
    published: dt.date | None = None
    # years and months the whole document names: a report is about one inspection, so "the 2018
    # inspection" is covered by any sentence of a report that names 2018
    document_dates: frozenset[str] = frozenset()

    def terms(self) -> frozenset[str]:
        dated = f"{MONTHS[self.published.month - 1]} {self.published.year}" if self.published else ""
        return frozenset().union(*(text_terms(part) for part in (self.sentence, *self.neighbours, self.title, dated))) | self.document_dates

    def covers(self, constraint: Constraint, terms: frozenset[str]) -> bool:
        # an undated document cannot be held to a year or month it does not name: a news item about the
        # 2018 inspection may never write "2018"
        undated = self.published is None and constraint.kind in (ConstraintKind.YEAR, ConstraintKind.MONTH)
        return undated or covered(constraint, terms)


def dates_named(text: str) -> frozenset[str]:
    """The years and (stemmed) month names `text` uses, as `SentenceContext.document_dates`: the year and month
    terms of `text_terms(text)`, worked out without the rest (a whole document's terms are not kept)."""
    return frozenset(t for t in token_set(text) | figures_written(text) if t in _MONTH_STEMS or _YEAR.fullmatch(t))


_YEAR = re.compile(r"(?:19|20)\d\d")


def draws_on_document_dates(constraints: Sequence[Constraint]) -> bool:
    """Whether a document's dates can cover any of `constraints`: only a year or month token can be one of
    them, so for other questions the whole document need not be read."""
    return any(t in _MONTH_STEMS or _YEAR.fullmatch(t) for c in constraints for t in c.tokens)


_MONTH_STEMS = frozenset(stem for m in MONTHS for stem in tokenize(m))


@dataclass(frozen=True)
class Verdict:
    """The support check of one sentence."""

    typed: bool  # holds the kind of fact asked for
    missing: tuple[Constraint, ...]  # constraints neither the sentence nor its surroundings cover

    @property
    def answers(self) -> bool:
        return self.typed and not self.missing


def _without_names(sentence: str, constraints: Sequence[Constraint]) -> str:
    """`sentence` with the question's own names blanked: naming Peter Box does not answer "who replaced Peter Box?"."""
    for c in constraints:
        if c.kind is ConstraintKind.NAME:
            for word in c.text.split():
                sentence = re.sub(rf"\b{re.escape(word)}\b", "x", sentence, flags=re.I)
    return sentence


def check(kind: AnswerType, constraints: Sequence[Constraint], context: SentenceContext, not_names: frozenset[str] = frozenset()) -> Verdict:
    """Whether the sentence of `context` answers a question of `kind` with `constraints` (`not_names`: see holds_answer_type)."""
    terms = context.terms()
    typed = holds_answer_type(_without_names(context.sentence, constraints), kind, not_names)
    return Verdict(typed=typed, missing=tuple(c for c in constraints if not context.covers(c, terms)))
