"""The `inspectqa` command: build the index, ask a question, serve the API."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import textwrap
from pathlib import Path

from eval.cli import register as register_eval
from service.corpus_cli import register as register_corpus
from index.errors import InspectQAError
from index.settings import Settings, get_settings

EPILOG = """Settings come from INSPECTQA_* environment variables (see README); flags override them."""


def _settings(args: argparse.Namespace) -> Settings:
    overrides = {}
    if getattr(args, "corpus", None):
        overrides["corpus_dir"] = args.corpus
    if getattr(args, "index", None):
        overrides["index_dir"] = args.index
    return get_settings().model_copy(update=overrides) if overrides else get_settings()


def _cmd_index_build(args: argparse.Namespace) -> int:
    from index.build.embed import Encoder
    from index.build.builder import build_index, index_is_current

    from index.ingest.corpus import load_corpus

    settings = _settings(args)
    documents = load_corpus(settings.corpus_dir)  # extracted and cleaned once, for the check and the build
    if not args.force and index_is_current(settings, documents):
        print(f"index at {settings.index_dir} is up to date (use --force to rebuild)")
        return 0
    print(f"building index from {settings.corpus_dir} into {settings.index_dir}", file=sys.stderr)
    encoder = Encoder.for_settings(settings)
    if args.ray:
        from index.build import ray_encode

        cpus, nodes = ray_encode.connect(args.ray)
        print(f"encoding on Ray: {cpus} CPUs on {nodes} node(s)", file=sys.stderr)
        encoder = ray_encode.RayEncoder(settings)
    manifest = build_index(settings, encoder, progress=not args.quiet, log=lambda m: print(m, file=sys.stderr), documents=documents)
    print(
        f"built {manifest.passage_count} passages from {manifest.document_count} documents "
        f"in {manifest.build_seconds:.1f}s -> {settings.index_dir}"
    )
    return 0


def _cmd_index_status(args: argparse.Namespace) -> int:
    from index.build.store import read_manifest

    settings = _settings(args)
    manifest = read_manifest(settings.index_dir)
    print(json.dumps(manifest.__dict__, indent=2))
    problems = manifest.mismatches(settings)
    for problem in problems:
        print(f"mismatch: {problem}", file=sys.stderr)
    return 1 if problems else 0


def _cmd_ask(args: argparse.Namespace) -> int:
    import time

    from service.schemas import AskResponse
    from service.state import ServiceState

    state = ServiceState.load(_settings(args))
    if state.answerer is None:
        raise InspectQAError(state.not_ready_reason)
    started = time.perf_counter()
    answer = state.answerer.answer(args.question, args.top_k)
    if args.json:
        print(AskResponse.from_answer(answer, took_ms=round((time.perf_counter() - started) * 1000, 2)).model_dump_json(indent=2))
        return 0
    print(textwrap.fill(answer.answer, width=100))
    print()
    print("Sources:" if answer.answerable else "Closest passages (not an answer):")
    for c in answer.citations:
        date = c.published or "undated"
        print(f"[{c.n}] {c.title} ({c.kind}, {date}) chars {c.passage.start}-{c.passage.end}, score {c.score:.2f}")
        print(textwrap.indent(textwrap.fill(c.passage.text, width=96), "    "))
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from service.access import check_bind
    from service.observe import configure_json_logging

    settings = _settings(args)
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="inspectqa",
        description="Question answering with verbatim citations over Ofsted inspection material.",
        epilog=EPILOG,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    index_cmd = commands.add_parser("index", help="build or inspect the search index", description="Build or inspect the search index.")
    index_sub = index_cmd.add_subparsers(dest="index_command", required=True, metavar="ACTION")
    build = index_sub.add_parser(
        "build",
        help="build the index from the corpus (incremental, atomic)",
        description="Clean, chunk and embed the corpus into an index directory. Only new or changed passages are "
        "embedded; the new index replaces the old one in a single step, so a running service never sees half of one. "
        "Does nothing when the index is already up to date.",
        epilog=EPILOG,
    )
    build.add_argument("--corpus", type=Path, help="corpus folder holding documents.yaml (default: INSPECTQA_CORPUS_DIR or ./corpus)")
    build.add_argument("--out", dest="index", type=Path, help="index folder to build (default: INSPECTQA_INDEX_DIR or ./var/index)")
    build.add_argument("--force", action="store_true", help="rebuild even when the index is up to date")
    build.add_argument("--quiet", action="store_true", help="no progress bar")
    build.add_argument(
        "--ray",
        metavar="ADDRESS",
        help="encode on a Ray cluster: 'auto' (a cluster started here with 'ray start --head', or RAY_ADDRESS), "
        "'local' (start one on this machine), or an address such as ray://head:10001; the index written is the same (docs/scaling.md)",
    )
    build.set_defaults(func=_cmd_index_build)
    status = index_sub.add_parser("status", help="print the index manifest and any mismatch with the settings", epilog=EPILOG)
    status.add_argument("--index", type=Path, help="index folder (default: INSPECTQA_INDEX_DIR)")
    status.set_defaults(func=_cmd_index_status)

    ask = commands.add_parser(
        "ask",
        help="answer one question from the command line",
        description="Answer a question with sentences quoted from the sources and list the cited passages.",
        epilog=EPILOG,
    )
    ask.add_argument("question", help="the question, quoted")
    ask.add_argument("--top-k", type=int, default=5, choices=range(1, 21), metavar="N", help="passages to cite, 1-20 (default 5)")
    ask.add_argument("--json", action="store_true", help="print the same JSON as POST /ask")
    ask.add_argument("--index", type=Path, help="index folder (default: INSPECTQA_INDEX_DIR)")
    ask.set_defaults(func=_cmd_ask)

    serve = commands.add_parser(
        "serve",
        help="serve the HTTP API",
        description="Serve the HTTP API (docs at /docs). The model and index load once at start.",
        epilog=EPILOG,
    )
    serve.add_argument("--host", help="address to bind (default: INSPECTQA_HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default: INSPECTQA_PORT or 8000)")
    serve.add_argument("--index", type=Path, help="index folder (default: INSPECTQA_INDEX_DIR)")
    serve.set_defaults(func=_cmd_serve)
    register_eval(commands)

    from service import keys_cli

    keys_cli.register(commands)
    register_corpus(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except InspectQAError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; the previous index (if any) is untouched", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
