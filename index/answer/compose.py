"""The cited answer: quoted sentences with [n] markers, or the fixed abstention sentence, and a
`Citation` per ranked passage carrying everything a reader of the answer is shown.

Nothing here writes text of its own except the fixed abstention sentence: every other word
of an answer is a sentence from a source document, followed by the marker of its citation.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from index.answer.scoring import ScoredSentence
from index.answer.search import RankedPassage
from index.build.chunk import Passage
from index.build.store import InspectionIndex
from index.ingest.pages import page_at, page_range

NO_ANSWER = "The inspection material does not answer this."


class Abstention(str, enum.Enum):
    """Why an answer says the material does not answer (each rule names its own)."""

    NOT_RELEVANT = "not-relevant"  # no sentence is relevant enough (or the filters left none)
    NO_FIGURE = "no-figure"  # a how-many / how-much / how-long / when question, and no sentence near the top holds one
    REMOVED_TEXT = "removed-text"  # the question is about a teaser or advert cleaning removed, not the page
    NOT_MENTIONED = "not-mentioned"  # a name, date, figure or term of the question no answering sentence covers
    WRONG_TYPE = "wrong-type"  # sentences on the subject, none holding the kind of fact asked for (a salary, a name)
    LOW_SUPPORT = "low-support"  # on topic, but the answer model judges no sentence likely to answer
    PENDING = "pending"  # the question asks for an outcome the material says is still to come


# issue 13: abstentions in plain words, fixed templates filled only with the question's own words
_NOT_MENTIONED = "The inspection material does not mention {what}."
_NOT_FOR = "The inspection material does not answer this for {what}."
_WRONG_TYPE = "The inspection material does not give {what}."
_LOW_SUPPORT = "The inspection material does not clearly answer this."
_PENDING = "The inspection material does not give this outcome: it says it is still to come."
# what a wrong-type abstention says is not given, when the question names no noun of its own
_KIND_PHRASES = {
    "money": "an amount of money",
    "percent": "a percentage",
    "person": "a name",
    "grade": "a judgement grade",
    "place": "the body or place asked for",
}
# nouns a question may name for the fact it wants ("what salary", "which grade")
_TYPE_NOUNS = (
    "salary", "budget", "cost", "amount", "grade", "judgement", "judgment", "rating", "name", "percentage",
    "rate", "date", "figure", "number", "party", "force", "agency", "chair", "head",
)


def join_words(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def abstention_sentence(
    reason: "Abstention | None", question: str, missing: tuple[str, ...] = (), unmentioned: bool = False, kind: str | None = None
) -> str:
    """The fixed sentence for an abstention; only the question's own words are filled in."""
    if reason is Abstention.NOT_MENTIONED and missing:
        return (_NOT_MENTIONED if unmentioned else _NOT_FOR).format(what=join_words(list(missing)))
    if reason is Abstention.WRONG_TYPE:
        words = question.lower().replace("?", " ").split()
        noun = next((w for w in words if w in _TYPE_NOUNS), None)
        if noun:
            return _WRONG_TYPE.format(what=f"{'an' if noun[0] in 'aeiou' else 'a'} {noun}")
        if kind in _KIND_PHRASES:
            return _WRONG_TYPE.format(what=_KIND_PHRASES[kind])
    if reason is Abstention.LOW_SUPPORT:
        return _LOW_SUPPORT
    if reason is Abstention.PENDING:
        return _PENDING
    return NO_ANSWER


@dataclass(frozen=True)
class Citation:
    n: int
    passage: Passage
    title: str
    kind: str
    published: str | None
    publisher: str | None
    score: float  # cosine similarity of the passage with the question
    fused_score: float  # the reciprocal-rank-fusion score it was retrieved with
    bm25_score: float
    page: int | None  # page (1-based) where the passage starts; None for formats without pages
    highlights: tuple[tuple[int, int], ...] = ()  # answer sentences inside this passage, as document offsets
    pages: tuple[int, int] | None = None  # (first, last) page the passage lies on; None for formats without pages
    # (first, last) page of each highlight, in the order of `highlights`: a sentence broken by a page
    # break starts on one page and ends on the next. Empty for formats without pages.
    highlight_pages: tuple[tuple[int, int], ...] = ()
    authority: str | None = None  # the local authority the document is about (index/ingest/authority.py)

    @property
    def answer_page(self) -> int | None:
        """The page a reader should turn to: where the first answer sentence starts, else where the passage does."""
        return self.highlight_pages[0][0] if self.highlight_pages else self.page
    primary: bool = False  # from a document of the inspectorate's own kinds (InspectionIndex.is_primary)
    for_disagreement: bool = False  # added after the ranked ones to cite a side of a disagreement (index/answer/caveats.py)


