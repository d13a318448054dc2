"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from service.deps import State
from service.errors import error_response

router = APIRouter(tags=["health"])


# async: answered on the event loop, so a burst of slow requests filling the worker threads cannot hold it up
@router.get("/healthz")
async def healthz() -> dict:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(state: State) -> JSONResponse:
    """200 once the index is loaded; 503 with the reason when it is not."""
    if state.answerer is None:
        return error_response(503, "index_not_ready", f"the index is not loaded: {state.not_ready_reason}")
    manifest = state.answerer.index.manifest
    return JSONResponse(
        {"status": "ready", "passages": manifest.passage_count, "documents": manifest.document_count, "built_at": manifest.built_at, "model": manifest.model}
    )
