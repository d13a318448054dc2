"""Loading the index into the running service, and swapping in a rebuilt one without a pause.

Rebuild-then-swap: the new index is loaded completely beside the serving one, then
`app.state.service` is replaced in one assignment. A request holds the answerer it started
with, so requests in flight finish on the old index; the next ones get the new. A reload that
fails leaves the old index serving and says why.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import time

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from index.settings import Settings
from service.access import require_admin
from service.errors import error_response
from service.schemas import ErrorResponse
from service.state import ServiceState
from service.observe import InstrumentedAnswerer

log = logging.getLogger("inspectqa")


def load_state(settings: Settings, encoder) -> ServiceState:
    try:
        return ServiceState.load(settings, encoder)
    except Exception as exc:  # an index damaged in a way the loader did not foresee must not stop the service
        log.exception("index load failed")
        return ServiceState(settings=settings, not_ready_reason=f"index load failed ({exc.__class__.__name__}: {exc}); run 'inspectqa index build'")


def install_state(app: FastAPI, state: ServiceState) -> None:
    metrics = app.state.metrics
    if state.answerer is not None:
        app.state.encoder = state.answerer.encoder  # the loaded model, reused by every later reload
        state.answerer = InstrumentedAnswerer(state.answerer, metrics)
        metrics.index_loaded(state.answerer.index.manifest)
        metrics.answerer = state.answerer
    else:
        metrics.index_ready.set(0)
    app.state.service = state  # the swap: one reference assignment


async def load_initial(app: FastAPI, settings: Settings, encoder) -> None:
    app.state.encoder = encoder
    app.state.reload_lock = asyncio.Lock()
    install_state(app, await run_in_threadpool(load_state, settings, encoder))


async def reload_index(app: FastAPI) -> tuple[bool, str]:
    """(ok, message). Reloads one at a time; the serving index changes only on success."""
    async with app.state.reload_lock:
        current: ServiceState = app.state.service
        started = time.perf_counter()
        new = await run_in_threadpool(load_state, current.settings, app.state.encoder)
        if new.answerer is None:
            app.state.metrics.reloads.labels("failed").inc()
            if current.answerer is None:
                install_state(app, new)  # nothing was serving: report the newest reason
                return False, f"reload failed and no index is loaded: {new.not_ready_reason}"
            log.error("reload failed; the previous index keeps serving: %s", new.not_ready_reason)
            return False, f"reload failed; the previous index keeps serving: {new.not_ready_reason}"
        install_state(app, new)
        app.state.metrics.reloads.labels("ok").inc()
        manifest = new.answerer.index.manifest
        message = f"reloaded {manifest.passage_count} passages built at {manifest.built_at} in {time.perf_counter() - started:.2f}s"
        log.info(message)
        return True, message


def watch_sighup(app: FastAPI) -> bool:
    """Reload on SIGHUP when the service runs in the main thread (as under `inspectqa serve`)."""
    try:
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGHUP, lambda: asyncio.ensure_future(reload_index(app)))
    except (ValueError, RuntimeError, NotImplementedError, AttributeError):
        return False  # not the main thread (tests, embedded servers) or no SIGHUP on this platform
    return True


def unwatch_sighup() -> None:
    try:
        asyncio.get_running_loop().remove_signal_handler(signal.SIGHUP)
    except (ValueError, RuntimeError, NotImplementedError, AttributeError):
        pass


router = APIRouter(tags=["operations"])


@router.post(
    "/admin/reload",
    responses={403: {"model": ErrorResponse}, 409: {"model": ErrorResponse, "description": "Reload failed; the previous index keeps serving"},
               503: {"model": ErrorResponse, "description": "Reload failed and no index is loaded"}},
)  # fmt: skip
async def admin_reload(request: Request, _admin=Depends(require_admin)) -> JSONResponse:
    """Load the index at INSPECTQA_INDEX_DIR again (after `inspectqa index build`) and swap it in. Admin key."""
    ok, message = await reload_index(request.app)
    if ok:
        manifest = request.app.state.service.answerer.index.manifest
        return JSONResponse({"status": "reloaded", "message": message, "passages": manifest.passage_count, "built_at": manifest.built_at})
    nothing_serving = request.app.state.service.answerer is None
    return error_response(503 if nothing_serving else 409, "reload_failed", message)
