"""Answers questions over one loaded index: analyse the question once, retrieve, score its sentences,
rerank the passages, and compose the cited answer or the abstention."""

from __future__ import annotations

import dataclasses
from functools import lru_cache

from index.answer.caveats import allowed_docs, newer_sources, with_conflicts
from index.answer.compose import Abstention, Answer, Citation, cite, compose
from index.answer.query import Query, QueryVectorCache, analyse_question
from index.answer.scoring import ScoredSentence, boilerplate_lead, pick_answer_sentences, rerank, score_sentences, word_set
from index.answer.search import RankedPassage, SearchFilters, search_passages
from index.build.embed import Encoder
from index.build.store import InspectionIndex
from index.settings import Settings


class QuestionAnswerer:
    """Answers questions over one loaded index. Thread-safe; query vectors are cached (bounded LRU)."""

    def __init__(self, index: InspectionIndex, encoder: Encoder, settings: Settings, cache_size: int = 1024):
        self.index = index
        self.encoder = encoder
        self.settings = settings
        # through self.encoder at call time, so a wrapper installed later (metrics) is used
        self.query_vectors = QueryVectorCache(lambda text: self.encoder.encode([text])[0], cache_size)
        # the same passages come back question after question: tokenise each text once
        self._tokens = lru_cache(maxsize=100_000)(word_set)

    @property
    def cache_hits(self) -> int:
        return self.query_vectors.hits

    @property
    def cache_misses(self) -> int:
        return self.query_vectors.misses

    def analyse(self, question: str) -> Query:
        """The question analysed once, for every later stage."""
        return analyse_question(question, self.query_vectors(question), self.index.lexicon)

    def _ranked(self, query: Query, top_k: int, filters: SearchFilters) -> tuple[list[ScoredSentence], list[RankedPassage]]:
        """Every sentence of the fused pool scored, and the pool's `top_k` passages reranked."""
        s = self.settings
        pool = search_passages(self.index, query, max(top_k, s.candidates), filters, s.candidates, s.rrf_k)
        scored = score_sentences(self.index, query, [r.passage.passage_id for r in pool], self._tokens, frozenset(s.primary_kinds))
        return scored, rerank(pool, scored, self.index, s.distinct_citations)[:top_k]

    def search(self, question: str, top_k: int | None = None, filters: SearchFilters = SearchFilters()) -> tuple[Citation, ...]:
        """The passages an answer to `question` would cite, in the same order."""
        return cite(self.index, self._ranked(self.analyse(question), top_k or self.settings.top_k, filters)[1])

    def answer(self, question: str, top_k: int | None = None, filters: SearchFilters = SearchFilters()) -> Answer:
        """The extractive answer to `question` with its citations, or an abstention with the closest passages."""
        s = self.settings
        query = self.analyse(question)
        scored, ranked = self._ranked(query, top_k or s.top_k, filters)
        in_top = {sid for r in ranked for sid in self.index.passage_sentences[r.passage.passage_id]}
        chosen, reason = pick_answer_sentences(
            self.index, query, [x for x in scored if x.sentence.sentence_id in in_top], s.answer_sentences, s.abstain_threshold, s.answer_max_chars
        )
        if chosen and boilerplate_lead(self.index, query, scored, self._tokens) >= s.abstain_boilerplate_margin:
            chosen, reason = [], Abstention.REMOVED_TEXT
        relevance = scored[0].score if scored else 0.0
        answer = compose(self.index, question, ranked, chosen, relevance, Abstention(reason) if reason else None)
        # sides that disagree are cited and named; newer material on the first citation's event listed
        docs = allowed_docs(self.index, filters)
        answer = with_conflicts(self.index, query, answer, ranked, scored, s.conflict_margin, docs)
        return dataclasses.replace(answer, newer=newer_sources(self.index, answer, docs))
