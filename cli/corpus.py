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


_STAGES = {"queued": 0, "extracting": 1, "building": 3, "loading": 9, "published": 10, "failed": 10}


def _bar(stage: str) -> None:
    """One line per stage of the change on stderr, as a bar: [###-------] building."""
    filled = _STAGES.get(stage, 0)
    end = "\n" if stage in ("published", "failed") or not sys.stderr.isatty() else "\r"
    print(f"[{'#' * filled}{'-' * (10 - filled)}] {stage:<10}", end=end, file=sys.stderr, flush=True)


def _jobs_folder(settings) -> Path:
    return settings.jobs_folder


def _tracked(settings, args, kind: str):
    """The progress callback of this change: the bar, and the job record when run as `--no-wait`'s background job."""
    if not args.job_id:
        return _bar, lambda **fields: None
    import dataclasses
    import os

    from service.jobs import PROGRESS, Job, read_record, write_record

    folder = _jobs_folder(settings)
    job = read_record(folder, args.job_id) or Job(job_id=args.job_id, kind=kind)
    job = dataclasses.replace(job, pid=os.getpid())
    write_record(folder, job)

    def update(**fields) -> None:
        nonlocal job
        if "state" in fields:
            fields.setdefault("progress", PROGRESS[fields["state"]])
        job = dataclasses.replace(job, updated_at=dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds"), **fields)
        write_record(folder, job)

    return (lambda stage: update(state="loading" if stage == "published" else stage)), update


def _in_background(settings, args, kind: str, doc_id: str | None) -> int:
    """--no-wait: record a queued job, run this same command as a detached process that keeps the record, print the id."""
    import subprocess

    from service.jobs import Job, new_job_id, write_record

    job = Job(job_id=new_job_id(), kind=kind, doc_id=doc_id)
    folder = _jobs_folder(settings)
    write_record(folder, job)
    argv = [a for a in args.argv if a != "--no-wait"] + ["--job-id", job.job_id, "--wait", "0"]
    with (folder / f"{job.job_id}.log").open("w", encoding="utf-8") as log:
        subprocess.Popen([sys.executable, "-m", "cli", *argv], stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True)
    print(job.job_id)
    print(f"queued; 'inspectqa corpus job {job.job_id}' shows its state (log: {folder / (job.job_id + '.log')})", file=sys.stderr)
    return 0


def _iso_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not an ISO date (YYYY-MM-DD)") from None


def _cmd_add(args: argparse.Namespace) -> int:
    from index.ingest.manage import Overrides, add_documents

    settings = _settings(args)
    overrides = Overrides(args.title, args.published, args.kind, args.publisher, args.doc_id, access=tuple(args.access or ()), url=args.url, authority=args.authority)
    if problems := overrides.problems():
        print(f"error: {'; '.join(problems)}", file=sys.stderr)
        return 2
    if args.no_wait:
        return _in_background(settings, args, "add", args.doc_id)
    progress, update = _tracked(settings, args, "add")
    try:
        plan = add_documents(
            settings.corpus_dir, args.paths, overrides, _rebuilder(settings), settings.ocr_reader, progress=progress, job_id=args.job_id, index_dir=settings.index_dir
        )
    except Exception as exc:
        update(state="failed", code=exc.__class__.__name__, reason=str(exc))
        raise
    for outcome in plan.outcomes:
        stream = sys.stderr if outcome.status == "failed" else sys.stdout
        print(f"{outcome.status}: {outcome.message}", file=stream)
    failed = [o for o in plan.outcomes if o.status != "added"]
    if plan.entries:
        update(state="published", doc_id=plan.entries[0]["doc_id"], document=plan.entries[0])
    else:
        update(state="failed", code=failed[0].status if failed else "nothing", reason="; ".join(o.message for o in failed) or "nothing to add")
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
    if args.no_wait:
        return _in_background(settings, args, "remove", args.doc_id)
    progress, update = _tracked(settings, args, "remove")
    try:
        entry = remove_document(settings.corpus_dir, args.doc_id, _rebuilder(settings), progress=progress, job_id=args.job_id, index_dir=settings.index_dir)
    except Exception as exc:
        update(state="failed", code=exc.__class__.__name__, reason=str(exc))
        raise
    update(state="published", doc_id=entry["doc_id"])
    print(f"removed {entry['doc_id']} ({entry['file']})")
    report_pickup(settings, args.wait)
    return 0


def _process_alive(pid: int) -> bool:
    import os

    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


def _cmd_job(args: argparse.Namespace) -> int:
    """A corpus-change job's state (from `--no-wait` or an upload); with --follow, a bar until it ends."""
    import time

    from service.jobs import read_record

    folder = _jobs_folder(_settings(args))
    while True:
        job = read_record(folder, args.job_id)
        if job is None:
            print(f"error: no job {args.job_id!r} in {folder}", file=sys.stderr)
            return 2
        if not args.follow or job.finished:
            break
        if job.pid and not _process_alive(job.pid):
            print(f"{job.job_id}\t{job.kind}\tfailed\t{job.doc_id or '-'}\tthe process making the change (pid {job.pid}) stopped; "
                  "the next corpus change settles what it left", file=sys.stderr)  # fmt: skip
            return 1
        _bar(job.state)
        time.sleep(0.5)
    if args.follow:
        _bar(job.state)
    print(f"{job.job_id}\t{job.kind}\t{job.state}\t{job.doc_id or '-'}\t{job.reason or ''}".rstrip())
    return 1 if job.state == "failed" else 0


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
        parser.add_argument(
            "--no-wait", action="store_true",
            help="print a job id at once and make the change in the background; 'inspectqa corpus job ID' shows its state",
        )  # fmt: skip
        parser.add_argument("--job-id", help=argparse.SUPPRESS)  # set by --no-wait for the background process
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

    job = sub.add_parser(
        "job", help="the state of a corpus change run with --no-wait (or uploaded)",
        description="Print a corpus-change job: id, add/remove, state (queued, extracting, building, loading, published, failed), doc_id, "
        "and why it failed. Exit code 1 when it failed.",
    )  # fmt: skip
    job.add_argument("job_id")
    job.add_argument("--follow", action="store_true", help="show a progress bar until the job is published or failed")
    job.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    job.add_argument("--index", type=Path, help="index folder whose jobs folder to read (default: INSPECTQA_INDEX_DIR or ./var/index)")
    job.set_defaults(func=_cmd_job)
