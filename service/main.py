"""Assemble the FastAPI app: settings, lifespan (model and index load once), routers, error handlers."""

from __future__ import annotations

from contextlib import asynccontextmanager

import logging

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from index.build.embed import Encoder
from index.settings import Settings
from service import observe, openapi, reload
from service.config import ServiceSettings, get_service_settings, service_settings
from service.access import Authenticator, AuthMiddleware, LocalOnlyMiddleware
from service.audit import AuditMiddleware, audit_log_for, record_job
from service.errors import install_error_handlers
from service.jobs import JobQueue
from service.limits import BodyLimitMiddleware, RateLimitMiddleware, TimeoutMiddleware
from service.routes import admin, ask, audit, documents, feedback, health, metrics, timeline, ui
from service.routes import reload as reload_route
from service.state import ServiceState
from service.watch import IndexWatcher, served_pointer

log = logging.getLogger("inspectqa")

DESCRIPTION = """
Questions about Ofsted inspection material, answered with sentences quoted verbatim from the
sources. Every sentence of an answer ends in a marker [n] that points at `citations[n-1]`, whose
`start`/`end` locate the passage in `GET /documents/{doc_id}`. When the material holds no answer,
`answerable` is false and the closest passages are still listed.
"""


def _index_watcher(app: FastAPI, settings: ServiceSettings) -> IndexWatcher:
    """Polls the index pointer and swaps a new build in through reload.reload_index, as POST /admin/reload does."""

    def served() -> str | None:
        answerer = app.state.service.answerer
        return served_pointer(answerer.index) if answerer is not None else None

    async def swap() -> bool:
        if app.state.swap_lock.locked():
            return True  # an upload or reload is swapping right now; the next look sees what it left
        return (await reload.reload_index(app)).ok

    return IndexWatcher(settings.index_dir, settings.index_poll_seconds, served, swap, listen=f"{settings.host}:{settings.port}")


def create_app(settings: Settings | None = None, encoder: Encoder | None = None) -> FastAPI:
    """A new app. `encoder` lets tests share one loaded model between apps."""
    settings = service_settings(settings) if settings is not None else get_service_settings()

    authenticator = Authenticator(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        log.info(authenticator.describe(settings.support_contact))
        for warning in authenticator.warnings():
            log.warning(warning)
        await reload.load_initial(app, settings, encoder)
        watching = reload.watch_sighup(app)
        watcher = _index_watcher(app, settings)
        watcher.start()
        yield
        await watcher.stop()
        app.state.jobs.stop()
        if watching:
            reload.unwatch_sighup()

    # no /docs or /redoc: FastAPI's pages load their script from a public CDN on this origin; the schema
    # itself stays at /openapi.json for any local viewer
    app = FastAPI(title="Inspection QA", version="0.1.0", description=DESCRIPTION, lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.service = ServiceState(settings=settings)
    app.state.metrics = observe.Metrics()
    app.state.audit = audit_log_for(settings)
    app.state.jobs = JobQueue(settings.jobs_folder, settings.max_queued_jobs, admin.classify, on_finish=lambda job: record_job(app.state.audit, job))
    install_error_handlers(app)
    for module in (ask, documents, health, feedback, admin, audit, metrics, reload_route, timeline):
        app.include_router(module.router)
    ui.install(app)
    openapi.install(app)
    # Middleware runs outermost-last-added: request id/metrics/log > CORS > auth > audit > rate > body cap > timeout > routes.
    # Auth comes before the body is read: a caller without a key (or, for /admin/*, an admin key) is refused unread.
    app.add_middleware(TimeoutMiddleware, seconds=settings.request_timeout_seconds)
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.max_body_bytes,
        # a multipart upload carries a little framing beyond the file itself
        path_limits={admin.UPLOAD_PATH: settings.max_upload_bytes + 64 * 1024},
        read_seconds=settings.body_read_seconds,
        max_uploads=settings.max_concurrent_uploads,
    )
    app.add_middleware(RateLimitMiddleware, per_minute=settings.rate_limit_per_minute)
    # inside auth (the caller is known), outside the rate limit and timeout (429s and 504s are recorded too)
    app.add_middleware(AuditMiddleware, store=app.state.audit)
    app.add_middleware(AuthMiddleware, authenticator=authenticator)
    if settings.auth == "off":
        app.add_middleware(LocalOnlyMiddleware, allowed_hosts=settings.allowed_hosts)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PATCH"],
            allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
            expose_headers=["X-Request-ID", "Retry-After"],
        )
    app.add_middleware(observe.RequestContextMiddleware, fastapi_app=app, metrics=app.state.metrics, log_questions=settings.log_questions)
    return app
