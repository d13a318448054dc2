"""POST /feedback (a thumbs up/down on one answer) and GET /admin/feedback/export (CSV or JSON for review, admin only).

Feedback holds colleagues' questions and comments, which may name children and staff: only an admin
key reads it back, a page at a time."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.exceptions import HTTPException
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator

from service.access import require_admin
from service.deps import Answerer, CallerAccess
from service.feedback import FeedbackStore, FeedbackStoreError, NewFeedback, to_csv
from service.schemas import ErrorResponse, Question

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
    unknown = [d for d in body.citations if d not in answerer.index.documents or not access.may_see(answerer.index.documents[d])]
    if unknown:
        shown = ", ".join(repr(d[:60]) for d in unknown[:5])
        raise HTTPException(422, f"citations: unknown doc_id(s) {shown}; send the doc_id of each citation shown")
    item = NewFeedback(body.question, body.answer, body.answerable, body.rating, body.comment, tuple(body.citations))
    try:
        saved = store.add(item)
    except FeedbackStoreError as exc:
        raise HTTPException(503, str(exc)) from exc
    return FeedbackSaved(id=saved.id, created_at=saved.created_at)


@router.get("/admin/feedback/export", responses=_ERRORS, dependencies=[Depends(require_admin)], tags=["admin"])
def export_feedback(
    store: Store,
    format: Literal["json", "csv"] = Query("json", description="csv or json"),
    limit: int = Query(1000, ge=1, le=10000, description="Most ratings in this page."),
    after_id: int = Query(0, ge=0, le=2**62, description="Only ratings with a larger id: the last id of the previous page."),
) -> Response:
    """Ratings oldest first, one page (admin keys only); the next page starts after the last id shown."""
    try:
        items = store.all(limit, after_id)
    except FeedbackStoreError as exc:
        raise HTTPException(503, str(exc)) from exc
    if format == "csv":
        return Response(
            to_csv(items),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="feedback.csv"'},
        )
    return JSONResponse([f.as_json() for f in items])
