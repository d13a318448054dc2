"""One feature record per candidate answer sentence, computed once from the `Query`.

The answer stage (index/answer/stage.py) scores these records with one learned model and decides once;
every check it may decline on reads them too. Nothing here decides: each field is a measurement of the
sentence against the question (how close, what it covers, whether it holds the kind of fact asked for)
or of the question against the corpus (words no passage uses, what cleaning removed).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, fields

from index.answer.answer_type import AnswerType, holds_answer_type
from index.answer.context import sentence_context
from index.answer.query import Query
from index.answer.scoring import SENTENCE_OVERLAP, ScoredSentence, word_set
from index.build.lexical import tokenize
from index.answer.support import check, draws_on_document_dates
from index.build.store import InspectionIndex
from index.english import PENDING

# kinds a sentence must hold a fact of to answer at all (a salary needs a sum of money)
TYPED_KINDS = frozenset(
    {
        AnswerType.COUNT, AnswerType.AMOUNT, AnswerType.DATE, AnswerType.DURATION, AnswerType.MONEY, AnswerType.PERCENT,
        AnswerType.PERSON, AnswerType.PLACE, AnswerType.GRADE, AnswerType.WHO,
    }
)
# ... of which these want a figure or a date: without one the reply is `no-figure` (a salary without a sum of money
# is `wrong-type`: "does not give a salary")
FIGURE_KINDS = frozenset({AnswerType.COUNT, AnswerType.AMOUNT, AnswerType.DATE, AnswerType.DURATION, AnswerType.PERCENT})
# a question about the outcome of something: "what judgement did it get?", "what was the result?"
_OUTCOME = re.compile(r"\b(?:judgements?|judgments?|grades?|graded|rated|ratings?|results?|outcomes?|verdicts?|decisions?|decided|findings)\b", re.I)
# a capitalised word in at least this share of documents (and two of them) is the corpus's own subject
SUBJECT_DOCUMENT_SHARE = 0.5


@dataclass(frozen=True)
class SentenceFeatures:
    """What the answer model reads for one (question, sentence) pair. Question-level fields repeat on every
    sentence of a question: they move how likely any sentence is to answer."""

    cosine: float  # the sentence's embedding against the question's
    overlap: float  # share of the question's IDF weight the sentence holds
    context: float  # the passage part of its relevance (passage cosine and overlap, primary bonus)
    relevance_gap: float  # relevance minus the best candidate's (0 for the best)
    cosine_gap: float
    overlap_gap: float
    # the question's words that are not its constraints (its topic: "inspectors spoke to") against the sentence's own:
    # a sentence matching only the dates and names ("This letter summarises the visit of 9 and 10 October 2019")
    # covers the constraints and says nothing about what is asked
    topic_overlap: float  # share of the topic words' weight the sentence holds
    topic_gap: float  # ... minus the best candidate's
    bigrams: float  # share of the question's adjacent word pairs the sentence holds in order
    rank: float  # log(1 + its place by relevance)
    typed: float  # holds the kind of fact asked for (1 when the kind needs none)
    untyped: float  # the kind needs a fact and the sentence holds none
    typed_figure: float  # the kind needs a figure or date and the sentence holds one
    typed_gap: float  # relevance minus the best candidate's that holds the kind of fact asked for (0 for that one)
    covered: float  # share of the question's constraints the sentence and its surroundings cover (1 without constraints)
    uncovered: float  # constraints it leaves uncovered
    primary: float  # from the inspectorate's own documents
    length: float  # log of its length in characters / 100
    pending: float  # says an outcome is still to come ("the results are expected to be published")
    outcome_pending: float  # ... and the question asks for an outcome
    # question-level
    constraints: float
    unmentioned: float  # a constraint no passage uses
    unknown_share: float  # question weight on words no passage uses
    removed_lead: float  # how far text cleaning removed matches better than the kept text (clipped to -1..1)
    typed_kind: float
    figure_kind: float

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    def vector(self) -> tuple[float, ...]:
        # not dataclasses.astuple: it deep-copies every field, a third of an answer's time
        return tuple(float(getattr(self, name)) for name in _NAMES)


_NAMES = SentenceFeatures.names()


@dataclass(frozen=True)
class Candidate:
    """A sentence that may be quoted, its measurements, and (once scored) the model's chance that it answers."""

    scored: ScoredSentence
    features: SentenceFeatures
    typed: bool
    missing: tuple  # the Constraints it leaves uncovered
    p: float = 0.0

    @property
    def sentence(self):
        return self.scored.sentence


