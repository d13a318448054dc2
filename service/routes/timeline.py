"""GET /timeline: the dated events of the material, oldest first, each with its sentence and the
sources that agree or disagree; narrowed to what a question retrieves with `q`."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Annotated

import numpy as np
from fastapi import APIRouter, Query, Request
from pydantic import ValidationError

from index.answer.caveats import allowed_docs
from index.answer.timeline import build_timeline, event_rows
from index.build.claims import date_label, event_keys
from service.audit import note
from service.deps import Answerer, CallerAccess
from service.errors import error_response
from service.schemas import ErrorResponse, Filters, Kind, TimelineEvent, TimelineResponse, TimelineSource

router = APIRouter(tags=["questions"])

# passages a question's timeline is drawn from: wider than an answer's citations, it is an overview
_TIMELINE_PASSAGES = 10


def _source(index, claim) -> TimelineSource:
    doc = index.documents[claim.doc_id]
    return TimelineSource(
        doc_id=claim.doc_id, title=doc.title, kind=doc.kind, published=doc.published_iso, value=claim.value,
        start=claim.start, end=claim.end, text=doc.text[claim.start : claim.end], primary=index.is_primary(claim.doc_id),
        authority=doc.authority,
    )


@router.get("/timeline", response_model=TimelineResponse, responses={422: {"model": ErrorResponse}, 503: {"model": ErrorResponse}})
def timeline(
    request: Request,
    answerer: Answerer,
    access: CallerAccess,
    q: Annotated[str | None, Query(max_length=2000, description="Only events in the passages this question retrieves, and events it names.")] = None,
    doc_id: Annotated[list[str], Query(max_length=100, description="Only these documents.")] = [],  # noqa: B006
    kind: Annotated[list[Kind], Query(description="Only documents of these kinds.")] = [],  # noqa: B006
    published_from: Annotated[dt.date | None, Query(description="Only documents published on or after this date.")] = None,
    published_to: Annotated[dt.date | None, Query(description="Only documents published on or before this date.")] = None,
    authority: Annotated[list[str], Query(max_length=50, description="Only documents about these local authorities.")] = [],  # noqa: B006
):
    """Dated events in the material, oldest first: each with its date, the sentence that gives it (offsets into
    GET /documents/{doc_id} text) and the other sources that agree or disagree. The same filters as /ask;
    only documents the caller may see."""
    try:
        filters = Filters(doc_id=doc_id, kind=kind, published_from=published_from, published_to=published_to, authority=authority).to_search()
    except ValidationError as exc:
        return error_response(422, "invalid_request", "; ".join(e["msg"] for e in exc.errors()))
    filters = dataclasses.replace(filters, access=access)
    # audited as /search is (service/audit.py): the question, the index build, and every passage shown
    if q and q.strip():
        note(request, question=q.strip(), build_id=answerer.index.path.name)
    else:
        note(request, build_id=answerer.index.path.name)
    index = answerer.view(access)
    docs = allowed_docs(index, filters)
    q = q.strip() if q else None
    if q:
        citations = answerer.search(q, _TIMELINE_PASSAGES, filters)
        sids = {sid for c in citations for sid in index.passage_sentences[c.passage.passage_id]}
        keys = event_keys(q)
        # compared only among the documents the question reached, as an answer's conflicts are
        # (index.answer.caveats.reached_documents): another council's inspection is another event
        reached = {c.passage.doc_id for c in citations}
        rows = index.claims.rows_in_documents(reached if docs is None else reached & docs)
    else:
        rows = np.arange(index.claims.stored) if docs is None else index.claims.rows_in_documents(docs)
    # only events take part in a timeline: claims are made of those rows alone
    among = index.claims.claims(event_rows(index.claims, index.claims.visible(rows)))
    claims = [c for c in among if c.sentence_id in sids or c.about in keys] if q else among
    entries = build_timeline(index, claims, among)
    events = [
        TimelineEvent(
            date=date_label(e.claim.year, e.claim.month_lo, e.claim.month_hi, e.claim.day_lo, e.claim.day_hi, e.claim.resolved == "inferred"),
            sort_date=dt.date(e.claim.year, e.claim.month_lo or 1, e.claim.day_lo or 1).isoformat(),
            about=e.claim.about,
            citation=_source(index, e.claim),
            agree=[_source(index, c) for c in e.agree],
            disagree=[_source(index, c) for c in e.disagree],
            authority=index.documents.metadata(e.claim.doc_id).authority,
        )
        for e in entries
    ]
    shown = [s for e in events for s in (e.citation, *e.agree, *e.disagree)]
    note(request, citations=tuple({"doc_id": s.doc_id, "start": s.start, "end": s.end} for s in shown))
    return TimelineResponse(q=q, events=events)
