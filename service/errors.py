"""Every error leaves the service as JSON {"error": {"code", "message"}} with a fitting status."""

from __future__ import annotations

import logging
import re

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from index.errors import UnknownDocument

log = logging.getLogger("inspectqa")


class NotReady(Exception):
    """The index is not loaded; the message says why and how to fix it."""


_PATH = re.compile(r"(?:(?<=\s)|(?<=^)|(?<=[(\'\"]))(?:~|\.{1,2})?/[^\s;:,'\"()]+")


def without_paths(message: str) -> str:
    """`message` with filesystem paths replaced by <path>: what the service tells callers names no
    folder of the machine it runs on (the log keeps the full message for the operator)."""
    return _PATH.sub("<path>", message)


def error_response(status: int, code: str, message: str, headers: dict | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)


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
        return error_response(503, "index_not_ready", without_paths(str(exc)), {"Retry-After": "30"})

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(500, "internal_error", "the service failed to answer; the error is in its log")
