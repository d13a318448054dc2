"""Loading the index into the running service, and swapping in a rebuilt one without a pause.

Every swap — POST /admin/reload, SIGHUP, an admin upload or delete — goes through `swap_index`:
one at a time under one lock, the corpus change (if any) and its rebuild first, then the new index
loaded completely beside the serving one, then `app.state.service` replaced in one assignment.
A request holds the answerer it started with, so requests in flight finish on the old index; the
next ones get the new. A new index that fails to load leaves the old one serving and says why.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from index.build.builder import build_index
from index.settings import Settings
from service import consistency
from service.observe import InstrumentedAnswerer
from service.state import ServiceState

log = logging.getLogger("inspectqa")

Rebuild = Callable[[list], Any]  # documents -> a rebuilt index directory (what index.ingest.manage calls)
Builder = Callable[..., Any]  # build_index's signature: (settings, encoder, documents=...)


@dataclass(frozen=True)
class Swap:
    """What a swap did: `ok` when the new index serves; `serving` when any index serves afterwards."""

    ok: bool
    serving: bool
    message: str


def load_state(settings: Settings, encoder) -> ServiceState:
    try:
        state = ServiceState.load(settings, encoder)
    except Exception as exc:  # an index damaged in a way the loader did not foresee must not stop the service
        log.exception("index load failed")
        return ServiceState(settings=settings, not_ready_reason=f"index load failed ({exc.__class__.__name__}: {exc}); run 'inspectqa index build'")
    if state.answerer is not None and consistency.lock_is_free(settings.corpus_dir):  # mid-change, they differ for a moment
        state.disagreement = consistency.index_disagreement(settings.corpus_dir, set(state.answerer.index.documents))
        if state.disagreement:
            log.warning("the corpus and the served index differ: %s", state.disagreement)
    return state


def _install(app: FastAPI, state: ServiceState) -> None:
    metrics = app.state.metrics
    if state.answerer is not None:
        app.state.encoder = state.answerer.encoder  # the loaded model, reused by every later swap
        state.answerer = InstrumentedAnswerer(state.answerer, metrics)
        metrics.index_loaded(state.answerer.index.manifest)
        metrics.answerer = state.answerer
    else:
        metrics.index_ready.set(0)
    app.state.service = state  # the swap: one reference assignment


async def load_initial(app: FastAPI, settings: Settings, encoder) -> None:
    """Settle any corpus change a dead process left unfinished (service/consistency.py), then load the index."""
    app.state.encoder = encoder
    app.state.swap_lock = threading.Lock()
    recovered, problem = await run_in_threadpool(consistency.settle_at_startup, settings.corpus_dir, settings.index_dir)
    app.state.recovered, app.state.recovery_problem = recovered, problem
    jobs = getattr(app.state, "jobs", None)
    if jobs is not None:
        await run_in_threadpool(jobs.settle_earlier, recovered)
    _install(app, await run_in_threadpool(load_state, settings, encoder))


def _encoder(app: FastAPI, settings: Settings):
    if getattr(app.state, "encoder", None) is None:
        from index.build.embed import Encoder

        app.state.encoder = Encoder.for_settings(settings).load()
    return app.state.encoder


def swap_index(app: FastAPI, change: Callable[[Rebuild], Any] | None = None, builder: Builder = build_index) -> tuple[Any, Swap]:
    """Run `change(rebuild)` (a corpus change that rebuilds the index; None to reload as built), then load
    the index and swap it in. Returns (what `change` returned, Swap). Blocking: call it from a worker thread.
    One swap at a time; the serving index changes only when the new one loads."""
    with app.state.swap_lock:
        current: ServiceState = app.state.service
        settings = current.settings
        result = None
        if change is not None:
            encoder = _encoder(app, settings)
            try:
                result = change(lambda documents: builder(settings, encoder, documents=documents))
            finally:
                release = getattr(encoder, "release_batch", None)
                if release is not None:
                    release()  # a serving process keeps no build-sized buffers between rebuilds (bench/rebuilds.py)
        started = time.perf_counter()
        new = load_state(settings, getattr(app.state, "encoder", None))
        if new.answerer is None:
            app.state.metrics.reloads.labels("failed").inc()
            if current.answerer is None:
                _install(app, new)  # nothing was serving: report the newest reason
                return result, Swap(False, False, f"reload failed and no index is loaded: {new.not_ready_reason}")
            log.error("reload failed; the previous index keeps serving: %s", new.not_ready_reason)
            return result, Swap(False, True, f"reload failed; the previous index keeps serving: {new.not_ready_reason}")
        _install(app, new)
        app.state.metrics.reloads.labels("ok").inc()
        manifest = new.answerer.index.manifest
        message = f"reloaded {manifest.passage_count} passages built at {manifest.built_at} in {time.perf_counter() - started:.2f}s"
        log.info(message)
        return result, Swap(True, True, message)


async def reload_index(app: FastAPI) -> Swap:
    """Load the index as built on disk and swap it in (POST /admin/reload, SIGHUP)."""
    _, swap = await run_in_threadpool(swap_index, app)
    return swap


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
