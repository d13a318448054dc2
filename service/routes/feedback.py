"""POST /feedback (a thumbs up/down on one answer), PATCH /feedback/{id} (its comment, added later) and
GET /feedback/export (CSV or JSON for review)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse, Response

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
def post_feedback(body: FeedbackRequest, store: Store) -> FeedbackSaved:
    """Keep one reader's rating of one answer."""
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


@router.get("/feedback/export", responses=_ERRORS)
def export_feedback(store: Store, format: Literal["json", "csv"] = Query("json", description="csv or json")) -> Response:
    """Every rating so far, oldest first."""
    items = store.all()
    if format == "csv":
        return Response(
            to_csv(items),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="feedback.csv"'},
        )
    return JSONResponse([f.as_json() for f in items])
