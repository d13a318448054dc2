"""Answers questions over one loaded index: analyse the question once, retrieve, score its sentences,
rerank the passages, and compose the cited answer or the abstention.

A caller who may not see every document is answered by an answerer bound to a restricted view of the
index (index.answer.access): every step below then reads only what that caller may see, the word
statistics, the vocabulary and the claims included."""

from __future__ import annotations

import copy
import re
import threading
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from functools import cached_property, lru_cache

import numpy as np

from index.answer.access import EVERYTHING, Access, hidden_documents, restricted_view
from index.answer.caveats import allowed_docs, declined_with_disagreement, newer_sources, reached_documents, with_conflicts
from index.answer.compose import Abstention, Answer, Citation, cite, compose
from index.answer.confidence import ReplyFeatures, answer_supported, confidence
from index.answer.constraints import initialisms
from index.answer.followup import Resolution, Turn, resolve
from index.answer.grounding import asks_for_several, ground
from index.answer.query import Query, QueryVectorCache, analyse_question
from index.answer.scoring import ScoredSentence, boilerplate_lead, pick_answer_sentences, rerank, score_sentences, word_set
from index.answer.search import LexicalRanking, RankedPassage, SearchFilters, lexical_ranking, search_depth, search_passages
from index.build.builder import embedding_text, split_letter
from index.build.embed import Encoder
from index.build.lexical import tokenize
from index.build.store import InspectionIndex
from index.settings import Settings

