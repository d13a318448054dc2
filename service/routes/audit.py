"""GET /admin/audit: the audit trail, newest first, a page at a time (admin keys only)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.exceptions import HTTPException
from fastapi.responses import Response

from service.access import require_admin
from service.audit import AuditError, AuditLog, to_csv
from service.schemas import AuditPage, ErrorResponse

router = APIRouter(prefix="/admin", tags=["admin"], dependencies=[Depends(require_admin)])


def get_audit(request: Request) -> AuditLog:
    return request.app.state.audit


def _iso(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(dt.timezone.utc).isoformat(timespec="milliseconds")


@router.get("/audit", response_model=AuditPage, responses={503: {"model": ErrorResponse}})
def read_audit(
    audit: Annotated[AuditLog, Depends(get_audit)],
    user: Annotated[str | None, Query(max_length=128, description="Only this caller (key name or SSO user).")] = None,
    since: Annotated[dt.datetime | None, Query(description="Only records at or after this time (ISO 8601; UTC when no zone).")] = None,
    until: Annotated[dt.datetime | None, Query(description="Only records before this time.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="Most records in this page.")] = 100,
    before_id: Annotated[int | None, Query(ge=1, le=2**62, description="Only records older than this id: `next_before_id` of the previous page.")] = None,
    format: Annotated[str, Query(pattern="^(json|csv)$", description="json or csv")] = "json",
):
    """Who asked, searched, viewed or changed what: newest first. Questions are keyed hashes unless
    INSPECTQA_AUDIT_QUESTIONS=true."""
    try:
        rows = audit.page(limit, before_id, user, _iso(since), _iso(until))
    except AuditError as exc:
        raise HTTPException(503, str(exc)) from None
    if format == "csv":
        return Response(to_csv(rows), media_type="text/csv; charset=utf-8", headers={"Content-Disposition": 'attachment; filename="audit.csv"'})
    return AuditPage(records=rows, next_before_id=rows[-1]["id"] if len(rows) == limit else None)
