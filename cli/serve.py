"""`inspectqa serve`: serve the HTTP API with uvicorn."""

from __future__ import annotations

import argparse
from pathlib import Path

from cli.options import EPILOG, settings_for


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from service.access import check_bind
    from service.observe import configure_json_logging

    settings = settings_for(args)
    host = args.host or settings.host
    port = args.port or settings.port
    check_bind(host, settings)
    configure_json_logging()  # before the heavy imports, whose loaders log too

    from service.main import create_app

    # proxy_headers off: the peer address must be the real one, since trusted_proxies is checked against it;
    # access_log off: the service writes its own access line, with the request id;
    # keep-alive longer than a reverse proxy's idle timeout (nginx: 60 s), so the proxy, not us, closes idle connections
    uvicorn.run(create_app(settings), host=host, port=port, log_config=None, access_log=False, proxy_headers=False, timeout_keep_alive=75)
    return 0


def register(commands) -> None:
    serve = commands.add_parser(
        "serve",
        help="serve the HTTP API",
        description="Serve the HTTP API (docs at /docs). The model and index load once at start.",
        epilog=EPILOG,
    )
    serve.add_argument("--host", help="address to bind (default: INSPECTQA_HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default: INSPECTQA_PORT or 8000)")
    serve.add_argument("--index", type=Path, help="index folder (default: INSPECTQA_INDEX_DIR)")
    serve.set_defaults(func=_serve)
