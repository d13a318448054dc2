"""POST /feedback (a thumbs up/down on one answer), PATCH /feedback/{id} (its comment, added later) and
GET /feedback/export (CSV or JSON for review)."""

from __future__ import annotations

import logging
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.exceptions import HTTPException
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator

from service.feedback import FeedbackNotFound, FeedbackStore, FeedbackStoreError, NewFeedback, to_csv
from service.schemas import ErrorResponse, FeedbackUpdate, Question

log = logging.getLogger("inspectqa")
router = APIRouter(tags=["feedback"])


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
    edit_token: str | None = Field(None, description="Secret that lets the same page add a comment or change the rating (PATCH /feedback/{id}).")


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
    try:
        saved = store.add(item)
    except FeedbackStoreError as exc:
        raise _unavailable(exc) from exc
    return FeedbackSaved(id=saved.id, created_at=saved.created_at, edit_token=saved.edit_token)


@router.patch("/feedback/{feedback_id}", response_model=FeedbackSaved, responses={**_ERRORS, 404: {"model": ErrorResponse}})
def update_feedback(body: FeedbackUpdate, store: Store, feedback_id: int = Path(ge=1)) -> FeedbackSaved:
    """Add or change the comment (or the rating) of a rating this caller saved, by its edit token."""
    comment = body.comment.strip() if body.comment is not None else None
    try:
        saved = store.update(feedback_id, body.edit_token, body.rating, comment or None, clear_comment=comment == "")
    except FeedbackNotFound:
        raise HTTPException(404, f"no feedback {feedback_id} with this edit token") from None
    except FeedbackStoreError as exc:
        raise _unavailable(exc) from exc
    return FeedbackSaved(id=saved.id, created_at=saved.created_at)


def _unavailable(exc: FeedbackStoreError) -> HTTPException:
    # the message names the server's file: it goes to the log, not to the caller
    log.error("feedback store: %s", exc)
    return HTTPException(503, "feedback cannot be saved just now; the operator will find the cause in the service log")


@router.get("/feedback/export", responses=_ERRORS)
def export_feedback(store: Store, format: Literal["json", "csv"] = Query("json", description="csv or json")) -> Response:
    """Every rating so far, oldest first."""
    try:
        items = store.all()
    except FeedbackStoreError as exc:
        raise _unavailable(exc) from exc
    if format == "csv":
        return Response(
            to_csv(items),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="feedback.csv"'},
        )
    return JSONResponse([f.as_json() for f in items])
