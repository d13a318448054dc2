"""The staff chat page at / and its static files, all served by this app (the intranet may have no internet)."""

from __future__ import annotations

import html
import mimetypes
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
# ES modules (pdfview.mjs, pdf.js) load only with a JavaScript type, and nosniff is on; some systems'
# mime tables do not know .mjs
mimetypes.add_type("text/javascript", ".mjs")

# Everything the page loads comes from this origin; no inline script or style, so injected
# markup could not run even if some text were ever inserted as HTML by mistake. pdf.js runs its
# worker from /static (worker-src falls back to script-src) and loads the standard PDF fonts
# (Helvetica and the like, which PDFs name without embedding) from /static too.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; connect-src 'self'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    # a reload should pick up a new app.js at once; the files are small
    "Cache-Control": "no-cache",
}

router = APIRouter(include_in_schema=False)


@router.api_route("/", methods=["GET", "HEAD"])
def chat_page(request: Request) -> HTMLResponse:
    """The page, with the settings it needs as attributes (the CSP forbids inline script): how long it keeps a
    conversation (INSPECTQA_CHAT_HISTORY_HOURS) and whom to name when sign-in fails (INSPECTQA_SUPPORT_CONTACT)."""
    settings = request.app.state.service.settings
    page = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    page = page.replace("<html ", f'<html data-history-hours="{settings.chat_history_hours:g}" ', 1)
    page = page.replace('data-contact=""', f'data-contact="{html.escape(settings.support_contact, quote=True)}"', 1)
    return HTMLResponse(page, headers=PAGE_HEADERS)


@router.api_route("/manage", methods=["GET", "HEAD"])
def manage_page() -> HTMLResponse:
    """The admin view: upload and remove documents and follow each change's job (its API calls need an admin key)."""
    return HTMLResponse((STATIC_DIR / "manage.html").read_text(encoding="utf-8"), headers=PAGE_HEADERS)


class _StaticWithHeaders(StaticFiles):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [(k.lower().encode(), v.encode()) for k, v in PAGE_HEADERS.items()]
                message = {**message, "headers": headers}
            await send(message)

        await super().__call__(scope, receive, send_with_headers)


def install(app: FastAPI) -> None:
    app.include_router(router)
    app.mount("/static", _StaticWithHeaders(directory=STATIC_DIR), name="static")
