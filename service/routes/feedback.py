"""POST /feedback (a thumbs up/down on one answer), PATCH /feedback/{id} (its comment, added later) and
GET /admin/feedback/export (CSV or JSON for review, admin only).

Feedback holds colleagues' questions and comments, which may name children and staff: only an admin
key reads it back, a page at a time."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse, Response

from fastapi.exceptions import HTTPException

from service.access import require_admin
from service.deps import Answerer, CallerAccess
from service.feedback import FeedbackStore, NewFeedback, to_csv
from service.schemas import ErrorResponse, FeedbackRequest, FeedbackSaved, FeedbackUpdate

router = APIRouter(tags=["feedback"])


def get_store(request: Request) -> FeedbackStore:
    """One store per app, on the path the settings give (created on first use)."""
    app_state = request.app.state
    store = getattr(app_state, "feedback_store", None)
    if store is None:
        store = app_state.feedback_store = FeedbackStore(app_state.service.settings.feedback_db)
    return store


Store = Annotated[FeedbackStore, Depends(get_store)]
_ERRORS = {422: {"model": ErrorResponse, "description": "Invalid request"}, 503: {"model": ErrorResponse, "description": "Feedback store unavailable"}}


@router.post("/feedback", status_code=201, response_model=FeedbackSaved, responses=_ERRORS)
def post_feedback(body: FeedbackRequest, store: Store, answerer: Answerer, access: CallerAccess) -> FeedbackSaved:
    """Keep one reader's rating of one answer. `citations` must be doc_ids the caller may see (422 otherwise)."""
    unknown = [d for d in body.citations if d not in answerer.index.documents or not access.may_see(answerer.index.documents.metadata(d))]
    if unknown:
        shown = ", ".join(repr(d[:60]) for d in unknown[:5])
        raise HTTPException(422, f"citations: unknown doc_id(s) {shown}; send the doc_id of each citation shown")
    item = NewFeedback(body.question, body.answer, body.answerable, body.rating, body.comment, tuple(body.citations))
    saved = store.add(item)  # FeedbackStoreError -> 503 in service/errors.py
    return FeedbackSaved(id=saved.id, created_at=saved.created_at, edit_token=saved.edit_token)


@router.patch("/feedback/{feedback_id}", response_model=FeedbackSaved, responses={**_ERRORS, 404: {"model": ErrorResponse}})
def update_feedback(body: FeedbackUpdate, store: Store, feedback_id: int = Path(ge=1, le=2**63 - 1)) -> FeedbackSaved:
    """Add or change the comment (or the rating) of a rating this caller saved, by its edit token
    (FeedbackNotFound -> 404 in service/errors.py, for an unknown id and a wrong token alike)."""
    comment = body.comment.strip() if body.comment is not None else None
    saved = store.update(feedback_id, body.edit_token, body.rating, comment or None, clear_comment=comment == "")
    return FeedbackSaved(id=saved.id, created_at=saved.created_at)


@router.get("/admin/feedback/export", responses=_ERRORS, dependencies=[Depends(require_admin)], tags=["admin"])
def export_feedback(
    store: Store,
    format: Literal["json", "csv"] = Query("json", description="csv or json"),
    limit: int = Query(1000, ge=1, le=10000, description="Most ratings in this page."),
    after_id: int = Query(0, ge=0, le=2**62, description="Only ratings with a larger id: the last id of the previous page."),
) -> Response:
    """Ratings oldest first, one page (admin keys only); the next page starts after the last id shown."""
    items = store.all(limit, after_id)  # FeedbackStoreError -> 503 in service/errors.py
    if format == "csv":
        return Response(
            to_csv(items),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="feedback.csv"'},
        )
    return JSONResponse([f.as_json() for f in items])
