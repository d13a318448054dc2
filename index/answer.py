"""Extractive answers: the few retrieved sentences that best answer a question, each cited.

Nothing here writes text of its own except the fixed abstention sentence: every other word
of an answer is a sentence from a source document, followed by the marker of its citation.
"""

from __future__ import annotations

import enum
import heapq
import re
import time
from collections.abc import Callable
from functools import lru_cache
from collections import OrderedDict
from dataclasses import dataclass, field
from threading import Lock

import numpy as np

from index.answer_type import AnswerType, expected_answer_type, holds_answer_type
from index.chunk import Passage, Sentence
from index.embed import Encoder
from index.lexical import tokenize
from index.search import RankedPassage, SearchFilters, search_passages
from index.settings import Settings
from index.store import InspectionIndex

NO_ANSWER = "The inspection material does not answer this."


class Abstention(str, enum.Enum):
    """Why an answer says the material does not answer (each rule below names its own)."""

    NOT_RELEVANT = "not-relevant"  # no sentence is relevant enough (or the filters left none)
    NO_FIGURE = "no-figure"  # a how-many / how-much / how-long / when question, and no sentence near the top holds one
    REMOVED_TEXT = "removed-text"  # the question is about a teaser or advert cleaning removed, not the page

# Lines such as "Overview" or "Dear Beate" are sentences to the splitter but answer nothing:
# an answer sentence is a statement of some length ending as sentences end.
_MIN_ANSWER_CHARS = 25
_STATEMENT_END = re.compile(r"[.!?][\"”’')\]]*$")
# A sentence is scored with its passage: cosine similarity catches paraphrase, IDF-weighted word
# overlap catches names and figures MiniLM blurs, and the passage terms favour sentences whose
# surroundings are also on topic. Weights chosen on the dev set (eval/README.md).
_SENTENCE_COSINE = 1.0
_SENTENCE_OVERLAP = 0.4
_PASSAGE_COSINE = 0.5
_PASSAGE_OVERLAP = 0.2
# Further sentences join the answer only when nearly as relevant as the best one.
_ANSWER_MARGIN = 0.15
# A figure-holding sentence may trail the best on-topic sentence by this much and still answer
# a "how many" or "when" question; further behind, the material does not hold the figure.
_TYPED_MARGIN = 0.25
# ... and it must be about the thing asked: a figure in a sentence sharing none of the question's
# rarer words ("12-week standard" for "how long are CAMHS waits?") answers something else.
_TYPED_MIN_OVERLAP = 0.1
# Two sentences this similar say the same thing (news items quoting the letter).
_DUPLICATE_COSINE = 0.92
# Several documents report the same finding; the inspectorate's own words are the primary source.
_PRIMARY_KINDS = frozenset({"inspection-letter", "inspection-report"})
_PRIMARY_SOURCE_BONUS = 0.02
# Removed sentences compared with the question by overlap after a cosine preselection of this many.
_BOILERPLATE_CANDIDATES = 20


@dataclass(frozen=True)
class Citation:
    n: int
    passage: Passage
    title: str
    kind: str
    published: str | None
    score: float
    highlights: tuple[tuple[int, int], ...] = ()  # answer sentences inside this passage, as document offsets


@dataclass(frozen=True)
class Answer:
    question: str
    answer: str
    answerable: bool
    citations: tuple[Citation, ...]
    relevance: float  # score of the best sentence, the quantity abstention is decided on
    took_ms: float = 0.0
    abstention: Abstention | None = None  # why the material was said not to answer; None when answered


@dataclass(frozen=True)
class _ScoredSentence:
    sentence: Sentence
    score: float
    overlap: float = 0.0  # IDF-weighted share of the question's words the sentence itself holds
    own: float = 0.0  # the sentence's own part of the score, without its passage's


def _score_sentences(
    index: InspectionIndex,
    question: str,
    query_vector: np.ndarray,
    passage_ids: list[int],
    tokens: Callable[[str], frozenset[str]] = lambda text: frozenset(tokenize(text)),
):
    """Every sentence of the given passages that could answer `question`, scored, best first (each once)."""
    answer_type = expected_answer_type(question)

    def could_answer(text: str) -> bool:
        # a bare date line ("1 November 2019") answers "when was the letter sent?" and nothing else
        return _is_statement(text) or (answer_type is AnswerType.DATE and len(text) >= 8 and holds_answer_type(text, answer_type))

    lexicon = index.lexicon
    q_tokens = lexicon.question_weights(set(tokenize(question)))
    best: dict[int, _ScoredSentence] = {}
    for pid in passage_ids:
        sids = [sid for sid in index.passage_sentences[pid] if could_answer(index.sentences[sid].text)]
        if not sids:
            continue
        passage = index.passages[pid]
        context = _PASSAGE_COSINE * float(index.passage_vectors[pid] @ query_vector) + _PASSAGE_OVERLAP * lexicon.weighted_overlap(
            q_tokens, tokens(passage.text)
        )
        if index.documents[passage.doc_id].kind in _PRIMARY_KINDS:
            context += _PRIMARY_SOURCE_BONUS
        cosines = index.sentence_vectors[sids] @ query_vector
        for sid, cos in zip(sids, cosines):
            overlap = lexicon.weighted_overlap(q_tokens, tokens(index.sentences[sid].text))
            own = _SENTENCE_COSINE * float(cos) + _SENTENCE_OVERLAP * overlap
            if sid not in best or own + context > best[sid].score:
                best[sid] = _ScoredSentence(index.sentences[sid], own + context, overlap, own)
    return sorted(best.values(), key=lambda x: (-x.score, x.sentence.sentence_id))


