"""Request and response bodies of the HTTP API."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from index.answer.compose import Answer, Citation
from index.answer.followup import MAX_TURNS, Resolution, Turn
from index.answer.search import SearchFilters
from index.ingest.corpus import KIND_PATTERN

# any lower-case slug: the corpus may hold minutes, improvement plans, ... (GET /documents lists the kinds it holds)
Kind = Annotated[str, Field(pattern=KIND_PATTERN)]

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
    authority: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(
        default_factory=list, max_length=50, description="Only documents about these local authorities (GET /documents/facets lists them)."
    )

    @model_validator(mode="after")
    def _range_in_order(self) -> "Filters":
        if self.published_from and self.published_to and self.published_from > self.published_to:
            raise ValueError("published_from is after published_to")
        return self

    def to_search(self) -> SearchFilters:
        return SearchFilters(tuple(self.doc_id), tuple(self.kind), self.published_from, self.published_to, authorities=tuple(self.authority))


class CitedSpan(BaseModel):
    model_config = ConfigDict(extra="ignore")  # a caller may send back the whole citation it was given

    doc_id: str = Field(min_length=1, max_length=200)
    start: int = Field(ge=0)
    end: int = Field(ge=0)


class HistoryTurn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: Question = Field(description="An earlier question, as it was asked.")
    answer: str | None = Field(None, max_length=20000, description="The answer it was given (optional).")
    citations: list[CitedSpan] = Field(default_factory=list, max_length=20, description="What that answer cited, in [n] order (optional).")

    def to_turn(self) -> Turn:
        return Turn(self.question, self.answer or "", tuple(c.doc_id for c in self.citations))


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
    history: list[HistoryTurn] = Field(
        default_factory=list,
        max_length=MAX_TURNS,
        description=f"Up to {MAX_TURNS} earlier turns of the conversation, oldest first. A question that refers back to them "
        "('and in 2021?', 'who led it?', 'that letter') is searched with what it refers to; nothing is kept on the server.",
    )

    def search_filters(self) -> SearchFilters:
        return self.filters.to_search() if self.filters else SearchFilters()

    @field_validator("history", mode="before")
    @classmethod
    def _history_not_too_long(cls, value):
        if isinstance(value, list) and len(value) > MAX_TURNS:
            raise ValueError(f"{len(value)} turns; send at most the last {MAX_TURNS} turns of the conversation, oldest first")
        return value

    def turns(self) -> tuple[Turn, ...]:
        return tuple(t.to_turn() for t in self.history)


class SearchRequest(AskRequest):
    pass


class Span(BaseModel):
    start: int
    end: int
    page: int | None = Field(
        None, description="Page (1-based) the sentence starts on; null for formats without pages. Added field: older clients ignore it."
    )
    pages: list[int] | None = Field(
        None,
        description="[first, last] page the sentence lies on: a sentence broken by a page break names both pages and is "
        "highlighted on both. Null for formats without pages.",
    )


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
    pages: list[int] | None = Field(
        None, description="[first, last] page the passage lies on; the answer sentences' own pages are in highlights[].page."
    )
    for_disagreement: bool = Field(
        False,
        description="True for a citation added after the top_k ranked ones because it holds a side of a disagreement "
        "(see conflicts); the ranked citations come first and keep their order.",
    )
    publisher: str | None = Field(None, description="Who published the document, or null where the corpus does not say.")
    authority: str | None = Field(None, description="The local authority the document is about, or null where none was found.")


def _located(c: Citation) -> dict:
    """What /ask citations and /search passages both say of a passage: its document and where it lies."""
    return {
        "doc_id": c.passage.doc_id,
        "title": c.title,
        "kind": c.kind,
        "published": c.published,
        "text": c.passage.text,
        "start": c.passage.start,
        "end": c.passage.end,
        "page": c.page,
        "pages": list(c.pages) if c.pages else None,
        "authority": c.authority,
    }


def _span(citation: Citation, i: int) -> Span:
    start, end = citation.highlights[i]
    pages = citation.highlight_pages[i] if i < len(citation.highlight_pages) else None
    return Span(start=start, end=end, page=pages[0] if pages else None, pages=list(pages) if pages else None)


class ConflictClaimOut(BaseModel):
    value: str = Field(description="The date or figure as this source gives it; an inferred year in brackets, e.g. 'February (2018)'.")
    n: int = Field(description="The citation holding the sentence that says it.")
    doc_id: str
    start: int = Field(description="The sentence, as offsets into GET /documents/{doc_id} text.")
    end: int
    primary: bool = Field(description="True for the inspectorate's own letter or report.")


class ConflictOut(BaseModel):
    about: str = Field(description="The event or measure the sources disagree on, as a short key ('inspection', 'focused visit').")
    claims: list[ConflictClaimOut] = Field(description="Every side, the primary source first where there is one.")


class NewerOut(BaseModel):
    doc_id: str
    published: str
    start: int = Field(description="A sentence of the newer document about the same event, as document offsets.")
    end: int


class RelatedOut(BaseModel):
    text: str
    n: int = Field(description="The citation whose passage holds the sentence.")
    start: int
    end: int


class AskResponse(BaseModel):
    question: str
    answer: str = Field(description="Sentences quoted from the sources, each followed by its [n] marker.")
    answerable: bool = Field(description="False when the material does not answer the question.")
    abstention: Literal["not-relevant", "no-figure", "removed-text", "not-mentioned", "wrong-type", "low-support", "pending"] | None = Field(
        None,
        description="Why the material was said not to answer: 'not-relevant' (nothing close enough), 'no-figure' (a how many / "
        "how much / how long / when question and no sentence near the top holds a figure or date about it), 'removed-text' "
        "(the question is about a link or advert captured with a web page, not the page), 'not-mentioned' (a name, date, "
        "figure or term of the question that no answering sentence covers; see `missing`), 'wrong-type' (sentences on the "
        "subject, none holding the kind of fact asked for, such as a salary or a name), 'low-support' (on the subject, but the "
        "answer model learned on labelled questions judges no sentence likely to answer; shown under `related`), 'pending' "
        "(the question asks for an outcome the material says is still to come). "
        "Null when answered.",
    )
    citations: list[CitationOut]
    took_ms: float
    conflicts: list[ConflictOut] = Field(
        default_factory=list,
        description="Where the cited sources give different dates or figures for the same event or measure: each side with its "
        "citation. The answer then ends with one sentence naming the disagreement.",
    )
    newer: list[NewerOut] = Field(
        default_factory=list, description="Newer dated documents that speak about the same event or measure as the first citation."
    )
    confidence: float = Field(
        0.0,
        ge=0.0,
        le=1.0,
        description="Estimated chance that the reply is right: for an answer, that it holds the evidence; for a decline, that "
        "declining is right. Calibrated on the labelled dev questions (eval/README.md); below 0.5 the chat page says 'not sure'.",
    )
    missing: list[str] = Field(
        default_factory=list, description="With abstention 'not-mentioned': the question's own words that no answering sentence covers."
    )
    related: list[RelatedOut] = Field(
        default_factory=list,
        description="With an abstention: sentences on the question's subject that do not answer it, never the answer; n is their citation.",
    )
    searched_for: str | None = Field(
        None, description="The question as it was searched: equals `question` when it stood alone, else rewritten from the history."
    )
    rewrite: str | None = Field(None, description="Why the question was rewritten (what referred back, what was brought in); null when it stood alone.")
    narrowed_to: list[str] = Field(default_factory=list, description="doc_ids a follow-up such as 'that letter' was searched in.")

    @classmethod
    def from_answer(cls, answer: Answer, took_ms: float, resolution: Resolution | None = None) -> "AskResponse":
        resolution = resolution or Resolution(answer.question)

        def number(claim) -> int:
            return next(c.n for c in answer.citations if c.passage.doc_id == claim.doc_id and c.passage.start <= claim.start < c.passage.end)

        primary = {c.passage.doc_id: c.primary for c in answer.citations}
        return cls(
            searched_for=resolution.searched_for,
            rewrite=resolution.why or None,
            narrowed_to=list(resolution.doc_ids),
            question=answer.question,
            answer=answer.answer,
            answerable=answer.answerable,
            abstention=answer.abstention.value if answer.abstention else None,
            confidence=round(answer.confidence, 3),
            missing=list(answer.missing),
            related=[RelatedOut(text=r.text, n=r.n, start=r.start, end=r.end) for r in answer.related],
            citations=[
                CitationOut(
                    **_located(c),
                    n=c.n,
                    score=round(c.score, 4),
                    highlights=[_span(c, i) for i in range(len(c.highlights))],
                    for_disagreement=c.for_disagreement,
                    publisher=c.publisher,
                )
                for c in answer.citations
            ],
            took_ms=took_ms,
            conflicts=[
                ConflictOut(
                    about=conflict.about,
                    claims=[
                        ConflictClaimOut(
                            value=claim.value, n=number(claim), doc_id=claim.doc_id, start=claim.start, end=claim.end,
                            primary=primary.get(claim.doc_id, False),
                        )
                        for side in conflict.sides
                        for claim in side
                    ],
                )
                for conflict in answer.conflicts
            ],
            newer=[NewerOut(doc_id=n.doc_id, published=n.published, start=n.start, end=n.end) for n in answer.newer],
        )


class TimelineSource(BaseModel):
    doc_id: str
    title: str
    kind: str
    published: str | None
    value: str = Field(description="The date as this source gives it.")
    start: int = Field(description="The sentence, as offsets into GET /documents/{doc_id} text.")
    end: int
    text: str = Field(description="The sentence, verbatim: equals the document text from start to end.")
    primary: bool
    authority: str | None = Field(None, description="The local authority the document is about, or null where none was found.")


class TimelineEvent(BaseModel):
    date: str = Field(description="The date, at the grain the source gives it: '2018', 'summer 2018', 'July 2018', '9-10 October 2019'.")
    sort_date: str = Field(description="ISO date of the start of that period, for ordering.")
    about: str = Field(description="The event, as a short key made from the sentence's words.")
    citation: TimelineSource
    agree: list[TimelineSource] = Field(description="Other sources giving a compatible date for the same event.")
    disagree: list[TimelineSource] = Field(description="Other sources giving a different date for the same event.")
    authority: str | None = Field(None, description="The local authority the event is about: sources of other authorities never agree or disagree with it.")


class TimelineResponse(BaseModel):
    q: str | None
    events: list[TimelineEvent] = Field(description="Dated events, oldest first.")


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
    pages: list[int] | None = Field(None, description="[first, last] page the passage lies on; null for formats without pages.")
    authority: str | None = Field(None, description="The local authority the document is about, or null where none was found.")


class SearchResponse(BaseModel):
    question: str
    passages: list[PassageOut]
    took_ms: float
    searched_for: str | None = Field(None, description="The question as it was searched, as in POST /ask.")

    @classmethod
    def from_citations(cls, question: str, citations: tuple[Citation, ...], took_ms: float, searched_for: str | None = None) -> "SearchResponse":
        return cls(
            searched_for=searched_for or question,
            question=question,
            passages=[
                PassageOut(
                    **_located(c),
                    rank=c.n,
                    score=round(c.fused_score, 6),
                    dense_score=round(c.score, 4),
                    bm25_score=round(c.bm25_score, 4),
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
    authority: str | None = Field(None, description="The local authority the document is about, or null where none was found.")
    authority_source: str | None = Field(
        None, description="How it was found: documents.yaml, addressee (a letter's addressee block), council-mention, services-mention, or not-found."
    )


class FacetCount(BaseModel):
    value: str | None = Field(description="The facet's value; null counts the documents with none.")
    count: int


class DocumentFacets(BaseModel):
    authority: list[FacetCount] = Field(description="Documents per local authority, most first.")
    kind: list[FacetCount] = Field(description="Documents per kind, most first.")


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
    access: list[str] = Field(default_factory=list, description="Groups that may see it; empty: everyone allowed on the service.")


class RemovedDocument(BaseModel):
    doc_id: str
    file: str


class JobStatus(BaseModel):
    """A corpus change (upload or removal) run in the background: poll GET /admin/jobs/{job_id} until published or failed."""

    job_id: str
    kind: Literal["add", "remove"]
    state: Literal["queued", "extracting", "building", "loading", "published", "failed"]
    progress: float = Field(description="0 when queued, 1 when published or failed.")
    doc_id: str | None = Field(None, description="The document added or removed (for an upload, known once its text is read unless given).")
    file: str | None = Field(None, description="The uploaded file's name (as a slug).")
    reason: str | None = Field(None, description="Why it failed.")
    code: str | None = Field(None, description="The error code it failed with, e.g. duplicate_document, unsupported_document, reload_failed, interrupted.")
    document: AddedDocument | None = Field(None, description="The document as added, once published.")
    created_at: str
    updated_at: str
    url: str = Field(description="Where to poll this job.")


class ReloadResponse(BaseModel):
    status: Literal["reloaded"]
    message: str
    passages: int
    built_at: str


class AuditCitation(BaseModel):
    doc_id: str
    start: int
    end: int


class AuditEntry(BaseModel):
    id: int
    at: str = Field(description="UTC time the request finished.")
    user: str = Field(description="Key name or SSO user.")
    via: str = Field(description="key, sso or none (auth off).")
    groups: list[str]
    method: str
    route: str = Field(description="The route template, e.g. /documents/{doc_id} (JOB: a corpus-change job finishing).")
    path: str | None = Field(None, description="The path requested, control characters escaped (\\xNN), at most 300 characters.")
    status: int
    question: str | None = Field(description="'hmac-sha256:<hex>' (keyed hash, the default) or the text (INSPECTQA_AUDIT_QUESTIONS=true).")
    question_kind: str | None
    citations: list[AuditCitation] = Field(description="Passages shown, in rank order.")
    abstention: str | None
    build_id: str | None = Field(description="The index build that answered.")
    latency_ms: float
    detail: str | None


class AuditPage(BaseModel):
    records: list[AuditEntry]
    next_before_id: int | None = Field(description="Pass as before_id for the next (older) page; null on the last page.")
