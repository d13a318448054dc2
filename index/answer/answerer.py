"""Answers questions over one loaded index: analyse the question once, retrieve, score its sentences,
rerank the passages, and compose the cited answer or the abstention."""

from __future__ import annotations

import threading
from collections import OrderedDict
from functools import lru_cache

from index.answer.access import EVERYTHING, Access, hidden_documents, restricted_view
from index.answer.compose import Abstention, Answer, Citation, cite, compose
from index.answer.query import Query, QueryVectorCache, analyse_question
from index.answer.scoring import ScoredSentence, boilerplate_lead, pick_answer_sentences, rerank, score_sentences, word_set
from index.answer.search import RankedPassage, SearchFilters, search_passages
from index.build.builder import embedding_text
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
        # restricted views of the index, one per set of hidden documents (few: one per combination of groups)
        self._views: OrderedDict[frozenset[str], InspectionIndex] = OrderedDict()
        self._views_lock = threading.Lock()

    def view(self, access: Access = EVERYTHING) -> InspectionIndex:
        """The index as a caller with `access` finds it (index.answer.access): the index itself for one who
        may see every document. Everything that answers a caller reads this view, never `self.index`."""
        hidden = hidden_documents(self.index, access)
        if not hidden:
            return self.index
        with self._views_lock:
            if hidden in self._views:
                self._views.move_to_end(hidden)
                return self._views[hidden]
            titles = {d: doc.title for d, doc in self.index.documents.items()}
            view = restricted_view(self.index, hidden, lambda p: embedding_text(titles[p.doc_id], p.text))
            self._views[hidden] = view
            while len(self._views) > 16:
                self._views.popitem(last=False)
            return view

    @property
    def cache_hits(self) -> int:
        return self.query_vectors.hits

    @property
    def cache_misses(self) -> int:
        return self.query_vectors.misses

    def analyse(self, question: str, access: Access = EVERYTHING) -> Query:
        """The question analysed once, for every later stage (word weights from what `access` may see)."""
        return analyse_question(question, self.query_vectors(question), self.view(access).lexicon)

    def _ranked(self, index: InspectionIndex, query: Query, top_k: int, filters: SearchFilters) -> tuple[list[ScoredSentence], list[RankedPassage]]:
        """Every sentence of the fused pool scored, and the pool's `top_k` passages reranked."""
        s = self.settings
        pool = search_passages(index, query, max(top_k, s.candidates), filters, s.candidates, s.rrf_k)
        scored = score_sentences(index, query, [r.passage.passage_id for r in pool], self._tokens)
        return scored, rerank(pool, scored, index, s.distinct_citations)[:top_k]

    def search(self, question: str, top_k: int | None = None, filters: SearchFilters = SearchFilters()) -> tuple[Citation, ...]:
        """The passages an answer to `question` would cite, in the same order."""
        index = self.view(filters.access)
        return cite(index, self._ranked(index, self.analyse(question, filters.access), top_k or self.settings.top_k, filters)[1])

    def answer(self, question: str, top_k: int | None = None, filters: SearchFilters = SearchFilters()) -> Answer:
        """The extractive answer to `question` with its citations, or an abstention with the closest passages."""
        s = self.settings
        index = self.view(filters.access)
        query = self.analyse(question, filters.access)
        scored, ranked = self._ranked(index, query, top_k or s.top_k, filters)
        in_top = {sid for r in ranked for sid in index.passage_sentences[r.passage.passage_id]}
        chosen, reason = pick_answer_sentences(
            index, query, [x for x in scored if x.sentence.sentence_id in in_top], s.answer_sentences, s.abstain_threshold, s.answer_max_chars
        )
        if chosen and boilerplate_lead(index, query, scored, self._tokens) >= s.abstain_boilerplate_margin:
            chosen, reason = [], Abstention.REMOVED_TEXT
        relevance = scored[0].score if scored else 0.0
        return compose(index, question, ranked, chosen, relevance, Abstention(reason) if reason else None)