def _is_statement(text: str) -> bool:
    return len(text) >= _MIN_ANSWER_CHARS and bool(_STATEMENT_END.search(text))


def _normalise(text: str) -> str:
    return re.sub(r"\W+", " ", text.lower()).strip()


def _pick_answer_sentences(
    index: InspectionIndex, question: str, scored: list[_ScoredSentence], limit: int, threshold: float, max_chars: int
):
    """The best sentence and up to `limit - 1` nearly-as-good others that fit in `max_chars`, or
    ([], why) to abstain."""
    candidates = scored
    if not candidates or candidates[0].score < threshold:
        return [], Abstention.NOT_RELEVANT
    answer_type = expected_answer_type(question)
    if answer_type is not None:
        typed = [c for c in candidates if c.overlap >= _TYPED_MIN_OVERLAP and holds_answer_type(c.sentence.text, answer_type)]
        if not typed or typed[0].score < candidates[0].score - _TYPED_MARGIN:
            return [], Abstention.NO_FIGURE
        candidates = typed
    best = candidates[0].score
    chosen: list[_ScoredSentence] = []
    length = 0
    for cand in candidates:
        if len(chosen) == limit or cand.score < max(threshold, best - _ANSWER_MARGIN):
            break
        if chosen and length + len(cand.sentence.text) > max_chars:
            continue  # a shorter supporting sentence may still fit
        vec = index.sentence_vectors[cand.sentence.sentence_id]
        if any(
            _normalise(c.sentence.text) == _normalise(cand.sentence.text)
            or float(index.sentence_vectors[c.sentence.sentence_id] @ vec) > _DUPLICATE_COSINE
            for c in chosen
        ):
            continue
        chosen.append(cand)
        length += len(cand.sentence.text)
    return chosen, None


def _rerank(
    ranked: list[RankedPassage], scored: list[_ScoredSentence], index: InspectionIndex, distinct: bool = True
) -> list[RankedPassage]:
    """Order passages by their best sentence, fused retrieval score breaking ties.

    Overlapping chunks share sentences, so two neighbouring passages often have the same best
    sentence and would tie, filling two citation slots with one piece of evidence. With `distinct`,
    a passage is ranked by its best sentence not already in a passage ranked above it: each place
    goes to the passage adding the most relevant evidence not yet shown.
    """
    sentence_score = {s.sentence.sentence_id: s.score for s in scored}
    # each passage's sentences, best first; a sentence that cannot answer scores -1
    options = [
        sorted(((sentence_score.get(sid, -1.0), sid) for sid in index.passage_sentences[r.passage.passage_id]), key=lambda o: -o[0])
        for r in ranked
    ]
    shown: set[int] = set()

    def gain(i: int) -> float:
        return next((score for score, sid in options[i] if sid not in shown), -1.0)

    if not distinct:
        return [ranked[i] for i in sorted(range(len(ranked)), key=lambda i: (-gain(i), -ranked[i].score))]
    # lazy greedy: a passage's gain only falls as sentences are shown, so a popped entry whose gain
    # is unchanged is still the best; one whose gain fell goes back with its new value
    heap = [(-gain(i), -r.score, i) for i, r in enumerate(ranked)]
    heapq.heapify(heap)
    order: list[RankedPassage] = []
    while heap:
        neg_gain, neg_fused, i = heapq.heappop(heap)
        if (now := gain(i)) < -neg_gain:
            heapq.heappush(heap, (-now, neg_fused, i))
            continue
        order.append(ranked[i])
        shown.update(index.passage_sentences[ranked[i].passage.passage_id])
    return order


