"""`inspectqa index build|status`: build the search index from the corpus, or say what it was built with."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from cli.options import EPILOG, settings_for


def _build(args: argparse.Namespace) -> int:
    from index.build.builder import build_index, index_is_current
    from index.build.embed import Encoder
    from index.ingest.corpus import load_corpus
    from index.ingest.lock import corpus_lock

    settings = settings_for(args)
    # no corpus add/remove (CLI or upload) may change documents.yaml between reading it and swapping the build in
    with corpus_lock(settings.corpus_dir):
        from index.ingest.journal import recover

        if recovery := recover(settings.corpus_dir, settings.index_dir):  # a change a dead process left, settled first
            print(recovery.message, file=sys.stderr)
        documents = load_corpus(settings.corpus_dir, ocr=settings.ocr_reader)  # extracted and cleaned once, for the check and the build
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
    from cli.corpus import report_pickup

    report_pickup(settings, args.wait)
    return 0


def _status(args: argparse.Namespace) -> int:
    from index.build.store import read_manifest
    from index.errors import CorpusError
    from index.ingest.corpus import corpus_hash, load_corpus
    from service.watch import heartbeats_dir, index_pointer, read_heartbeats

    settings = settings_for(args)
    manifest = read_manifest(settings.index_dir)
    print(json.dumps(manifest.__dict__, indent=2))
    problems = [f"mismatch: {problem}" for problem in manifest.mismatches(settings)]
    try:
        if corpus_hash(load_corpus(settings.corpus_dir)) != manifest.corpus_hash:
            problems.append(
                f"the corpus in {settings.corpus_dir} has changed since this index was built at {manifest.built_at}; "
                "'inspectqa index build' brings the index up to date"
            )
    except CorpusError as exc:
        problems.append(f"the corpus cannot be read, so it cannot be compared with the index: {exc}")
    from index.ingest.journal import pending

    if change := pending(settings.corpus_dir):
        problems.append(
            f"an unfinished corpus change: {change.describe()}; the next corpus change, 'inspectqa index build' "
            "or a service start finishes it or rolls it back (whichever matches the published index)"
        )
    for problem in problems:
        print(problem, file=sys.stderr)
    current = index_pointer(settings.index_dir)
    for beat in read_heartbeats(heartbeats_dir(settings.index_dir)):
        state = "serves this index" if beat.serves == current else "serves an older build"
        print(f"{beat.describe()} {state}", file=sys.stderr)
    return 1 if problems else 0


def register(commands) -> None:
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
        "--wait", type=float, default=20.0, metavar="SECONDS",
        help="wait up to this long for running services to pick up the new index and say which did (default: 20; 0: do not wait)",
    )  # fmt: skip
    build.add_argument(
        "--ray",
        metavar="ADDRESS",
        help="encode on a Ray cluster: 'auto' (a cluster started here with 'ray start --head', or RAY_ADDRESS), "
        "'local' (start one on this machine), or an address such as ray://head:10001; the index written is the same (docs/scaling.md)",
    )
    build.set_defaults(func=_build)
    status = index_sub.add_parser(
        "status",
        help="print the index manifest, and say if the settings or the corpus differ from what it was built with",
        description="Print the index manifest (model, chunking, counts, build time) as JSON. Then say whether the settings "
        "differ from those the index was built with, whether the corpus has changed since the build (documents added, "
        "removed or edited without a rebuild), and which running services serve it. Exit code 1 when the index is out "
        "of date or does not match the settings.",
        epilog=EPILOG,
    )
    status.add_argument("--corpus", type=Path, help="corpus folder to compare with (default: INSPECTQA_CORPUS_DIR or ./corpus)")
    status.add_argument("--index", type=Path, help="index folder (default: INSPECTQA_INDEX_DIR)")
    status.set_defaults(func=_status)
