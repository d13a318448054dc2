"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from service.consistency import unsettled_change

from service.deps import State
from service.errors import error_response

router = APIRouter(tags=["health"])


# async: answered on the event loop, so a burst of slow requests filling the worker threads cannot hold it up
@router.get("/healthz")
async def healthz() -> dict:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(state: State, request: Request) -> JSONResponse:
    """200 once the index is loaded, `status` "ready", or "degraded" with the `reason` while the corpus and the
    served index may not agree (an unfinished change left by a crash, or documents.yaml changed without a
    rebuild); 503 with the reason when no index is loaded."""
    if state.answerer is None:
        return error_response(503, "index_not_ready", f"the index is not loaded: {state.not_ready_reason}")
    manifest = state.answerer.index.manifest
    body = {"status": "ready", "passages": manifest.passage_count, "documents": manifest.document_count, "built_at": manifest.built_at, "model": manifest.model}
    reasons = [r for r in (getattr(request.app.state, "recovery_problem", None), unsettled_change(state.settings.corpus_dir), state.disagreement) if r]
    if reasons:
        body.update(status="degraded", reason="; ".join(reasons))
    if recovered := getattr(request.app.state, "recovered", None):
        body["recovered"] = recovered
    return JSONResponse(body)
