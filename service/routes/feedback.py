"""POST /feedback (a thumbs up/down on one answer) and GET /feedback/export (CSV or JSON for review)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response

from service.feedback import FeedbackStore, NewFeedback, to_csv
from service.schemas import ErrorResponse, FeedbackRequest, FeedbackSaved

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
