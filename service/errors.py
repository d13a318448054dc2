"""Every error leaves the service as JSON {"error": {"code", "message"}} with a fitting status."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from index.errors import UnknownDocument
from service.messages import for_http_caller

log = logging.getLogger("inspectqa")


class NotReady(Exception):
    """The index is not loaded; the message says why and how to fix it."""


def error_response(status: int, code: str, message: str, headers: dict | None = None) -> JSONResponse:
    shown = for_http_caller(message)
    if shown != message:
        log.warning("%s %s: %s", status, code, message)  # the operator keeps the paths and the fix the caller is not shown
    return JSONResponse({"error": {"code": code, "message": shown}}, status_code=status, headers=headers)


def _describe(errors) -> str:
    parts = []
    for err in errors:
        where = ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "body"
        parts.append(f"{where}: {err.get('msg', 'invalid')}")
    return "; ".join(parts)[:1000]


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        return error_response(422, "invalid_request", _describe(exc.errors()))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        codes = {401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed", 413: "too_large", 415: "unsupported_media_type"}
        return error_response(exc.status_code, codes.get(exc.status_code, "http_error"), str(exc.detail), exc.headers)

    @app.exception_handler(UnknownDocument)
    async def _unknown_doc(request: Request, exc: UnknownDocument):
        return error_response(422, "unknown_document", str(exc))

    @app.exception_handler(NotReady)
    async def _not_ready(request: Request, exc: NotReady):
        return error_response(503, "index_not_ready", str(exc), {"Retry-After": "30"})

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(500, "internal_error", "the service failed to answer; the error is in its log")