class QuestionAnswerer:
    """Answers questions over one loaded index. Thread-safe; query vectors are cached (bounded LRU)."""

    def __init__(self, index: InspectionIndex, encoder: Encoder, settings: Settings, cache_size: int = 1024):
        self.index = index
        self.encoder = encoder
        self.settings = settings
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size
        self._lock = Lock()
        self.cache_hits = 0
        self.cache_misses = 0
        # the same passages come back question after question: tokenise each text once
        self._tokens = lru_cache(maxsize=100_000)(lambda text: frozenset(tokenize(text)))

    def query_vector(self, question: str) -> np.ndarray:
        with self._lock:
            if (vec := self._cache.get(question)) is not None:
                self._cache.move_to_end(question)
                self.cache_hits += 1
                return vec
        vec = self.encoder.encode([question])[0]
        with self._lock:
            self.cache_misses += 1
            self._cache[question] = vec
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return vec

    def _boilerplate_lead(self, question: str, query_vector: np.ndarray, scored: list[_ScoredSentence]) -> float:
        """How far the removed sentence best matching `question` outscores the best kept one, each on its own
        terms (cosine and word overlap, no passage context); -inf when no removed sentence counts.

        Only a removed sentence holding some question word that no kept passage uses counts: that word
        is what the question is about, and only the chrome names it. A heading cleaning dropped
        ("Inspection of children's social care services") repeats the kept text's words and is no trap.
        """
        index, lexicon = self.index, self.index.lexicon
        weights = lexicon.question_weights(set(tokenize(question)))
        unknown = {t for t in weights if t not in lexicon.frequencies}
        if not unknown or not len(index.boilerplate) or not scored:
            return -np.inf
        cosines = index.boilerplate_vectors @ query_vector
        removed = -np.inf
        # the closest few only: an index of many pages holds many removed sentences
        for i in np.argsort(-cosines)[:_BOILERPLATE_CANDIDATES]:
            tokens = self._tokens(index.boilerplate[i])
            if unknown & tokens:
                removed = max(removed, _SENTENCE_COSINE * float(cosines[i]) + _SENTENCE_OVERLAP * lexicon.weighted_overlap(weights, tokens))
        return removed - max(x.own for x in scored)

    def _ranked(self, question: str, top_k: int, filters: SearchFilters):
        """The question's vector, every sentence of the fused pool scored, and the pool's `top_k` passages reranked."""
        s = self.settings
        query_vector = self.query_vector(question)
        pool = search_passages(self.index, question, query_vector, max(top_k, s.candidates), filters, s.candidates, s.rrf_k)
        scored = _score_sentences(self.index, question, query_vector, [r.passage.passage_id for r in pool], self._tokens)
        return query_vector, scored, _rerank(pool, scored, self.index, s.distinct_citations)[:top_k]

    def search(self, question: str, top_k: int, filters: SearchFilters = SearchFilters()) -> list[RankedPassage]:
        """The passages an answer to `question` would cite, in the same order."""
        return self._ranked(question, top_k, filters)[2]

    def answer(self, question: str, top_k: int | None = None, filters: SearchFilters = SearchFilters()) -> Answer:
        started = time.perf_counter()
        top_k = top_k or self.settings.top_k
        s = self.settings
        query_vector, scored, ranked = self._ranked(question, top_k, filters)
        in_top = {sid for r in ranked for sid in self.index.passage_sentences[r.passage.passage_id]}
        chosen, abstention = _pick_answer_sentences(
            self.index, question, [x for x in scored if x.sentence.sentence_id in in_top], s.answer_sentences, s.abstain_threshold, s.answer_max_chars
        )
        if chosen and self._boilerplate_lead(question, query_vector, scored) >= s.abstain_boilerplate_margin:
            chosen, abstention = [], Abstention.REMOVED_TEXT
        relevance = scored[0].score if scored else 0.0
        return _compose(self.index, question, ranked, chosen, relevance, started, abstention)


def _compose(index, question, ranked, chosen, relevance, started, abstention: Abstention | None) -> Answer:
    def marker(sentence: Sentence) -> int:
        return next(n for n, r in enumerate(ranked, 1) if sentence.sentence_id in index.passage_sentences[r.passage.passage_id])

    highlights: dict[int, list[tuple[int, int]]] = {}
    parts = []
    # read the quoted sentences in citation order, and in document order within one passage
    for c in sorted(chosen, key=lambda c: (marker(c.sentence), c.sentence.start)):
        n = marker(c.sentence)
        highlights.setdefault(n, []).append((c.sentence.start, c.sentence.end))
        parts.append(f"{c.sentence.text} [{n}]")
    citations = []
    for n, r in enumerate(ranked, 1):
        doc = index.documents[r.passage.doc_id]
        citations.append(
            Citation(
                n=n,
                passage=r.passage,
                title=doc.title,
                kind=doc.kind,
                published=doc.published_iso,
                score=round(r.dense_score, 4),
                highlights=tuple(sorted(highlights.get(n, ()))),
            )
        )
    return Answer(
        question=question,
        answer=" ".join(parts) if chosen else NO_ANSWER,
        answerable=bool(chosen),
        citations=tuple(citations),
        relevance=round(relevance, 4),
        took_ms=round((time.perf_counter() - started) * 1000, 2),
        abstention=None if chosen else abstention or Abstention.NOT_RELEVANT,
    )


def answer_question(answerer: QuestionAnswerer, question: str, top_k: int | None = None, filters: SearchFilters = SearchFilters()) -> Answer:
    """The extractive answer to `question` with its citations, or an abstention with the closest passages."""
    return answerer.answer(question, top_k, filters)