def asks_outcome(query: Query) -> bool:
    return query.kind is AnswerType.GRADE or bool(_OUTCOME.search(query.text))


def corpus_subjects(index: InspectionIndex) -> frozenset[str]:
    """Capitalised words most documents use: the corpus's own places and bodies ("Wakefield", "Ofsted"), found by
    document frequency, so a sentence naming them does not count as naming the person or body a question asks for."""
    docs = list(index.documents.values())
    counts: Counter[str] = Counter()
    for doc in docs:
        counts.update(set(re.findall(r"\b[A-Z][a-z]{2,}\b", doc.text)))
    floor = max(2, math.ceil(SUBJECT_DOCUMENT_SHARE * len(docs)))
    return frozenset(w for w, n in counts.items() if n >= floor)


def _bigram_share(pairs: set[tuple[str, str]], text: str) -> float:
    if not pairs:
        return 0.0
    words = tokenize(text)
    return len(pairs & set(zip(words, words[1:]))) / len(pairs)


def candidate_features(
    index: InspectionIndex,
    query: Query,
    scored: list[ScoredSentence],
    removed_lead: float,
    subjects: frozenset[str],
    limit: int,
    tokens=word_set,
) -> list[Candidate]:
    """The best `limit` sentences by relevance (`scored` is best first), each measured once."""
    top = scored[:limit]
    if not top:
        return []
    cosines = [s.own - SENTENCE_OVERLAP * s.overlap for s in top]
    best_relevance, best_cosine, best_overlap = top[0].score, max(cosines), max(s.overlap for s in top)
    dated = draws_on_document_dates(query.constraints)
    typed_kind = query.kind in TYPED_KINDS
    outcome = asks_outcome(query)
    n_constraints = len(query.constraints)
    unknown = query.unknown_words(index.lexicon)
    unknown_share = sum(w for t, w in query.weights.items() if t in unknown)
    lead = max(-1.0, min(1.0, removed_lead)) if math.isfinite(removed_lead) else -1.0
    constrained = {t for c in query.constraints for t in c.tokens}
    topic = {t: w for t, w in query.weights.items() if t not in constrained}
    topic_mass = sum(topic.values()) or 1.0
    topic_overlaps = [sum(w for t, w in topic.items() if t in tokens(s.sentence.text)) / topic_mass for s in top]
    best_topic = max(topic_overlaps)
    pairs = set(zip(query.tokens, query.tokens[1:]))

    verdicts = [check(query.kind, query.constraints, sentence_context(index, s.sentence, dated), subjects) for s in top]
    typed_all = [v.typed or not typed_kind for v in verdicts]
    best_typed = max((s.score for s, t in zip(top, typed_all) if t), default=best_relevance)
    out = []
    for rank, (s, cosine, verdict, typed) in enumerate(zip(top, cosines, verdicts, typed_all)):
        sentence = s.sentence
        # an outcome still to come: "the results ... are expected in the new year", not "this letter will be published"
        pending = bool(PENDING.search(sentence.text)) and bool(_OUTCOME.search(sentence.text))
        context = s.score - s.own  # its best passage's cosine and overlap, and the primary-source bonus
        features = SentenceFeatures(
            cosine=cosine,
            overlap=s.overlap,
            context=context,
            relevance_gap=s.score - best_relevance,
            cosine_gap=cosine - best_cosine,
            overlap_gap=s.overlap - best_overlap,
            topic_overlap=topic_overlaps[rank],
            topic_gap=topic_overlaps[rank] - best_topic,
            bigrams=_bigram_share(pairs, sentence.text),
            rank=math.log1p(rank),
            typed=float(typed),
            untyped=float(typed_kind and not typed),
            typed_figure=float(typed and query.kind in FIGURE_KINDS),
            typed_gap=s.score - best_typed,
            covered=1.0 - len(verdict.missing) / n_constraints if n_constraints else 1.0,
            uncovered=float(len(verdict.missing)),
            primary=float(index.is_primary(sentence.doc_id)),
            length=math.log(max(len(sentence.text), 1) / 100),
            pending=float(pending),
            outcome_pending=float(pending and outcome),
            constraints=float(n_constraints),
            unmentioned=float(bool(query.unmentioned)),
            unknown_share=unknown_share,
            removed_lead=lead,
            typed_kind=float(typed_kind),
            figure_kind=float(query.kind in FIGURE_KINDS),
        )
        out.append(Candidate(s, features, typed, verdict.missing))
    return out
