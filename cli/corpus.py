"""`inspectqa corpus add|list|remove`: manage the documents behind the index from the command line."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from cli.options import settings_for as _settings
from index.ingest.corpus import KINDS, load_corpus
from index.ingest.extract import SUPPORTED_SUFFIXES
from index.settings import Settings


# how long the command waits for running services to report the new build (each looks every INSPECTQA_INDEX_POLL_SECONDS)
PICKUP_WAIT_SECONDS = 20.0


def report_pickup(settings: Settings, wait: float) -> None:
    """Say which running services now serve the new build, waiting up to `wait` seconds for them."""
    from service.watch import pickup_report, wait_for_pickup

    if wait <= 0:
        return
    target, pickups = wait_for_pickup(settings.index_dir, wait)
    for line in pickup_report(target, pickups, wait):
        print(line)


def _rebuilder(settings: Settings):
    def rebuild(documents):
        from index.build.builder import build_index
        from index.build.embed import Encoder

        manifest = build_index(settings, Encoder.for_settings(settings), log=lambda m: print(m, file=sys.stderr), documents=documents)
        print(f"index rebuilt: {manifest.document_count} documents, {manifest.passage_count} passages -> {settings.index_dir}")

    return rebuild


def _iso_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not an ISO date (YYYY-MM-DD)") from None


def _cmd_add(args: argparse.Namespace) -> int:
    from index.ingest.manage import Overrides, add_documents

    settings = _settings(args)
    overrides = Overrides(args.title, args.published, args.kind, args.publisher, args.doc_id, access=tuple(args.access or ()), url=args.url, authority=args.authority)
    plan = add_documents(settings.corpus_dir, args.paths, overrides, _rebuilder(settings), settings.ocr_reader)
    for outcome in plan.outcomes:
        stream = sys.stderr if outcome.status == "failed" else sys.stdout
        print(f"{outcome.status}: {outcome.message}", file=stream)
    if plan.entries:
        report_pickup(settings, args.wait)
    return 1 if plan.failed else 0


def _cmd_list(args: argparse.Namespace) -> int:
    settings = _settings(args)
    for doc in load_corpus(settings.corpus_dir, ocr=settings.ocr_reader):
        pages = f"{len(doc.pages)} pages" if doc.pages else "no pages"
        print(f"{doc.doc_id}\t{doc.kind}\t{doc.published or 'undated'}\t{doc.source_file}\t{pages}\t{doc.title}")
    return 0


def _cmd_remove(args: argparse.Namespace) -> int:
    from index.ingest.manage import remove_document

    settings = _settings(args)
    entry = remove_document(settings.corpus_dir, args.doc_id, _rebuilder(settings))
    print(f"removed {entry['doc_id']} ({entry['file']})")
    report_pickup(settings, args.wait)
    return 0


def _url(value: str) -> str:
    from index.ingest.corpus import check_url

    try:
        return check_url(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _common(parser: argparse.ArgumentParser, changes: bool = True) -> None:
    parser.add_argument("--corpus", type=Path, help="corpus folder holding documents.yaml (default: INSPECTQA_CORPUS_DIR or ./corpus)")
    if changes:
        parser.add_argument("--index", type=Path, help="index folder to rebuild (default: INSPECTQA_INDEX_DIR or ./var/index)")
        parser.add_argument(
            "--wait", type=float, default=PICKUP_WAIT_SECONDS, metavar="SECONDS",
            help=f"wait up to this long for running services to pick up the new index and say which did (default: {PICKUP_WAIT_SECONDS:g}; 0: do not wait)",
        )  # fmt: skip
    else:
        parser.add_argument("--index", type=Path, help="not used: list reads documents.yaml only (accepted so add, list and remove take the same flags)")


def register(commands) -> None:
    corpus = commands.add_parser("corpus", help="add, list or remove documents", description="Add, list or remove the documents behind the index.")
    sub = corpus.add_subparsers(dest="corpus_command", required=True, metavar="ACTION")

    add = sub.add_parser(
        "add",
        help="add files or folders of files, then rebuild the index",
        description=f"Add documents ({', '.join(SUPPORTED_SUFFIXES)}; a folder adds every such file in it). Title and date "
        "come from the file's metadata where present, flags override. Files are copied into the corpus folder, "
        "documents.yaml gets one entry each, and the index is rebuilt (only new passages are embedded); running services "
        "swap the new index in within a few seconds, and the command says which did. A file that "
        "cannot be read is reported and the rest still go in (exit code 1); a file whose text is already in the "
        "corpus is reported and skipped.",
    )
    add.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="files or folders")
    add.add_argument("--title", help="title (one file only; default: from the file)")
    add.add_argument("--published", type=_iso_date, help="publication date YYYY-MM-DD (default: from the page metadata, else none)")
    add.add_argument(
        "--kind",
        help=f"any lower-case slug, e.g. {', '.join(KINDS)}, minutes, improvement-plan "
        "(default: inspection-report for PDF, news for HTML, commentary otherwise)",
    )
    add.add_argument("--publisher", help="publisher (default: none)")
    add.add_argument("--doc-id", help="doc_id slug (one file only; default: a slug of the title)")
    add.add_argument(
        "--access",
        action="append",
        metavar="GROUP",
        help="only callers in GROUP may see the document (repeatable: any of the groups); default: everyone allowed on the service",
    )
    add.add_argument(
        "--authority",
        help="the local authority the documents are about, e.g. Wakefield (default: found from each document's text: "
        "a letter's addressee block, else the council it names most)",
    )
    add.add_argument("--url", type=_url, help="where the document was published, http:// or https:// (one file only); shown as 'Original' on the chat page")
    _common(add)
    add.set_defaults(func=_cmd_add)

    listing = sub.add_parser(
        "list", help="list the corpus documents",
        description="One line per document of documents.yaml: doc_id, kind, date, file, pages, title. It reads the corpus, "
        "not the index: 'inspectqa index status' says whether the index was built from it.",
    )  # fmt: skip
    _common(listing, changes=False)
    listing.set_defaults(func=_cmd_list)

    remove = sub.add_parser("remove", help="remove a document and rebuild the index", description="Remove a document's entry and file, then rebuild the index.")
    remove.add_argument("doc_id")
    _common(remove)
    remove.set_defaults(func=_cmd_remove)