@dataclass(frozen=True)
class Answer:
    question: str
    answer: str
    answerable: bool
    citations: tuple[Citation, ...]
    relevance: float  # score of the best sentence, the quantity abstention is decided on
    abstention: Abstention | None = None  # why the material was said not to answer; None when answered
    conflicts: tuple = ()  # index.answer.conflicts.Conflict: sides of the cited material that disagree
    newer: tuple = ()  # index.answer.caveats.NewerSource: newer dated documents on the first citation's event
    missing: tuple[str, ...] = ()  # not-mentioned: the question's words no answering sentence covers
    related: tuple["RelatedSentence", ...] = ()  # on topic but not an answer: shown apart, never as the answer
    confidence: float = 0.0  # estimated chance the reply is right (answer holds the evidence, or abstention is due)
    decision: object = None  # index.answer.policy.Decision: the candidates and the decision behind the reply (evaluation reads it)


@dataclass(frozen=True)
class RelatedSentence:
    text: str
    n: int  # the citation whose passage holds it
    start: int
    end: int


def cite(index: InspectionIndex, ranked: list[RankedPassage], highlights: dict[int, list[tuple[int, int]]] | None = None) -> tuple[Citation, ...]:
    """A citation per ranked passage, numbered from 1; `highlights` maps a number to its answer sentences."""
    highlights = highlights or {}
    citations = []
    for n, r in enumerate(ranked, 1):
        doc = index.documents.metadata(r.passage.doc_id)
        marked = tuple(sorted(highlights.get(n, ())))
        citations.append(
            Citation(
                n=n,
                passage=r.passage,
                title=doc.title,
                kind=doc.kind,
                published=doc.published_iso,
                publisher=doc.publisher,
                authority=doc.authority,
                score=r.dense_score,
                fused_score=r.score,
                bm25_score=r.bm25_score,
                page=page_at(doc.pages, r.passage.start),
                highlights=marked,
                pages=page_range(doc.pages, r.passage.start, r.passage.end),
                highlight_pages=tuple(page_range(doc.pages, s, e) for s, e in marked) if doc.pages else (),
                primary=index.is_primary(r.passage.doc_id),
            )
        )
    return tuple(citations)


def compose(
    index: InspectionIndex,
    question: str,
    ranked: list[RankedPassage],
    chosen: list[ScoredSentence],
    relevance: float,
    abstention: Abstention | None,
    missing: tuple[str, ...] = (),
    unmentioned: bool = False,
    related: list[ScoredSentence] = (),
    kind: str | None = None,
) -> Answer:
    """The answer quoting `chosen` (empty: the abstention, in the words of `abstention_sentence`) with a
    citation for each of `ranked`; `related` sentences are listed apart, only with an abstention."""

    def marker(sentence) -> int:
        return next(n for n, r in enumerate(ranked, 1) if sentence.sentence_id in index.passage_sentences[r.passage.passage_id])

    highlights: dict[int, list[tuple[int, int]]] = {}
    parts = []
    # read the quoted sentences in citation order, and in document order within one passage
    for c in sorted(chosen, key=lambda c: (marker(c.sentence), c.sentence.start)):
        n = marker(c.sentence)
        highlights.setdefault(n, []).append((c.sentence.start, c.sentence.end))
        parts.append(f"{c.sentence.text} [{n}]")
    reason = None if chosen else abstention or Abstention.NOT_RELEVANT
    in_ranked = {sid for r in ranked for sid in index.passage_sentences[r.passage.passage_id]}
    shown = () if chosen else tuple(
        RelatedSentence(s.sentence.text, marker(s.sentence), s.sentence.start, s.sentence.end) for s in related if s.sentence.sentence_id in in_ranked
    )
    return Answer(
        question=question,
        answer=" ".join(parts) if chosen else abstention_sentence(reason, question, missing, unmentioned, kind),
        answerable=bool(chosen),
        citations=cite(index, ranked, highlights),
        relevance=relevance,
        abstention=reason,
        missing=() if chosen else tuple(missing),
        related=shown,
    )
