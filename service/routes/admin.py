"""POST /admin/documents (upload a file), DELETE /admin/documents/{doc_id} and GET /admin/jobs/{job_id}:
corpus add/remove over HTTP, as jobs.

Admin keys only (or auth off). A change is checked at once (type, size, metadata, an existing doc_id,
a byte-identical file: 4xx before anything is queued) and then answered 202 with a job id; the job
(service/jobs.py) rebuilds the index (incrementally, atomically, journalled) and swaps the service
onto it through service/reload.py, like POST /admin/reload. Questions keep being answered from the
old index until the new one is loaded, and from the old one still if it fails to load.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Callable

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.exceptions import HTTPException
from fastapi.responses import JSONResponse

from index.build.builder import build_index
from index.errors import CorpusConflict, DocumentNotFound, DuplicateDocument, UnsupportedDocument
from index.ingest.corpus import KINDS, read_entries
from index.ingest.extract import SUPPORTED_SUFFIXES
from index.ingest.manage import Overrides, add_documents, corpus_raw_hashes, remove_document, slugify
from service.access import require_admin
from service.audit import note
from service.deps import State
from service.errors import ReloadFailed, domain_answer, error_response, for_http_caller
from service.jobs import JobQueue, JobsFull
from service.reload import Builder, swap_index
from service.schemas import AddedDocument, ErrorResponse, JobStatus

UPLOAD_PATH = "/admin/documents"
router = APIRouter(prefix="/admin", tags=["admin"], dependencies=[Depends(require_admin)])
_CHUNK = 1 << 16
_NAME_LIMIT = 80  # characters of an upload's name kept (as a slug): a 300-byte name must never reach open()


def get_builder() -> Builder:
    """What rebuilds the index after a corpus change (a dependency, so a test can hand in a build that fails to load)."""
    return build_index


BuildWith = Annotated[Builder, Depends(get_builder)]


def get_jobs(request: Request) -> JobQueue:
    return request.app.state.jobs


Jobs = Annotated[JobQueue, Depends(get_jobs)]


def classify(exc: BaseException) -> tuple[str, str]:
    """(code, message) a failed job reports."""
    answer = domain_answer(exc) if isinstance(exc, Exception) else None
    if answer is None:
        return "internal_error", "the change failed unexpectedly; the service log has the details"
    return answer[1], for_http_caller(str(exc))


def job_status(job) -> JobStatus:
    fields = {k: getattr(job, k) for k in ("job_id", "kind", "state", "progress", "doc_id", "file", "reason", "code", "created_at", "updated_at")}
    return JobStatus(**fields, document=job.document, url=f"/admin/jobs/{job.job_id}")


def _accepted(job) -> JSONResponse:
    return JSONResponse(job_status(job).model_dump(mode="json"), status_code=202, headers={"Location": f"/admin/jobs/{job.job_id}"})


def _submit(request: Request, jobs: JobQueue, kind: str, work, cleanup=lambda: None, **fields):
    identity = (request.scope.get("state") or {}).get("identity")
    try:
        job = jobs.submit(kind, work, cleanup, submitted_by=identity.name if identity else None, **fields)
    except JobsFull as exc:
        cleanup()
        raise HTTPException(429, str(exc), headers={"Retry-After": "10"}) from None
    note(request, detail=f"job {job.job_id}; {kind} doc_id {fields.get('doc_id') or '(from its title, in the job record)'}")
    return job


def safe_name(filename: str | None) -> str:
    """An upload's name as a short slug with its suffix, made before any filesystem call sees it."""
    raw = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    stem, dot, suffix = raw.rpartition(".")
    if not dot:
        stem, suffix = raw, ""
    suffix = f".{suffix.lower()}" if suffix else ""
    return slugify(stem)[:_NAME_LIMIT].strip("-") + suffix


def _save_upload(upload: UploadFile, folder: Path, limit: int) -> tuple[Path, str]:
    """The upload written under a safe name, and the sha256 of its bytes."""
    name = safe_name(upload.filename)
    if Path(name).suffix not in SUPPORTED_SUFFIXES:
        raise HTTPException(415, f"{name or 'the upload'}: unsupported file type; send one of {', '.join(SUPPORTED_SUFFIXES)}")
    target = folder / name
    size = 0
    digest = hashlib.sha256()
    with target.open("wb") as out:
        while chunk := upload.file.read(_CHUNK):
            size += len(chunk)
            if size > limit:
                raise HTTPException(413, f"{name}: larger than the {limit} byte limit (INSPECTQA_MAX_UPLOAD_BYTES)")
            digest.update(chunk)
            out.write(chunk)
    return target, digest.hexdigest()


_RESPONSES = {code: {"model": ErrorResponse} for code in (404, 409, 413, 415, 422, 429, 503)}