# bound answerers kept, one per set of hidden documents (few: one per combination of groups)
_VIEWS_KEPT = 16
# questions being encoded while their BM25 scores are worked out (QuestionAnswerer._analysed); one thread
# per request the server runs at once, the encoder's own lock and thread count decide the rest
_ENCODING = ThreadPoolExecutor(max_workers=8, thread_name_prefix="inspectqa-encode")
# the vector of a Query analysed while its question is still being encoded; replaced before anything reads it
_VECTOR_PENDING = np.empty(0, dtype=np.float32)


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
        self._views: OrderedDict[frozenset[str], QuestionAnswerer] = OrderedDict()
        self._views_lock = threading.Lock()

    def for_caller(self, access: Access = EVERYTHING) -> "QuestionAnswerer":
        """This answerer for a caller with `access`: itself for one who may see every document, else one bound
        to the restricted view (sharing the model and the query cache)."""
        hidden = hidden_documents(self.index, access)
        if not hidden:
            return self
        with self._views_lock:
            if hidden in self._views:
                self._views.move_to_end(hidden)
                return self._views[hidden]
            lexical = self._lexical_texts()
            bound = copy.copy(self)
            for name in ("_vocabulary", "_initialisms"):  # cached over the whole index: worked out again over the view
                bound.__dict__.pop(name, None)
            bound.index = restricted_view(self.index, hidden, lambda p: lexical[(p.doc_id, p.start, p.end)])
            bound._views = OrderedDict()
            self._views[hidden] = bound
            while len(self._views) > _VIEWS_KEPT:
                self._views.popitem(last=False)
            return bound

    def _lexical_texts(self) -> dict[tuple[str, int, int], str]:
        """The text each passage was BM25-indexed under, by (doc_id, start, end), worked out as the build did
        (a letter's passage is indexed by its untrimmed span), so a view's statistics match a build's."""
        out = {}
        for doc in self.index.documents.values():
            passages, _, retrieval = split_letter(doc, self.settings, 0, 0)
            out.update({(p.doc_id, p.start, p.end): embedding_text(doc.title, text) for p, text in zip(passages, retrieval)})
        return out

    def view(self, access: Access = EVERYTHING) -> InspectionIndex:
        """The index as a caller with `access` finds it."""
        return self.for_caller(access).index

    @property
    def cache_hits(self) -> int:
        return self.query_vectors.hits

    @property
    def cache_misses(self) -> int:
        return self.query_vectors.misses

    def analyse(self, question: str, vector: np.ndarray | None = None) -> Query:
        """The question analysed once, for every later stage (`vector`: its embedding, when already known)."""
        vector = self.query_vectors(question) if vector is None else vector
        return analyse_question(question, vector, self.index.lexicon, lambda: self._vocabulary, lambda: self._initialisms)

    def _analysed(self, question: str, top_k: int) -> tuple[Query, LexicalRanking | None]:
        """The `Query`, and the question's BM25 ranking worked out on this thread while the model encodes it on
        another: a question's encode runs on one core (index.build.embed), and BM25 needs only the words, so
        on a second core it costs no time (~10 ms a question at a million passages, docs/performance.md).
        A question whose vector is cached is analysed at once and ranked by search_passages as usual."""
        if self.query_vectors.holds(question):
            return self.analyse(question), None
        vector = _ENCODING.submit(self.query_vectors, question)
        depth = search_depth(len(self.index.passages), top_k, self.settings.candidates)
        lexical = lexical_ranking(self.index, tuple(tokenize(question)), depth)
        query = self.analyse(question, _VECTOR_PENDING)
        self._tokenise_until(vector, [pid for pid, _ in lexical.best])
        return replace(query, vector=vector.result()), lexical

    def _tokenise_until(self, encoding: Future, passage_ids: list[int]) -> None:
        """While the question is still being encoded, tokenise the sentences of the BM25 candidates into the
        cache score_sentences reads (most of them are in the fused pool): time that would be spent waiting."""
        for pid in passage_ids:
            if encoding.done():
                return
            passage = self.index.passages[pid]
            self._tokens(passage.text)
            for sentence in self.index.sentences.many(self.index.passage_sentences[pid]):
                self._tokens(sentence.text)

    @cached_property
    def _vocabulary(self) -> frozenset[str]:
        """Every word of the index as written, apostrophes dropped: near spellings of a question's names are known."""
        return frozenset(w.replace("'", "") for d in self.index.documents.values() for w in re.findall(r"[a-z][a-z']+", d.text.lower().replace("’", "'")))

    @cached_property
    def _initialisms(self) -> frozenset[str]:
        return frozenset().union(*(initialisms(d.text) for d in self.index.documents.values()))

    def _ranked(
        self, query: Query, top_k: int, filters: SearchFilters, lexical: LexicalRanking | None = None
    ) -> tuple[list[ScoredSentence], list[RankedPassage]]:
        """Every sentence of the fused pool scored, and the pool's `top_k` passages reranked."""
        s = self.settings
        pool = search_passages(self.index, query, max(top_k, s.candidates), filters, s.candidates, s.rrf_k, lexical)
        scored = score_sentences(self.index, query, [r.passage.passage_id for r in pool], self._tokens, frozenset(s.primary_kinds))
        return scored, rerank(pool, scored, self.index, s.distinct_citations)[:top_k]

    def search(self, question: str, top_k: int | None = None, filters: SearchFilters = SearchFilters()) -> tuple[Citation, ...]:
        """The passages an answer to `question` would cite, in the same order."""
        if (bound := self.for_caller(filters.access)) is not self:
            return bound.search(question, top_k, filters)
        top_k = top_k or self.settings.top_k
        query, lexical = self._analysed(question, max(top_k, self.settings.candidates))
        return cite(self.index, self._ranked(query, top_k, filters, lexical)[1])

    def answer(self, question: str, top_k: int | None = None, filters: SearchFilters = SearchFilters()) -> Answer:
        """The extractive answer to `question` with its citations, or an abstention with the closest passages."""
        if (bound := self.for_caller(filters.access)) is not self:
            return bound.answer(question, top_k, filters)
        s = self.settings
        top_k = top_k or s.top_k
        query, lexical = self._analysed(question, max(top_k, s.candidates))
        scored, ranked = self._ranked(query, top_k, filters, lexical)
        in_top = {sid for r in ranked for sid in self.index.passage_sentences[r.passage.passage_id]}
        candidates = [x for x in scored if x.sentence.sentence_id in in_top]
        chosen, reason = pick_answer_sentences(self.index, query, candidates, s.answer_sentences, s.abstain_threshold, s.answer_max_chars)
        if chosen and boilerplate_lead(self.index, query, scored, self._tokens) >= s.abstain_boilerplate_margin:
            chosen, reason = [], Abstention.REMOVED_TEXT
        grounding = ground(self.index, query, candidates) if chosen and s.support_check else None
        if grounding is not None:  # issue 13: quote only sentences that answer, each checked on its own
            limit = s.answer_sentences if asks_for_several(query) else 1
            chosen, reason = pick_answer_sentences(self.index, query, grounding.supported, limit, s.abstain_threshold, s.answer_max_chars)
            reason = grounding.abstention or reason
        relevance = scored[0].score if scored else 0.0
        features = self._features(query, relevance, chosen, grounding)
        related = list(grounding.related) if grounding else []
        if chosen and answer_supported(features) < s.answer_gate:  # the learned combiner: on topic, probably not an answer
            chosen, reason, related = [], Abstention.LOW_SUPPORT, chosen[:1]
            features = replace(features, answered=0.0, answered_relevance=0.0)
        answer = compose(
            self.index, question, ranked, chosen, relevance, Abstention(reason) if reason else None,
            missing=tuple(c.text for c in grounding.missing) if grounding else (),
            unmentioned=bool(query.unmentioned),
            related=related,
            kind=query.kind.value,
        )
        # sides that disagree are cited and named; newer material on the first citation's event listed: both
        # among the documents this question's retrieval reached (reached_documents says why)
        docs = reached_documents(scored, allowed_docs(self.index, filters))
        answer = with_conflicts(self.index, query, answer, ranked, scored, s.conflict_margin, docs)
        answer = declined_with_disagreement(self.index, query, answer, ranked, scored, s.conflict_margin, docs)
        return replace(answer, newer=newer_sources(self.index, answer, docs), confidence=confidence(features), features=features)

    def _features(self, query: Query, relevance: float, chosen: list[ScoredSentence], grounding) -> ReplyFeatures:
        """What the answer gate and the confidence are computed from."""
        unknown = query.unknown_words(self.index.lexicon)
        return ReplyFeatures(
            answered=float(bool(chosen)),
            relevance=relevance,
            answered_relevance=relevance if chosen else 0.0,
            share_supported=grounding.share_supported if grounding else 0.0,
            constraints=float(len(query.constraints)),
            unmentioned=float(bool(query.unmentioned)),
            own=max((c.own for c in chosen), default=0.0),
            overlap=max((c.overlap for c in chosen), default=0.0),
            unknown_share=sum(w for t, w in query.weights.items() if t in unknown),
        )

    def resolve(self, question: str, history: tuple[Turn, ...] = (), filters: SearchFilters = SearchFilters()) -> tuple[Resolution, SearchFilters]:
        """What to search for a question asked after `history` (see followup.py), and the filters to search it with."""
        resolution = resolve(question, history)
        # "that letter": only a document this caller may see and their own filters let through
        visible = self.view(filters.access).documents
        keep = tuple(d for d in resolution.doc_ids if d in visible and (not filters.doc_ids or d in filters.doc_ids))
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
