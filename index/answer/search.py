"""Hybrid retrieval: dense (FAISS inner product) and BM25 rankings fused by reciprocal rank.

Filters are applied inside each retriever (the vector store's own filter, a mask for BM25), so a
filtered search still returns its full top k rather than what survives a cut.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from index.answer.access import EVERYTHING, Access
from index.answer.query import Query
from index.build.chunk import Passage
from index.build.lexical import bm25_scores
from index.build.store import InspectionIndex
from index.errors import UnknownDocument


@dataclass(frozen=True)
class SearchFilters:
    doc_ids: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    published_from: dt.date | None = None
    published_to: dt.date | None = None
    # who is asking: documents they may not see are filtered out like any other, and never named
    access: Access = EVERYTHING
    authorities: tuple[str, ...] = ()  # only documents about these local authorities (index/ingest/authority.py)

    def is_empty(self) -> bool:
        return self.access.everything and not (self.doc_ids or self.kinds or self.published_from or self.published_to or self.authorities)


@dataclass(frozen=True)
class RankedPassage:
    passage: Passage
    score: float  # fused reciprocal-rank score
    dense_score: float  # cosine similarity with the question
    bm25_score: float


def allowed_passages(index: InspectionIndex, filters: SearchFilters) -> np.ndarray | None:
    """Ids of passages the filters let through, or None when nothing is filtered."""
    if filters.is_empty():
        return None
    # a document the caller may not see is as unknown to them as one that does not exist
    unknown = [d for d in filters.doc_ids if d not in index.documents or not filters.access.may_see(index.documents.metadata(d))]
    if unknown:
        raise UnknownDocument(f"unknown doc_id(s): {', '.join(unknown)}; GET /documents lists the known ones")
    # kinds are open (any slug), so a misspelt one would silently match nothing: name it instead
    held = {index.documents.metadata(d).kind for d in index.documents}  # metadata only: no text decoded
    absent = [k for k in filters.kinds if k not in held]
    if absent:
        raise UnknownDocument(f"no documents of kind {', '.join(map(repr, absent))}; the corpus holds: {', '.join(sorted(held))}")
    wanted = set()
    if filters.authorities:
        # matched without regard to case ("wakefield"); an authority the corpus does not hold is named, as a kind is
        held_authorities = {a.casefold(): a for d in index.documents if (a := index.documents.metadata(d).authority)}
        missing = [a for a in filters.authorities if a.casefold() not in held_authorities]
        if missing:
            raise UnknownDocument(
                f"no documents about authority {', '.join(map(repr, missing))}; the corpus holds: {', '.join(sorted(held_authorities.values())) or 'none'}"
            )
        wanted = {held_authorities[a.casefold()] for a in filters.authorities}

    def keep(doc_id: str) -> bool:
        doc = index.documents.metadata(doc_id)  # no text decoded: every document is looked at
        if not filters.access.may_see(doc):
            return False
        if filters.doc_ids and doc_id not in filters.doc_ids:
            return False
        if filters.kinds and doc.kind not in filters.kinds:
            return False
        if wanted and doc.authority not in wanted:
            return False
        # an undated document cannot be shown to fall inside a date range
        if (filters.published_from or filters.published_to) and doc.published is None:
            return False
        if filters.published_from and doc.published < filters.published_from:
            return False
        if filters.published_to and doc.published > filters.published_to:
            return False
        return True

    kept_docs = [index.documents.number(doc_id) for doc_id in index.documents if keep(doc_id)]
    if len(kept_docs) == index.passage_document_count:
        return None  # a caller who may see every document of this index, and no other filter: search it all
    # passage ids are row numbers, so the rows whose document is kept are the allowed ids
    return np.flatnonzero(np.isin(index.passage_doc_numbers, kept_docs)).astype(np.int64)


def _bm25_ranking(scores: np.ndarray, allowed: np.ndarray | None, k: int):
    if allowed is not None:
        masked = np.full_like(scores, -np.inf)
        masked[allowed] = scores[allowed]
        scores = masked
    # the k-th best score by partition, then the few passages at or above it sorted (ties by id): a full sort
    # of a million scores per question costs ~100 ms, an argpartition of them twice a partition's time
    k = min(k, len(scores))
    if k <= 0:
        return []
    floor = max(np.partition(scores, len(scores) - k)[len(scores) - k], np.float32(0)) if k < len(scores) else 0
    top = np.flatnonzero(scores > floor) if floor == 0 else np.flatnonzero(scores >= floor)
    top = top[np.lexsort((top, -scores[top]))][:k]
    return [(int(i), float(scores[i])) for i in top]


@dataclass(frozen=True)
class LexicalRanking:
    """A question's BM25 score of every passage and, unfiltered, its best `depth` passages: worked out before
    the search (while the question is encoded, index.answer.answerer) and handed to `search_passages`."""

    scores: np.ndarray
    depth: int
    best: list[tuple[int, float]]


def lexical_ranking(index: InspectionIndex, tokens: tuple[str, ...], depth: int) -> LexicalRanking:
    scores = bm25_scores(index.bm25, tokens)
    return LexicalRanking(scores, depth, _bm25_ranking(scores, None, depth))


def search_depth(passages: int, top_k: int, candidates: int) -> int:
    """How many passages each retriever hands to fusion."""
    return min(max(candidates, top_k), passages)


def search_passages(
    index: InspectionIndex,
    query: Query,
    top_k: int,
    filters: SearchFilters = SearchFilters(),
    candidates: int = 30,
    rrf_k: int = 60,
    lexical: LexicalRanking | None = None,
) -> list[RankedPassage]:
    """The `top_k` passages best matching `query`, best first. `lexical`: `lexical_ranking(index, query.tokens, ...)`,
    when the caller worked it out already."""
    allowed = allowed_passages(index, filters)
    if allowed is not None and len(allowed) == 0:
        return []
    k = search_depth(len(index.passages) if allowed is None else len(allowed), top_k, candidates)
    dense = index.vectors.search(query.vector, k, allowed, filters=None if filters.is_empty() else filters)
    lexical_scores = bm25_scores(index.bm25, query.tokens) if lexical is None else lexical.scores
    lexical = lexical.best if lexical is not None and allowed is None and lexical.depth == k else _bm25_ranking(lexical_scores, allowed, k)

    fused: dict[int, float] = {}
    for ranking in (dense, lexical):
        for rank, (pid, _) in enumerate(ranking):
            fused[pid] = fused.get(pid, 0.0) + 1.0 / (rrf_k + rank + 1)
    dense_by_id = dict(dense)
    order = sorted(fused, key=lambda pid: (-fused[pid], pid))[:top_k]
    # a passage only BM25 found has no cosine yet: its vector is read (all of them in one read) and compared
    unscored = [pid for pid in order if pid not in dense_by_id]
    for pid, vector in zip(unscored, index.passage_vectors[unscored] if unscored else ()):
        dense_by_id[pid] = float(vector @ query.vector)
    return [
        RankedPassage(passage=passage, score=fused[passage.passage_id], dense_score=dense_by_id[passage.passage_id],
                      bm25_score=float(lexical_scores[passage.passage_id]))
        for passage in index.passages.many(order)
    ]
