"""Request and response bodies of the HTTP API."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from index.answer.compose import Answer, Citation
from index.answer.search import SearchFilters
from index.ingest.corpus import KINDS

Kind = Literal[KINDS]  # type: ignore[valid-type]

_EXAMPLE_QUESTION = "When was the council judged inadequate?"


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("question is blank")
    return value.strip()


# A question as a caller sends it: 1-2000 characters, not only white space, stripped.
Question = Annotated[str, Field(min_length=1, max_length=2000), AfterValidator(_not_blank)]


class Filters(BaseModel):
    model_config = ConfigDict(extra="forbid")

    doc_id: list[str] = Field(default_factory=list, max_length=100, description="Only these documents.")
    kind: list[Kind] = Field(default_factory=list, description="Only documents of these kinds.")
    published_from: dt.date | None = Field(None, description="Only documents published on or after this date (undated ones are left out).")
    published_to: dt.date | None = Field(None, description="Only documents published on or before this date (undated ones are left out).")

    @model_validator(mode="after")
    def _range_in_order(self) -> "Filters":
        if self.published_from and self.published_to and self.published_from > self.published_to:
            raise ValueError("published_from is after published_to")
        return self

    def to_search(self) -> SearchFilters:
        return SearchFilters(tuple(self.doc_id), tuple(self.kind), self.published_from, self.published_to)


class AskRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"question": _EXAMPLE_QUESTION, "top_k": 5}]},
    )

    question: Question = Field(description="The question, in plain words.")
    top_k: int | None = Field(
        None, ge=1, le=20, description="How many passages to cite; when absent, the service's INSPECTQA_TOP_K (default 5)."
    )
    filters: Filters | None = None

    def search_filters(self) -> SearchFilters:
        return self.filters.to_search() if self.filters else SearchFilters()


class SearchRequest(AskRequest):
    pass


class Span(BaseModel):
    start: int
    end: int


class CitationOut(BaseModel):
    n: int = Field(description="The number used in the answer's [n] markers.")
    doc_id: str
    title: str
    kind: str
    published: str | None = Field(description="ISO date, or null where the document does not say.")
    text: str = Field(description="The passage, verbatim: equals the document text from start to end.")
    start: int = Field(description="Character offset of the passage in GET /documents/{doc_id} text.")
    end: int
    score: float = Field(description="Cosine similarity of the passage to the question.")
    highlights: list[Span] = Field(description="Answer sentences inside this passage, as document offsets.")
    page: int | None = Field(None, description="Page (1-based) where the passage starts; null for formats without pages.")
    publisher: str | None = Field(None, description="Who published the document, or null where the corpus does not say.")


class AskResponse(BaseModel):
    question: str
    answer: str = Field(description="Sentences quoted from the sources, each followed by its [n] marker.")
    answerable: bool = Field(description="False when the material does not answer the question.")
    abstention: Literal["not-relevant", "no-figure", "removed-text"] | None = Field(
        None,
        description="Why the material was said not to answer: 'not-relevant' (nothing close enough), 'no-figure' (a how many / "
        "how much / how long / when question and no sentence near the top holds a figure or date about it), 'removed-text' "
        "(the question is about a link or advert captured with a web page, not the page). Null when answered.",
    )
    citations: list[CitationOut]
    took_ms: float

    @classmethod
    def from_answer(cls, answer: Answer, took_ms: float) -> "AskResponse":
        return cls(
            question=answer.question,
            answer=answer.answer,
            answerable=answer.answerable,
            abstention=answer.abstention.value if answer.abstention else None,
            citations=[
                CitationOut(
                    n=c.n,
                    doc_id=c.passage.doc_id,
                    title=c.title,
                    kind=c.kind,
                    published=c.published,
                    text=c.passage.text,
                    start=c.passage.start,
                    end=c.passage.end,
                    score=round(c.score, 4),
                    highlights=[Span(start=s, end=e) for s, e in c.highlights],
                    page=c.page,
                    publisher=c.publisher,
                )
                for c in answer.citations
            ],
            took_ms=took_ms,
        )


class PassageOut(BaseModel):
    rank: int
    doc_id: str
    title: str
    kind: str
    published: str | None
    text: str
    start: int
    end: int
    score: float = Field(
        description="Reciprocal-rank-fusion score of the dense and BM25 rankings. Passages come in the order /ask cites them "
        "(by their best sentence's relevance), so this score need not fall with rank."
    )
    dense_score: float
    bm25_score: float
    page: int | None = Field(None, description="Page (1-based) where the passage starts; null for formats without pages.")


class SearchResponse(BaseModel):
    question: str
    passages: list[PassageOut]
    took_ms: float

    @classmethod
    def from_citations(cls, question: str, citations: tuple[Citation, ...], took_ms: float) -> "SearchResponse":
        return cls(
            question=question,
            passages=[
                PassageOut(
                    rank=c.n,
                    doc_id=c.passage.doc_id,
                    title=c.title,
                    kind=c.kind,
                    published=c.published,
                    text=c.passage.text,
                    start=c.passage.start,
                    end=c.passage.end,
                    score=round(c.fused_score, 6),
                    dense_score=round(c.score, 4),
                    bm25_score=round(c.bm25_score, 4),
                    page=c.page,
                )
                for c in citations
            ],
            took_ms=took_ms,
        )


class DocumentSummary(BaseModel):
    doc_id: str
    title: str
    publisher: str | None
    kind: str
    published: str | None
    passage_count: int
    url: str | None = Field(None, description="Where the document was published (http or https), or null.")


class DocumentOut(DocumentSummary):
    text: str = Field(description="The clean text that citation offsets point into.")


class ErrorBody(BaseModel):
    code: str
    message: str


class ErrorResponse(BaseModel):
    error: ErrorBody


# ---------------------------------------------------------------- feedback


class FeedbackRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "question": "When was the council judged inadequate?",
                    "answer": "… most recently in June 2018 “Inadequate”. [1]",
                    "answerable": True,
                    "rating": "up",
                    "comment": "Right letter, right date.",
                    "citations": ["recruiter-blog-wakefield-new-lease-of-life"],
                }
            ]
        },
    )

    question: Question = Field(description="The question as asked.")
    answer: str = Field(max_length=20000, description="The answer the page showed.")
    answerable: bool = Field(description="The answer's `answerable` flag.")
    rating: Literal["up", "down"]
    comment: str | None = Field(None, max_length=2000, description="Optional words from the reader.")
    citations: list[Annotated[str, Field(max_length=200)]] = Field(
        default_factory=list, max_length=50, description="doc_id of each citation shown, in order."
    )

    @field_validator("comment")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None


class FeedbackSaved(BaseModel):
    id: int
    created_at: str
    edit_token: str | None = Field(None, description="Secret that lets the same page add a comment or change the rating (PATCH /feedback/{id}); returned by POST only.")


class FeedbackUpdate(BaseModel):
    """PATCH /feedback/{id}: the comment (or a changed rating) added after one click saved the rating."""

    model_config = ConfigDict(extra="forbid")

    edit_token: str = Field(min_length=1, max_length=200, description="The `edit_token` POST /feedback returned for this record.")
    rating: Literal["up", "down"] | None = None
    comment: str | None = Field(None, max_length=2000, description="Words from the reader; an empty string removes the comment.")


# ---------------------------------------------------------------- admin


class AddedDocument(BaseModel):
    doc_id: str
    title: str
    kind: str
    published: str | None
    publisher: str | None
    file: str


class RemovedDocument(BaseModel):
    doc_id: str
    file: str


class ReloadResponse(BaseModel):
    status: Literal["reloaded"]
    message: str
    passages: int
    built_at: str
