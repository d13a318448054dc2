"""POST /ask (extractive answer with citations) and POST /search (passages only)."""

from __future__ import annotations

import dataclasses
import time
from dataclasses import replace

from fastapi import APIRouter, Request

from service.audit import citations_of, note
from service.deps import Answerer, CallerAccess
from service.schemas import AskRequest, AskResponse, ErrorResponse, SearchRequest, SearchResponse

router = APIRouter(tags=["questions"])

_ERRORS = {422: {"model": ErrorResponse, "description": "Invalid request"}, 503: {"model": ErrorResponse, "description": "Index not loaded"}}


# Plain `def`: FastAPI runs it in a worker thread, so encoding never blocks the event loop.
@router.post("/ask", response_model=AskResponse, responses=_ERRORS)
def ask(body: AskRequest, answerer: Answerer, access: CallerAccess, request: Request) -> AskResponse:
    """Answer a question with sentences quoted from the inspection material, each marked [n]. Only documents
    the caller may see are searched, weighed or quoted."""
    started = time.perf_counter()
    note(request, question=body.question, build_id=answerer.index.path.name)
    # resolve, then answer(): the serving answerer's own answer() (instrumented: counted, timed) answers the follow-up
    filters = dataclasses.replace(body.search_filters(), access=access)
    resolution, filters = answerer.resolve(body.question, body.turns(), filters)
    answer = replace(answerer.answer(resolution.searched_for, body.top_k, filters, asked=body.question), question=body.question)
    note(request, citations=citations_of(answer.citations), abstention=answer.abstention.value if answer.abstention else None)
    return AskResponse.from_answer(answer, took_ms=round((time.perf_counter() - started) * 1000, 2), resolution=resolution)


@router.post("/search", response_model=SearchResponse, responses=_ERRORS)
def search(body: SearchRequest, answerer: Answerer, access: CallerAccess, request: Request) -> SearchResponse:
    """Ranked passages for a question, for systems that do their own answering: the passages /ask would cite, in its order."""
    started = time.perf_counter()
    note(request, question=body.question, build_id=answerer.index.path.name)
    filters = dataclasses.replace(body.search_filters(), access=access)
    resolution, filters = answerer.resolve(body.question, body.turns(), filters)
    citations = answerer.search(resolution.searched_for, body.top_k, filters, asked=body.question)
    note(request, citations=citations_of(citations))
    return SearchResponse.from_citations(body.question, citations, round((time.perf_counter() - started) * 1000, 2), resolution.searched_for)
