"""Answers questions over one loaded index: analyse the question once, retrieve, score its sentences,
rerank the passages, and compose the cited answer or the abstention."""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

from index.answer.compose import Abstention, Answer, Citation, cite, compose
from index.answer.followup import Resolution, Turn, resolve
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
        scored = score_sentences(self.index, query, [r.passage.passage_id for r in pool], self._tokens)
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
        return compose(self.index, question, ranked, chosen, relevance, Abstention(reason) if reason else None)

    def resolve(self, question: str, history: tuple[Turn, ...] = (), filters: SearchFilters = SearchFilters()) -> tuple[Resolution, SearchFilters]:
        """What to search for a question asked after `history` (see followup.py), and the filters to search it with."""
        resolution = resolve(question, history)
        # "that letter": only a document this index holds and the caller's own filters let through
        keep = tuple(d for d in resolution.doc_ids if d in self.index.documents and (not filters.doc_ids or d in filters.doc_ids))
        if resolution.doc_ids != keep:
            resolution = replace(resolution, doc_ids=keep)
        return resolution, (replace(filters, doc_ids=keep) if keep else filters)

    def answer_in_conversation(
        self, question: str, history: tuple[Turn, ...] = (), top_k: int | None = None, filters: SearchFilters = SearchFilters()
    ) -> tuple[Answer, Resolution]:
        """`answer` for a question asked after `history`, searched as it resolves; the answer carries the question as asked."""
        resolution, filters = self.resolve(question, history, filters)
        answer = self.answer(resolution.searched_for, top_k, filters)
        return replace(answer, question=question), resolution
