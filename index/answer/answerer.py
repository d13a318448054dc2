"""Answers questions over one loaded index: analyse the question once, retrieve, score its sentences,
rerank the passages, and compose the cited answer or the abstention.

A caller who may not see every document is answered by an answerer bound to a restricted view of the
index (index.answer.access): every step below then reads only what that caller may see, the word
statistics, the vocabulary and the claims included."""

from __future__ import annotations

import contextvars
import copy
import re
import threading
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from functools import cached_property, lru_cache

import numpy as np

from index.answer.access import EVERYTHING, Access, hidden_documents, restricted_view
from index.answer.caveats import allowed_docs, newer_sources, reached_documents, with_conflicts
from index.answer.compose import Abstention, Answer, Citation, cite, compose
from index.answer.answer_model import AnswerModel
from index.answer.features import Candidate, candidate_features, corpus_subjects
from index.answer.policy import AnswerPolicy, decide
from index.answer.constraints import initialisms
from index.answer.followup import Resolution, Turn, resolve
from index.answer.query import Query, QueryVectorCache, analyse_question
from index.answer.scoring import ScoredSentence, boilerplate_lead, by_belief, rerank, score_sentences, word_set
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
        # read now, not at the first question: a missing or broken model stops start-up with its name (AnswerModelError)
        self.answer_model = AnswerModel.load(settings.answer_model_file)
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
        # in this request's context: what a caller notes per request (service/observe.py's encode time) is kept
        vector = _ENCODING.submit(contextvars.copy_context().run, self.query_vectors, question)
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

    def search(
        self, question: str, top_k: int | None = None, filters: SearchFilters = SearchFilters(), asked: str | None = None
    ) -> tuple[Citation, ...]:
        """The passages an answer to `question` would cite, in the same order (`asked`: see `deliberate`)."""
        if (bound := self.for_caller(filters.access)) is not self:
            return bound.search(question, top_k, filters, asked)
        top_k = top_k or self.settings.top_k
        return cite(self.index, self._decided(question, top_k, filters, asked)[3])

    @cached_property
    def policy(self) -> AnswerPolicy:
        return AnswerPolicy.for_settings(self.settings, self.answer_model.policy)

    @cached_property
    def _subjects(self) -> frozenset[str]:
        return corpus_subjects(self.index)

    def candidates(self, query: Query, scored: list[ScoredSentence], score: bool = True) -> list[Candidate]:
        """The best sentences of the fused pool, each measured once and (with `score`) scored by the answer model."""
        removed = boilerplate_lead(self.index, query, scored, self._tokens)
        measured = candidate_features(
            self.index, query, scored, removed, self._subjects, AnswerPolicy.candidates, self._tokens
        )
        if not score:
            return measured
        return [replace(c, p=p) for c, p in zip(measured, self.answer_model.probabilities([c.features for c in measured]))]

    def deliberate(
        self, question: str, top_k: int, filters: SearchFilters = SearchFilters(), asked: str | None = None, score: bool = True
    ) -> tuple[Query, list[RankedPassage], list[ScoredSentence], list[Candidate]]:
        """Everything the answer is decided from: the `Query` (constraints from `asked`, the question as the user
        wrote it, when `question` is a follow-up's rewrite: the rewrite's words are search context, not constraints),
        the fused pool, its sentences scored, and the candidates measured and scored by the answer model."""
        s = self.settings
        query, lexical = self._analysed(question, max(top_k, s.candidates))
        if asked is not None and asked != question:
            own = self.analyse(asked, query.vector)
            query = replace(query, constraints=own.constraints, unmentioned=own.unmentioned)
        pool = search_passages(self.index, query, max(top_k, s.candidates), filters, s.candidates, s.rrf_k, lexical)
        scored = score_sentences(self.index, query, [r.passage.passage_id for r in pool], self._tokens)
        return query, pool, scored, self.candidates(query, scored, score)

    def _decided(self, question: str, top_k: int, filters: SearchFilters, asked: str | None = None):
        """The question's decision, and the `top_k` passages ordered by the model's belief in their sentences (the
        quoted sentence's passage is cited first)."""
        query, pool, scored, candidates = self.deliberate(question, top_k, filters, asked)
        decision = decide(query, candidates, self.policy)
        ranked = rerank(pool, by_belief(scored, candidates, decision.chosen), self.index, self.settings.distinct_citations)[:top_k]
        return query, scored, decision, ranked

    def answer(self, question: str, top_k: int | None = None, filters: SearchFilters = SearchFilters(), asked: str | None = None) -> Answer:
        """The extractive answer to `question` with its citations, or an abstention with the closest passages
        (`asked`: see `deliberate`)."""
        if (bound := self.for_caller(filters.access)) is not self:
            return bound.answer(question, top_k, filters, asked)
        s = self.settings
        query, scored, decision, ranked = self._decided(question, top_k or s.top_k, filters, asked)
        decline = decision.decline
        answer = compose(
            self.index, question, ranked, [c.scored for c in decision.chosen], scored[0].score if scored else 0.0,
            decline.reason if decline else None,
            missing=tuple(c.text for c in decline.missing) if decline else (),
            unmentioned=bool(query.unmentioned),
            related=[c.scored for c in decision.related],
            kind=query.kind.value,
        )
        # sides that disagree are cited and named; newer material on the first citation's event listed: both
        # among the documents this question's retrieval reached (reached_documents says why)
        docs = reached_documents(scored, allowed_docs(self.index, filters))
        answer = with_conflicts(self.index, query, answer, ranked, scored, s.conflict_margin, docs)
        confidence = self.answer_model.confidence(answer.answerable, decision.best_p)
        return replace(answer, newer=newer_sources(self.index, answer, docs), confidence=confidence, decision=decision)

    def resolve(self, question: str, history: tuple[Turn, ...] = (), filters: SearchFilters = SearchFilters()) -> tuple[Resolution, SearchFilters]:
        """What to search for a question asked after `history` (see followup.py), and the filters to search it with."""
        resolution = resolve(question, history, frozenset(w.lower() for w in self._subjects))
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
        answer = self.answer(resolution.searched_for, top_k, filters, asked=question)
        return replace(answer, question=question), resolution
