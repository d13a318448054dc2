"""Assemble the FastAPI app: settings, lifespan (model and index load once), routers, error handlers."""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from index.embed import Encoder
from index.settings import Settings, get_settings
from service.errors import install_error_handlers
from service.routes import admin, ask, documents, feedback, health, ui
from service.state import ServiceState

DESCRIPTION = """
Questions about Ofsted inspection material, answered with sentences quoted verbatim from the
sources. Every sentence of an answer ends in a marker [n] that points at `citations[n-1]`, whose
`start`/`end` locate the passage in `GET /documents/{doc_id}`. When the material holds no answer,
`answerable` is false and the closest passages are still listed.
"""


def create_app(settings: Settings | None = None, encoder: Encoder | None = None) -> FastAPI:
    """A new app. `encoder` lets tests share one loaded model between apps."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.service = await run_in_threadpool(ServiceState.load, settings, encoder)
        yield

    app = FastAPI(title="Inspection QA", version="0.1.0", description=DESCRIPTION, lifespan=lifespan)
    app.state.service = ServiceState(settings=settings)
    install_error_handlers(app)
    for module in (ask, documents, health, feedback, admin):
        app.include_router(module.router)
    ui.install(app)
    return app