@router.post("/documents", status_code=202, response_model=JobStatus, responses=_RESPONSES)
def upload_document(
    request: Request,
    state: State,
    builder: BuildWith,
    jobs: Jobs,
    file: Annotated[UploadFile, File(description=f"The document: {', '.join(SUPPORTED_SUFFIXES)}")],
    title: Annotated[str | None, Form(description="At most 300 characters, no control characters.")] = None,
    published: Annotated[dt.date | None, Form(description="Not after tomorrow.")] = None,
    kind: Annotated[str | None, Form(description=f"A lower-case slug, e.g. {', '.join(KINDS)}, minutes")] = None,
    publisher: Annotated[str | None, Form(description="At most 200 characters, no control characters.")] = None,
    doc_id: Annotated[str | None, Form(description="A lower-case slug (letters, digits, hyphens); default: one made from the title.")] = None,
    access: Annotated[
        list[str] | None, Form(description="A group that may see the document (repeat the field for several); none: everyone allowed on the service.")
    ] = None,
    url: Annotated[str | None, Form(description="Where the document was published (http or https)")] = None,
) -> JSONResponse:
    """Add one document (same as `inspectqa corpus add`), as a job: 202 with its id at once, then poll
    GET /admin/jobs/{job_id} (state queued, extracting, building, loading, published, or failed with the reason:
    a text already in the corpus, an unreadable file, an index that did not load). Refused at once: 413 over
    the size limit, 415 for other types, 422 for bad metadata (the field is named), 409 for a doc_id already
    in the corpus or a byte-identical copy of a corpus file, 429 when too many changes wait."""
    settings = state.settings
    limit = settings.max_upload_bytes
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit + _CHUNK:  # refuse before reading the body
        raise HTTPException(413, f"upload larger than the {limit} byte limit (INSPECTQA_MAX_UPLOAD_BYTES)")
    overrides = Overrides(title=title, published=published, kind=kind, publisher=publisher, doc_id=doc_id, access=tuple(access or ()), url=url)
    # checked before any file is written: a doc_id becomes a file name in the corpus folder
    if problems := overrides.problems():
        raise HTTPException(422, "; ".join(problems))
    entries = read_entries(settings.corpus_dir)
    if doc_id is not None and any(str(e.get("doc_id")) == doc_id for e in entries if isinstance(e, dict)):
        raise CorpusConflict(f"doc_id {doc_id!r} is already in the corpus; remove it first or give another")
    folder = Path(tempfile.mkdtemp(prefix="inspectqa-upload-"))
    cleanup = lambda: shutil.rmtree(folder, ignore_errors=True)  # noqa: E731
    try:
        path, digest = _save_upload(file, folder, limit)
        same = corpus_raw_hashes(Path(settings.corpus_dir), entries).get(digest)
        if same:
            raise DuplicateDocument(f"{path.name}: the same file as document {same!r}; nothing was added")
    except BaseException:
        cleanup()
        raise
    app = request.app

    def work(job_id: str, stage: Callable[[str], None]):
        def change(rebuild):
            return add_documents(
                settings.corpus_dir, [path], overrides, rebuild, settings.ocr_reader,
                progress=lambda s: stage("loading" if s == "published" else s), job_id=job_id, index_dir=settings.index_dir,
            )  # fmt: skip

        plan, swap = swap_index(app, change, builder)
        outcome = plan.outcomes[0]
        if outcome.status == "duplicate":
            raise DuplicateDocument(outcome.message)
        if outcome.status == "failed":
            raise UnsupportedDocument(outcome.message)
        if not swap.ok:
            raise ReloadFailed(f"{path.name} was added as {outcome.doc_id!r}, but the rebuilt index did not load: {swap.message}", serving=swap.serving)
        entry = plan.entries[0]
        added = AddedDocument(**{k: entry[k] for k in ("doc_id", "title", "kind", "published", "publisher", "file")}, access=entry.get("access", []))
        return entry["doc_id"], added.model_dump()

    return _accepted(_submit(request, jobs, "add", work, cleanup, doc_id=doc_id, file=path.name))


@router.delete("/documents/{doc_id}", status_code=202, response_model=JobStatus, responses=_RESPONSES)
def delete_document(doc_id: str, request: Request, state: State, builder: BuildWith, jobs: Jobs) -> JSONResponse:
    """Remove a document (same as `inspectqa corpus remove`), as a job: 202 with its id, then poll
    GET /admin/jobs/{job_id}; its passages leave answers once the job is published. 404 for a doc_id
    not in the corpus, 409 for the only document."""
    settings = state.settings
    entries = [e for e in read_entries(settings.corpus_dir) if isinstance(e, dict)]
    if not any(str(e.get("doc_id")) == doc_id for e in entries):
        raise DocumentNotFound(f"no document {doc_id!r} in the corpus; GET /documents lists the doc_ids")
    if len(entries) == 1:
        raise CorpusConflict(f"{doc_id!r} is the only document; a corpus needs at least one")
    app = request.app

    def work(job_id: str, stage: Callable[[str], None]):
        def change(rebuild):
            return remove_document(
                settings.corpus_dir, doc_id, rebuild, progress=lambda s: stage("loading" if s == "published" else s), job_id=job_id, index_dir=settings.index_dir
            )

        entry, swap = swap_index(app, change, builder)
        if not swap.ok:
            raise ReloadFailed(f"{doc_id} was removed, but the rebuilt index did not load: {swap.message}", serving=swap.serving)
        return entry["doc_id"], None

    return _accepted(_submit(request, jobs, "remove", work, doc_id=doc_id))


@router.get("/jobs/{job_id}", response_model=JobStatus, responses={404: {"model": ErrorResponse}})
def get_job(job_id: str, jobs: Jobs) -> JobStatus:
    """A corpus change's state: queued, extracting, building, loading (the new index), published, or failed with `reason`."""
    job = jobs.get(job_id)
    if job is None:
        return error_response(404, "not_found", f"no job {job_id[:40]!r}; a job id is the 16 hex characters POST or DELETE /admin/documents gave")
    return job_status(job)
