"""Helpers for the operations tests: an app with chosen settings, and a private copy of the served index."""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from pathlib import Path

from fastapi.testclient import TestClient

QUESTION = "When was the council judged inadequate?"


@contextmanager
def app_client(settings, encoder, client=("testclient", 50000), **overrides):
    """A TestClient (lifespan run) for a new app built with `settings` changed by `overrides`."""
    from service.main import create_app

    app = create_app(settings.model_copy(update=overrides), encoder)
    with TestClient(app, client=client, raise_server_exceptions=False) as http:
        http.app_ref = app
        yield http


def copy_index(settings, target: Path, name: str = "build-a") -> Path:
    """Copy the served index into target/builds/<name> and point target/index at it; returns target/index."""
    source = Path(settings.index_dir).resolve()
    build = target / "builds" / name
    shutil.copytree(source, build)
    link = target / "index"
    point_at(link, build)
    return link


def point_at(link: Path, build: Path) -> None:
    """Swap the symlink in one rename, as `inspectqa index build` does."""
    tmp = link.with_name(f".{link.name}.tmp")
    if tmp.is_symlink():
        tmp.unlink()
    os.symlink(build, tmp)
    os.replace(tmp, link)
