"""What a system under evaluation hands back for one question, whatever the system is."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RetrievedPassage:
    text: str
    score: float  # as the system reports it (cosine for ours and naive, BM25 for bm25)
    source: str  # doc_id, or the raw file name for the naive baseline


@dataclass(frozen=True)
class Reply:
    answer: str
    answerable: bool
    passages: tuple[RetrievedPassage, ...]  # best first
    latency_ms: float
    relevance: float | None = None  # the in-process pipeline's abstention score; HTTP replies lack it
    abstention: str | None = None  # why it declined, where the system says
    confidence: float | None = None  # where the system reports one
