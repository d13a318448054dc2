"""Shared fixtures: one real model, one real index of the real corpus, built once per session."""

from __future__ import annotations

import json
import logging
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

from index.build.embed import Encoder
from index.settings import PROJECT_ROOT, Settings
from service.config import ServiceSettings
from index.build.builder import build_index
from index.build.store import load_index

from eval.questions import DEV_QUESTIONS

# an app a test makes from its own Settings() must not write an audit trail (or its secret) into var/
_AUDIT_TMP = __import__("tempfile").mkdtemp(prefix="inspectqa-audit-")
__import__("os").environ.setdefault("INSPECTQA_AUDIT_DB", str(Path(_AUDIT_TMP) / "audit.sqlite3"))
# with auth off only loopback Host names are served; Starlette's TestClient sends Host: testserver
__import__("os").environ.setdefault("INSPECTQA_ALLOWED_HOSTS", "testserver")


@pytest.fixture(autouse=True)
def _logging_left_as_found():
    """A command run in this process (cli.main) sets logging up for a command line: the root level and a
    filter quietening library and service INFO lines on every root handler, pytest's own capture handlers
    included. Put both back after each test, or a later test's caplog misses the service's INFO lines
    depending on which tests ran before it."""
    root = logging.getLogger()
    level, filters = root.level, {handler: list(handler.filters) for handler in root.handlers}
    yield
    root.setLevel(level)
    for handler in root.handlers:
        if handler in filters:
            handler.filters[:] = filters[handler]


def pytest_addoption(parser):
    # `make test` runs the suite on FAISS, then tests/test_api.py and the quality gate again with
    # --vector-store=pgvector on an embedded PostgreSQL (pgserver), so both stores answer the same
    parser.addoption(
        "--vector-store",
        choices=("faiss", "pgvector"),
        default="faiss",
        help="vector store of the session's index (pgvector: an embedded PostgreSQL under the session's temp dir)",
    )


@pytest.fixture(scope="session")
def vector_store(request) -> str:
    return request.config.getoption("--vector-store")


@pytest.fixture(scope="session")
def encoder() -> Encoder:
    return Encoder.for_settings(Settings()).load()


@pytest.fixture(scope="session")
def settings(tmp_path_factory, vector_store) -> Settings:
    served = tmp_path_factory.mktemp("served")
    # feedback_db too: tests must never write into the developer's var/feedback.sqlite3;
    # auth off: these fixtures test the API itself; tests/test_ops_*.py cover keys, limits and SSO
    return ServiceSettings(
        index_dir=served / "index",
        feedback_db=served / "feedback.sqlite3",
        audit_db=served / "audit.sqlite3",
        keys_file=served / "api-keys.json",
        auth="off",
        rate_limit_per_minute=0,
        vector_store=vector_store,
        pg_data_dir=served / "pgdata",
    )


@pytest.fixture(scope="session")
def built_index(settings, encoder):
    build_index(settings, encoder)
    return load_index(settings.index_dir, settings)


@pytest.fixture(scope="session")
def dev_questions() -> list[dict]:
    return [json.loads(line) for line in DEV_QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="session")
def app(settings, encoder, built_index):
    from service.main import create_app

    return create_app(settings, encoder)


@pytest.fixture(scope="session")
def client(app):
    from fastapi.testclient import TestClient

    with TestClient(app) as test_client:
        yield test_client


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """uvicorn serving an app on 127.0.0.1 in a background thread."""

    def __init__(self, app, settings=None):
        """`settings`: serve with the uvicorn configuration `inspectqa serve` uses (service/server.py)."""
        import uvicorn

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        if settings is not None:
            from service.server import server_config

            config = server_config(app, settings, "127.0.0.1", self.port)
        else:
            config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> "LiveServer":
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("test server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_server(settings, encoder, built_index):
    from service.main import create_app

    with LiveServer(create_app(settings, encoder)) as server:
        yield server


@pytest.fixture
def corpus_copy(tmp_path) -> Path:
    """A private copy of the real corpus that a test may change."""
    target = tmp_path / "corpus"
    shutil.copytree(PROJECT_ROOT / "corpus", target)
    return target
