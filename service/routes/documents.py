"""GET /documents and GET /documents/{doc_id}: what the index holds, with the text citations point into."""

from __future__ import annotations

import numpy as np

from fastapi import APIRouter
from fastapi.exceptions import HTTPException

from service.deps import Answerer
from service.schemas import DocumentOut, DocumentSummary, ErrorResponse

router = APIRouter(tags=["documents"])


def _summary(doc, passage_count: int) -> dict:
    return {
        "doc_id": doc.doc_id,
        "title": doc.title,
        "publisher": doc.publisher,
        "kind": doc.kind,
        "published": doc.published_iso,
        "passage_count": passage_count,
    }


@router.get("/documents", response_model=list[DocumentSummary])
def list_documents(answerer: Answerer) -> list[DocumentSummary]:
    """Every indexed document."""
    documents = answerer.index.documents
    # passages per document from the doc-number column: no passage text is read
    counts = np.bincount(answerer.index.passage_doc_numbers, minlength=len(documents))
    return [DocumentSummary(**_summary(documents.metadata(doc_id), int(counts[n]))) for n, doc_id in enumerate(documents.doc_ids)]


@router.get("/documents/{doc_id}", response_model=DocumentOut, responses={404: {"model": ErrorResponse}})
def get_document(doc_id: str, answerer: Answerer) -> DocumentOut:
    """One document's metadata and clean text; `text[start:end]` of a citation is its passage."""
    doc = answerer.index.documents.get(doc_id)
    if doc is None:
        raise HTTPException(404, f"no document {doc_id!r}; GET /documents lists the known ones")
    count = int((answerer.index.passage_doc_numbers == answerer.index.documents.number(doc_id)).sum())
    return DocumentOut(**_summary(doc, count), text=doc.text)
