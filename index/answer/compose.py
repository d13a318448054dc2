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

    @property
    def answer_page(self) -> int | None:
        """The page a reader should turn to: where the first answer sentence starts, else where the passage does."""
        return self.highlight_pages[0][0] if self.highlight_pages else self.page
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


def cite(index: InspectionIndex, ranked: list[RankedPassage], highlights: dict[int, list[tuple[int, int]]] | None = None) -> tuple[Citation, ...]:
    """A citation per ranked passage, numbered from 1; `highlights` maps a number to its answer sentences."""
    highlights = highlights or {}
    citations = []
    for n, r in enumerate(ranked, 1):
        doc = index.documents[r.passage.doc_id]
        marked = tuple(sorted(highlights.get(n, ())))
        citations.append(
            Citation(
                n=n,
                passage=r.passage,
                title=doc.title,
                kind=doc.kind,
                published=doc.published_iso,
                publisher=doc.publisher,
                score=r.dense_score,
                fused_score=r.score,
                bm25_score=r.bm25_score,
                page=page_at(doc.pages, r.passage.start),
                highlights=marked,
                pages=page_range(doc.pages, r.passage.start, r.passage.end),
                highlight_pages=tuple(page_range(doc.pages, s, e) for s, e in marked) if doc.pages else (),
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
) -> Answer:
    """The answer quoting `chosen` (empty: the abstention) with a citation for each of `ranked`."""

    def marker(sentence) -> int:
        return next(n for n, r in enumerate(ranked, 1) if sentence.sentence_id in index.passage_sentences[r.passage.passage_id])

    highlights: dict[int, list[tuple[int, int]]] = {}
    parts = []
    # read the quoted sentences in citation order, and in document order within one passage
    for c in sorted(chosen, key=lambda c: (marker(c.sentence), c.sentence.start)):
        n = marker(c.sentence)
        highlights.setdefault(n, []).append((c.sentence.start, c.sentence.end))
        parts.append(f"{c.sentence.text} [{n}]")
    return Answer(
        question=question,
        answer=" ".join(parts) if chosen else NO_ANSWER,
        answerable=bool(chosen),
        citations=cite(index, ranked, highlights),
        relevance=relevance,
        abstention=None if chosen else abstention or Abstention.NOT_RELEVANT,
    )
