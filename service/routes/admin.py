"""POST /admin/documents (upload a file) and DELETE /admin/documents/{doc_id}: corpus add/remove over HTTP.

Admin keys only (or auth off). Each change rebuilds the index (incrementally, atomically) and then
swaps the service onto it through service/reload.py, like POST /admin/reload; questions keep being
answered from the old index until the new one is loaded, and from the old one still if it fails to load.
Domain errors (unknown document, duplicate, unreadable file ...) become HTTP answers in service/errors.py.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Annotated, Any, Callable

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.exceptions import HTTPException

from index.build.builder import build_index
from index.errors import DuplicateDocument, UnsupportedDocument
from index.ingest.corpus import KINDS
from index.ingest.extract import SUPPORTED_SUFFIXES
from index.ingest.manage import Overrides, add_documents, remove_document
from service.access import require_admin
from service.deps import State
from service.errors import ReloadFailed
from service.reload import Builder, swap_index
from service.schemas import AddedDocument, ErrorResponse, RemovedDocument

UPLOAD_PATH = "/admin/documents"
router = APIRouter(prefix="/admin", tags=["admin"], dependencies=[Depends(require_admin)])
_CHUNK = 1 << 16


def get_builder() -> Builder:
    """What rebuilds the index after a corpus change (a dependency, so a test can hand in a build that fails to load)."""
    return build_index


BuildWith = Annotated[Builder, Depends(get_builder)]


def _change_and_swap(request: Request, change: Callable, builder: Builder, what: str) -> Any:
    """The corpus change and its rebuild, then the swap, all through service/reload.py under its one lock."""
    result, swap = swap_index(request.app, change, builder)
    if not swap.ok:
        raise ReloadFailed(f"{what}, but the rebuilt index did not load: {swap.message}", serving=swap.serving)
    return result


def _save_upload(upload: UploadFile, folder: Path, limit: int) -> Path:
    name = Path(upload.filename or "").name
    if Path(name).suffix.lower() not in SUPPORTED_SUFFIXES:
        raise HTTPException(415, f"{name or 'the upload'}: unsupported file type; send one of {', '.join(SUPPORTED_SUFFIXES)}")
    target = folder / name
    size = 0
    with target.open("wb") as out:
        while chunk := upload.file.read(_CHUNK):
            size += len(chunk)
            if size > limit:
                raise HTTPException(413, f"{name}: larger than the {limit} byte limit (INSPECTQA_MAX_UPLOAD_BYTES)")
            out.write(chunk)
    return target


_RESPONSES = {code: {"model": ErrorResponse} for code in (404, 409, 413, 415, 422, 503)}


@router.post("/documents", status_code=201, response_model=AddedDocument, responses=_RESPONSES)
def upload_document(
    request: Request,
    state: State,
    builder: BuildWith,
    file: Annotated[UploadFile, File(description=f"The document: {', '.join(SUPPORTED_SUFFIXES)}")],
    title: Annotated[str | None, Form()] = None,
    published: Annotated[dt.date | None, Form()] = None,
    kind: Annotated[str | None, Form(description=f"A lower-case slug, e.g. {', '.join(KINDS)}, minutes")] = None,
    publisher: Annotated[str | None, Form()] = None,
    doc_id: Annotated[str | None, Form(description="A lower-case slug (letters, digits, hyphens); default: one made from the title.")] = None,
    access: Annotated[
        list[str] | None, Form(description="A group that may see the document (repeat the field for several); none: everyone allowed on the service.")
    ] = None,
    url: Annotated[str | None, Form(description="Where the document was published (http or https)")] = None,
) -> AddedDocument:
    """Add one document (same as `inspectqa corpus add`): 413 over the size limit, 415 for other types,
    409 when its text is already in the corpus, 422 when it cannot be read (encrypted, corrupt, no text);
    409 `reload_failed` when it went in but the rebuilt index did not load (the previous one keeps serving)."""
    limit = state.settings.max_upload_bytes
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit + _CHUNK:  # refuse before reading the body
        raise HTTPException(413, f"upload larger than the {limit} byte limit (INSPECTQA_MAX_UPLOAD_BYTES)")
    overrides = Overrides(title=title, published=published, kind=kind, publisher=publisher, doc_id=doc_id, access=tuple(access or ()), url=url)
    # checked before any file is written: a doc_id becomes a file name in the corpus folder
    if problems := overrides.problems():
        raise HTTPException(422, "; ".join(problems))
    with tempfile.TemporaryDirectory() as tmp:
        path = _save_upload(file, Path(tmp), limit)
        name = path.name
        plan = _change_and_swap(
            request, lambda rebuild: add_documents(state.settings.corpus_dir, [path], overrides, rebuild, state.settings.ocr_reader), builder, f"{name} was added"
        )
    outcome = plan.outcomes[0]
    if outcome.status == "duplicate":
        raise DuplicateDocument(outcome.message)
    if outcome.status == "failed":
        raise UnsupportedDocument(outcome.message)
    entry = plan.entries[0]
    return AddedDocument(**{k: entry[k] for k in ("doc_id", "title", "kind", "published", "publisher", "file")}, access=entry.get("access", []))


@router.delete("/documents/{doc_id}", response_model=RemovedDocument, responses=_RESPONSES)
def delete_document(doc_id: str, request: Request, state: State, builder: BuildWith) -> RemovedDocument:
    """Remove a document (same as `inspectqa corpus remove`); its passages leave answers at once."""
    entry = _change_and_swap(request, lambda rebuild: remove_document(state.settings.corpus_dir, doc_id, rebuild), builder, f"{doc_id} was removed")
    return RemovedDocument(doc_id=entry["doc_id"], file=entry["file"])
