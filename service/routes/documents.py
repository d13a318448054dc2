"""GET /documents, GET /documents/{doc_id} and GET /documents/{doc_id}/original: what the index holds,
the text citations point into, and the file as it was published (a PDF opens at the cited page)."""

from __future__ import annotations

import mimetypes
from collections import Counter
from pathlib import Path

import numpy as np

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse

from index.errors import CorpusError, DocumentNotFound
from index.ingest.corpus import read_entries
from service.audit import note
from service.deps import Answerer, CallerAccess, State
from service.schemas import DocumentFacets, DocumentOut, DocumentSummary, ErrorResponse, FacetCount

router = APIRouter(tags=["documents"])


def _summary(doc, passage_count: int) -> dict:
    return {
        "doc_id": doc.doc_id,
        "title": doc.title,
        "publisher": doc.publisher,
        "kind": doc.kind,
        "published": doc.published_iso,
        "passage_count": passage_count,
        "url": doc.url,
        "authority": doc.authority,
        "authority_source": doc.authority_source or None,
    }


@router.get("/documents", response_model=list[DocumentSummary])
def list_documents(answerer: Answerer, access: CallerAccess, request: Request) -> list[DocumentSummary]:
    """Every indexed document the caller may see."""
    note(request, build_id=answerer.index.path.name)
    documents = answerer.index.documents
    # passages per document from the doc-number column: no passage text is read
    counts = np.bincount(answerer.index.passage_doc_numbers, minlength=len(documents.doc_ids))
    described = ((n, documents.metadata(doc_id)) for n, doc_id in enumerate(documents.doc_ids) if doc_id in documents)
    return [DocumentSummary(**_summary(d, int(counts[n]))) for n, d in described if access.may_see(d)]


@router.get("/documents/facets", response_model=DocumentFacets)
def document_facets(answerer: Answerer, access: CallerAccess, request: Request) -> DocumentFacets:
    """How many documents the caller may see per local authority and per kind: what the authority and kind filters
    of /ask, /search and /timeline can take."""
    note(request, build_id=answerer.index.path.name)
    documents = answerer.index.documents
    seen = [d for d in (documents.metadata(doc_id) for doc_id in documents) if access.may_see(d)]

    def counts(values) -> list[FacetCount]:
        tally = Counter(values)
        return [FacetCount(value=v, count=n) for v, n in sorted(tally.items(), key=lambda vn: (-vn[1], vn[0] or ""))]

    return DocumentFacets(authority=counts(d.authority for d in seen), kind=counts(d.kind for d in seen))


@router.get("/documents/{doc_id}", response_model=DocumentOut, responses={404: {"model": ErrorResponse}})
def get_document(doc_id: str, answerer: Answerer, access: CallerAccess, request: Request) -> DocumentOut:
    """One document's metadata and clean text; `text[start:end]` of a citation is its passage. 404 for a
    document the caller may not see, exactly as for one that does not exist."""
    note(request, build_id=answerer.index.path.name, detail=f"doc_id={doc_id[:200]}")
    doc = answerer.index.documents.get(doc_id)
    if doc is None or not access.may_see(doc):
        raise DocumentNotFound(f"no document {doc_id!r}; GET /documents lists the known ones")
    count = int((answerer.index.passage_doc_numbers == answerer.index.documents.number(doc_id)).sum())
    return DocumentOut(**_summary(doc, count), text=doc.text)


# the formats index.ingest.extract reads; anything else is sent as bytes to download, never rendered
_MEDIA_TYPES = {
    ".pdf": "application/pdf",
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
}
# A captured web page is someone else's markup: served to a browser it must not run scripts or load
# anything, so it goes out under a sandbox that allows nothing.
_ORIGINAL_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "private, no-cache",
}


def original_path(corpus_dir: Path, doc_id: str) -> Path | None:
    """The source file documents.yaml names for `doc_id`, or None when it is not listed, missing, or
    would lie outside the corpus folder (a `file: ../x` entry, a symlink out): never served."""
    root = Path(corpus_dir).resolve()
    try:
        entries = read_entries(root)
    except CorpusError:
        return None
    listed = next((e.get("file") for e in entries if isinstance(e, dict) and str(e.get("doc_id")) == doc_id), None)
    if not listed:
        return None
    path = (root / str(listed)).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return None
    return path


@router.get(
    "/documents/{doc_id}/original",
    response_class=FileResponse,
    responses={200: {"content": {t.split(";")[0]: {} for t in _MEDIA_TYPES.values()}}, 404: {"model": ErrorResponse}},
)
def get_original(doc_id: str, answerer: Answerer, state: State, access: CallerAccess, request: Request) -> FileResponse:
    """The document's source file as stored in the corpus (the PDF as published), with its media type.
    Citation offsets point into the clean text of GET /documents/{doc_id}, not into this file; a PDF
    citation's `pages` and `highlights[].page` are pages of this file. 404 for a document the caller may
    not see, exactly as for one that does not exist."""
    note(request, build_id=answerer.index.path.name, detail=f"original doc_id={doc_id[:200]}")
    doc = answerer.index.documents.get(doc_id)
    if doc is None or not access.may_see(doc):
        raise DocumentNotFound(f"no document {doc_id!r}; GET /documents lists the known ones")
    path = original_path(state.settings.corpus_dir, doc_id)
    if path is None:
        raise DocumentNotFound(f"the source file of {doc_id!r} is no longer in the corpus folder")
    suffix = path.suffix.lower()
    media_type = _MEDIA_TYPES.get(suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    # inline for a PDF (the chat page renders it); the rest download under their own name
    disposition = "inline" if suffix == ".pdf" else "attachment"
    return FileResponse(path, media_type=media_type, headers=_ORIGINAL_HEADERS, filename=path.name, content_disposition_type=disposition)
