"""Scoring rules of the answer stage, as pure functions over a loaded index and an analysed `Query`.

A sentence is scored with its passage: cosine similarity catches paraphrase, IDF-weighted word
overlap catches names and figures MiniLM blurs, and the passage terms favour sentences whose
surroundings are also on topic. Weights chosen on the dev set (eval/README.md).
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from index.answer.answer_type import AnswerType, holds_answer_type
from index.answer.query import Query
from index.answer.search import RankedPassage
from index.build.chunk import Sentence
from index.build.lexical import tokenize
from index.build.store import InspectionIndex

# Lines such as "Overview" or "Dear Beate" are sentences to the splitter but answer nothing:
# an answer sentence is a statement of some length ending as sentences end.
MIN_ANSWER_CHARS = 25
_STATEMENT_END = re.compile(r"[.!?][\"”’')\]]*$")
SENTENCE_COSINE = 1.0
SENTENCE_OVERLAP = 0.4
PASSAGE_COSINE = 0.5
PASSAGE_OVERLAP = 0.2
# Several documents report the same finding; the inspectorate's own words (InspectionIndex.is_primary) are preferred.
PRIMARY_SOURCE_BONUS = 0.02
# Removed sentences compared with the question by overlap after a cosine preselection of this many.
BOILERPLATE_CANDIDATES = 20

Tokens = Callable[[str], frozenset[str]]


def word_set(text: str) -> frozenset[str]:
    return frozenset(tokenize(text))


@dataclass(frozen=True)
class ScoredSentence:
    sentence: Sentence
    score: float
    overlap: float = 0.0  # IDF-weighted share of the question's words the sentence itself holds
    own: float = 0.0  # the sentence's own part of the score, without its passage's


def is_statement(text: str) -> bool:
    return len(text) >= MIN_ANSWER_CHARS and bool(_STATEMENT_END.search(text))


def could_answer(text: str, answer_type: AnswerType | None) -> bool:
    """Whether a sentence is the kind of line that can answer at all."""
    # a bare date line ("1 November 2019") answers "when was the letter sent?" and nothing else
    return is_statement(text) or (answer_type is AnswerType.DATE and len(text) >= 8 and holds_answer_type(text, answer_type))


def weighted_overlap(weights, tokens: Iterable[str]) -> float:
    """Share of the question's IDF mass (`Query.weights`) that `tokens` cover, 0..1."""
    tokens = tokens if isinstance(tokens, (set, frozenset)) else set(tokens)
    return sum(w for t, w in weights.items() if t in tokens)


def score_sentences(
    index: InspectionIndex, query: Query, passage_ids: list[int], tokens: Tokens = word_set
) -> list[ScoredSentence]:
    """Every sentence of the given passages that could answer `query`, scored, best first (each once);
    passages of `primary_kinds` (the inspectorate's own documents) get a small bonus."""
    # each sentence and vector read once, all of them in one go (passages overlap; vectors are read from disk)
    inside = {pid: index.passage_sentences[pid] for pid in passage_ids}
    held = sorted({sid for ids in inside.values() for sid in ids})
    sentences = dict(zip(held, index.sentences.many(held)))
    answering = {sid for sid, s in sentences.items() if could_answer(s.text, query.answer_type)}
    wanted = [pid for pid in dict.fromkeys(passage_ids) if any(sid in answering for sid in inside[pid])]
    if not wanted:
        return []
    sids = sorted(answering)
    passage_cosines = {pid: float(vector @ query.vector) for pid, vector in zip(wanted, index.passage_vectors[wanted])}
    sentence_cosines = dict(zip(sids, (index.sentence_vectors[sids] @ query.vector).tolist()))
    best: dict[int, ScoredSentence] = {}
    for passage in index.passages.many(wanted):
        pid = passage.passage_id
        context = PASSAGE_COSINE * passage_cosines[pid] + PASSAGE_OVERLAP * weighted_overlap(query.weights, tokens(passage.text))
        if index.is_primary(passage.doc_id):
            context += PRIMARY_SOURCE_BONUS
        for sid in inside[pid]:
            if sid not in answering:
                continue
            overlap = weighted_overlap(query.weights, tokens(sentences[sid].text))
            own = SENTENCE_COSINE * sentence_cosines[sid] + SENTENCE_OVERLAP * overlap
            if sid not in best or own + context > best[sid].score:
                best[sid] = ScoredSentence(sentences[sid], own + context, overlap, own)
    return sorted(best.values(), key=lambda x: (-x.score, x.sentence.sentence_id))


def by_belief(scored: list[ScoredSentence], candidates, chosen) -> list[ScoredSentence]:
    """`scored` re-valued for ranking passages by what the answer model believes: the quoted sentences first, then
    the candidates by their chance of answering, then every other sentence by relevance (index.answer.features)."""
    quoted = {c.sentence.sentence_id for c in chosen}
    belief = {c.sentence.sentence_id: (2.0 if c.sentence.sentence_id in quoted else 0.0) + c.p for c in candidates}
    # relevance is a sum of a few cosines and shares: well inside +-_UNSEEN, so an unseen sentence ranks below every candidate
    return [ScoredSentence(s.sentence, belief.get(s.sentence.sentence_id, s.score - _UNSEEN), s.overlap, s.own) for s in scored]


_UNSEEN = 100.0


def rerank(ranked: list[RankedPassage], scored: list[ScoredSentence], index: InspectionIndex, distinct: bool = True) -> list[RankedPassage]:
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


def boilerplate_lead(index: InspectionIndex, query: Query, scored: list[ScoredSentence], tokens: Tokens = word_set) -> float:
    """How far the removed sentence best matching the question outscores the best kept one, each on its own
    terms (cosine and word overlap, no passage context); -inf when no removed sentence counts.

    Only a removed sentence holding some question word that no kept passage uses counts: that word
    is what the question is about, and only the chrome names it. A heading cleaning dropped
    ("Inspection of children's social care services") repeats the kept text's words and is no trap.
    """
    unknown = query.unknown_words(index.lexicon)
    if not unknown or not len(index.boilerplate) or not scored:
        return -np.inf
    cosines = index.boilerplate_vectors @ query.vector
    removed = -np.inf
    # the closest few only: an index of many pages holds many removed sentences
    for i in np.argsort(-cosines)[:BOILERPLATE_CANDIDATES]:
        words = tokens(index.boilerplate[i])
        if unknown & words:
            removed = max(removed, SENTENCE_COSINE * float(cosines[i]) + SENTENCE_OVERLAP * weighted_overlap(query.weights, words))
    return removed - max(x.own for x in scored)
