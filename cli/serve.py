"""`inspectqa serve`: serve the HTTP API with uvicorn."""

from __future__ import annotations

import argparse
import errno
import socket
from pathlib import Path

from cli.logs import configure as configure_logging
from cli.options import EPILOG, settings_for
from index.errors import InspectQAError


def check_port_free(host: str, port: int) -> None:
    """Refuse at once, in one line, when something already listens on host:port (uvicorn would print a traceback-like
    block after the model and index have loaded)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds: a port in TIME_WAIT is free
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise InspectQAError(
                    f"port {port} on {host} is already in use (another 'inspectqa serve'?); stop that process, "
                    f"or choose another port with --port {port + 1} or INSPECTQA_PORT"
                ) from None
            raise InspectQAError(f"cannot listen on {host}:{port}: {exc.strerror}") from None


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from service.access import check_bind
    from service.observe import configure_json_logging

    settings = settings_for(args)
    host = args.host or settings.host
    port = args.port or settings.port
    check_bind(host, settings)
    check_port_free(host, port)
    configure_json_logging()  # before the heavy imports, whose loaders log too
    configure_logging(args.verbose, keep=("inspectqa",))  # the service's own INFO lines stay: start-up, reloads, requests
    settings = settings.model_copy(update={"host": host, "port": port})  # where it listens, for the heartbeat the CLI reads

    from service.main import create_app
    from service.server import server_config

    uvicorn.Server(server_config(create_app(settings), settings, host, port)).run()
    return 0


def register(commands) -> None:
    serve = commands.add_parser(
        "serve",
        help="serve the HTTP API",
        description="Serve the HTTP API and the chat page (at /; the API described at /openapi.json). The model and index load once at start.",
        epilog=EPILOG,
    )
    serve.add_argument("--host", help="address to bind (default: INSPECTQA_HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default: INSPECTQA_PORT or 8000)")
    serve.add_argument("--index", type=Path, help="index folder (default: INSPECTQA_INDEX_DIR)")
    serve.set_defaults(func=_serve)
