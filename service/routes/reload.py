"""POST /admin/reload: load the index as built on disk and swap it in (the mechanism is service/reload.py)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from service.access import require_admin
from service.errors import ReloadFailed
from service.reload import reload_index
from service.schemas import ErrorResponse, ReloadResponse

router = APIRouter(tags=["operations"])


@router.post(
    "/admin/reload",
    response_model=ReloadResponse,
    responses={403: {"model": ErrorResponse}, 409: {"model": ErrorResponse, "description": "Reload failed; the previous index keeps serving"},
               503: {"model": ErrorResponse, "description": "Reload failed and no index is loaded"}},
)  # fmt: skip
async def admin_reload(request: Request, _admin=Depends(require_admin)) -> ReloadResponse:
    """Load the index at INSPECTQA_INDEX_DIR again (after `inspectqa index build`) and swap it in. Admin key."""
    swap = await reload_index(request.app)
    if not swap.ok:
        raise ReloadFailed(swap.message, serving=swap.serving)
    manifest = request.app.state.service.answerer.index.manifest
    return ReloadResponse(status="reloaded", message=swap.message, passages=manifest.passage_count, built_at=manifest.built_at)
