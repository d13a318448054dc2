"""The support check (support.py) applied to the candidate answer sentences of one loaded index.

Each sentence the answer would quote is checked on its own; only those that answer stay. When
none within reach of the best does, the reply abstains and says why: a constraint of the question
that no such sentence covers ("not-mentioned", with the missing words), or a kind of fact none of
them holds ("wrong-type"). The best of them is then shown as related, never as the answer.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass

from index.answer.answer_type import AnswerType
from index.answer.constraints import Constraint
from index.answer.query import Query
from index.answer.scoring import ScoredSentence
from index.answer.support import SentenceContext, Verdict, check, dates_named, draws_on_document_dates
from index.build.chunk import Sentence
from index.build.store import InspectionIndex

# Candidates this far below the best sentence are not considered answers at all (dev set).
SUPPORT_REACH = 0.3


@dataclass(frozen=True)
class Grounding:
    """The supported candidates, or why there are none."""

    supported: list[ScoredSentence]
    abstention: str | None = None  # an `Abstention` value when nothing within reach answers
    missing: tuple[Constraint, ...] = ()
    related: tuple[ScoredSentence, ...] = ()  # on topic but not answering: shown apart from the answer
    checked: int = 0  # candidates within reach
    share_supported: float = 0.0  # of those, the share that answer (a confidence feature)


def sentence_context(index: InspectionIndex, sentence: Sentence, with_dates: bool = True) -> SentenceContext:
    """What `sentence` may draw on; `with_dates=False` leaves out the dates its whole document names (for a
    question no document date can answer: see `draws_on_document_dates`)."""
    doc = index.documents.metadata(sentence.doc_id)
    around = [i for i in (sentence.sentence_id - 1, sentence.sentence_id + 1) if 0 <= i < len(index.sentences)]
    neighbours = tuple(s.text for s in index.sentences.many(around) if s.doc_id == sentence.doc_id)
    dates = _document_dates(index, sentence.doc_id) if with_dates else frozenset()
    return SentenceContext(sentence.text, neighbours, doc.title, doc.published, dates)


# (index path, build time, doc_id) -> the years and months the document names; a document's text is decoded and read
# once, not each time one of its sentences is checked (at 1M passages most questions meet new documents,
# and a report's text is tens of kilobytes); bounded, and keyed by what identifies the text, not the text
_DATES: OrderedDict[tuple[str, str, str], frozenset[str]] = OrderedDict()
_DATES_KEPT = 4096
_DATES_LOCK = threading.Lock()


def _document_dates(index: InspectionIndex, doc_id: str) -> frozenset[str]:
    key = (str(index.path), index.manifest.built_at, doc_id)
    with _DATES_LOCK:
        if key in _DATES:
            _DATES.move_to_end(key)
            return _DATES[key]
    dates = dates_named(index.documents[doc_id].text)
    with _DATES_LOCK:
        _DATES[key] = dates
        while len(_DATES) > _DATES_KEPT:
            _DATES.popitem(last=False)
    return dates


def ground(index: InspectionIndex, query: Query, candidates: list[ScoredSentence]) -> Grounding:
    """Check each candidate within `SUPPORT_REACH` of the best; keep those that answer `query`."""
    if query.unmentioned:
        return Grounding([], "not-mentioned", query.unmentioned, tuple(candidates[:1]))
    if not candidates:
        return Grounding([])
    reach = [c for c in candidates if c.score >= candidates[0].score - SUPPORT_REACH]
    dated = draws_on_document_dates(query.constraints)
    verdicts: list[Verdict] = [check(query.kind, query.constraints, sentence_context(index, c.sentence, dated)) for c in reach]
    supported = [c for c, v in zip(reach, verdicts) if v.answers]
    share = len(supported) / len(reach)
    if supported:
        return Grounding(supported, checked=len(reach), share_supported=share)
    # nothing answers: a constraint no candidate covers is the plainest reason, else the kind of fact
    uncovered = tuple(c for c in query.constraints if all(c in v.missing for v in verdicts))
    if uncovered or not any(v.missing == () for v in verdicts):
        missing = uncovered or verdicts[0].missing
        return Grounding([], "not-mentioned", missing, tuple(reach[:1]), len(reach), 0.0)
    return Grounding([], "wrong-type", (), tuple(reach[:1]), len(reach), 0.0)


_SEVERAL = re.compile(r"\b(?:and|or|list|which (?:areas|things|groups)|what (?:were|are) (?:the|some))\b", re.I)


def asks_for_several(query: Query) -> bool:
    """Whether the question asks for more than one thing ("when ... and what did it find?", a list): only then
    may the answer quote more than its best supported sentence. On the dev set, sentences quoted beside the
    best one held a gold quote about one time in five."""
    return query.kind in (AnswerType.LIST, AnswerType.REASON) or bool(_SEVERAL.search(query.text))
