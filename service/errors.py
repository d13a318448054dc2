"""Every error leaves the service as JSON {"error": {"code", "message"}} with a fitting status.

This is the ONE place where a domain error becomes an HTTP answer: routes raise the domain error
(or let it rise from index/), and the table below says its status and code.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from index.errors import (
    CorpusConflict,
    CorpusError,
    DocumentNotFound,
    DuplicateDocument,
    IndexCorrupt,
    IndexNotBuilt,
    ManifestMismatch,
    UnknownDocument,
    UnsupportedDocument,
)
from service.feedback import FeedbackNotFound, FeedbackStoreError
from service.messages import for_http_caller

log = logging.getLogger("inspectqa")


class NotReady(Exception):
    """The index is not loaded; the message says why and how to fix it."""


class ReloadFailed(Exception):
    """A new index could not be loaded. `serving` says whether the previous one still answers."""

    def __init__(self, message: str, serving: bool):
        super().__init__(message)
        self.serving = serving


# Most specific first: the first class an error is an instance of decides its answer.
DOMAIN_ERRORS: tuple[tuple[type[Exception], int, str], ...] = (
    (DocumentNotFound, 404, "not_found"),  # the document a change names (DELETE /admin/documents/{doc_id})
    (UnknownDocument, 422, "unknown_document"),  # a filter naming a doc_id the index does not hold
    (DuplicateDocument, 409, "duplicate_document"),
    (CorpusConflict, 409, "corpus_conflict"),
    (UnsupportedDocument, 422, "unsupported_document"),
    (CorpusError, 422, "corpus_error"),
    (IndexNotBuilt, 503, "index_not_ready"),
    (IndexCorrupt, 503, "index_not_ready"),
    (ManifestMismatch, 503, "index_not_ready"),
    (NotReady, 503, "index_not_ready"),
    (FeedbackStoreError, 503, "feedback_unavailable"),
    (FeedbackNotFound, 404, "not_found"),
)
_HTTP_CODES = {401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported_media_type", 422: "invalid_request"}


def error_response(status: int, code: str, message: str, headers: dict | None = None) -> JSONResponse:
    shown = for_http_caller(message)
    if shown != message:
        log.warning("%s %s: %s", status, code, message)  # the operator keeps the paths and the fix the caller is not shown
    return JSONResponse({"error": {"code": code, "message": shown}}, status_code=status, headers=headers)


def domain_answer(exc: Exception) -> tuple[int, str] | None:
    """(status, code) for a domain error, None for one the table does not know."""
    if isinstance(exc, ReloadFailed):
        return (409 if exc.serving else 503), "reload_failed"
    for kind, status, code in DOMAIN_ERRORS:
        if isinstance(exc, kind):
            return status, code
    return None


def _describe(errors) -> str:
    parts = []
    for err in errors:
        if err.get("type") == "json_invalid":
            # FastAPI's own words are "0: JSON decode error"; the caller wants what is wrong and where
            position = next((p for p in err.get("loc", ()) if isinstance(p, int)), None)
            why = str((err.get("ctx") or {}).get("error", "not JSON")).lower().removesuffix(" at")  # "unterminated string starting at"
            return f"the body is not valid JSON: {why}" + (f" at position {position}" if position is not None else "")
        where = ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "body"
        parts.append(f"{where}: {err.get('msg', 'invalid')}")
    return "; ".join(parts)[:1000]


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        return error_response(422, "invalid_request", _describe(exc.errors()))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        return error_response(exc.status_code, _HTTP_CODES.get(exc.status_code, "http_error"), str(exc.detail), exc.headers)

    async def _domain(request: Request, exc: Exception):
        status, code = domain_answer(exc)
        # an unready or damaged index's message names folders: callers get it without them (the log has it whole)
        return error_response(status, code, str(exc), {"Retry-After": "30"} if status == 503 else None)

    for kind in {kind for kind, _, _ in DOMAIN_ERRORS} | {ReloadFailed}:
        app.add_exception_handler(kind, _domain)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(500, "internal_error", "the service failed to answer; the error is in its log")
