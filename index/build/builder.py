"""Documents -> an index: split each document into sentences and passages, embed them (reusing the vectors
of unchanged texts), index them for BM25 and nearest-neighbour search, and hand the result to the store."""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from typing import Callable

import numpy as np

from index.build.ann import FaissBackend, choose_faiss_factory, search_params_for
from index.build.claims import RULES_VERSION as CLAIM_RULES
from index.build.claims import Claim, document_claims
from index.build.chunk import Passage, Sentence, passage_spans, sentence_spans
from index.build.embed import Encoder
from index.build.lexical import Lexicon, build_bm25
from index.build.store import FORMAT_VERSION, BuildContents, IndexManifest, read_manifest, stored_vectors, swap_in, write_build
from index.errors import IndexCorrupt, IndexNotBuilt
from index.ingest.corpus import Document, corpus_hash, load_corpus
from index.ingest.letterhead import covered, letterhead_spans, trim
from index.settings import Settings


def split_document(doc: Document, settings: Settings, first_passage: int, first_sentence: int) -> tuple[list[Passage], list[Sentence]]:
    """The passages and sentences of `doc`, numbered from the given ids."""
    passages, sentences, _ = split_letter(doc, settings, first_passage, first_sentence)
    return passages, sentences


def split_letter(
    doc: Document, settings: Settings, first_passage: int, first_sentence: int
) -> tuple[list[Passage], list[Sentence], list[str]]:
    """The passages and sentences of `doc`, and the text each passage is retrieved by.

    A letter's furniture (address blocks, contact lines, salutation, signature: index.ingest.letterhead)
    is never a sentence an answer may quote, and a passage is trimmed of it at its edges, so no passage
    made of it alone is ever retrieved or cited and no card shows a letterhead. A passage is still
    retrieved by its untrimmed span: the letterhead names the sender ("the Ofsted letter").
    """
    furniture = letterhead_spans(doc.text)
    sentence_list = [s for s in sentence_spans(doc.text) if not covered(furniture, s.start, s.end, doc.text)]
    sentences = [Sentence(first_sentence + i, doc.doc_id, s.start, s.end, doc.text[s.start : s.end]) for i, s in enumerate(sentence_list)]
    kept: dict[tuple[int, int], str] = {}
    for p in passage_spans(doc.text, settings.chunk_size, settings.chunk_overlap):
        start, end = trim(furniture, p.start, p.end, doc.text)
        if end > start and (start, end) not in kept:
            kept[(start, end)] = doc.text[p.start : p.end]
    passages = [Passage(first_passage + i, doc.doc_id, start, end, doc.text[start:end]) for i, (start, end) in enumerate(kept)]
    return passages, sentences, list(kept.values())


def _sentences_inside(passage: Passage, sentences: list[Sentence]) -> list[int]:
    # a sentence longer than a passage is split across passages: it counts where it starts
    return [s.sentence_id for s in sentences if passage.start <= s.start < passage.end]


def embedding_text(title: str, text: str) -> str:
    """What is embedded (and BM25-indexed) for a passage or sentence: its document title, then itself.

    The title carries what a lone passage lacks ("Monitoring visit of ...", "Ofsted return to
    inspect ..."), which questions such as "what did the 2019 letter say" lean on. Stored and
    cited text stays the verbatim passage.
    """
    return f"{title}\n\n{text}"


# Shorter removed lines are menu items and buttons ("Hide Ad", "Politics"): no question is about
# them, and short texts match short questions by accident.
_MIN_BOILERPLATE_CHARS = 40


def boilerplate_sentences(documents: list[Document]) -> list[str]:
    """The distinct sentences of what cleaning removed, long enough to be what a question is about."""
    found: dict[str, None] = {}
    for doc in documents:
        for piece in doc.boilerplate:
            for span in sentence_spans(piece):
                if span.end - span.start >= _MIN_BOILERPLATE_CHARS:
                    found.setdefault(piece[span.start : span.end])
    return list(found)


def boilerplate_owners(documents: list[Document], boilerplate: list[str]) -> list[tuple[str, ...]]:
    """The doc_ids whose removed text holds each boilerplate sentence: a caller may be told about a
    removed sentence only when they may see a document it was removed from."""
    owners: dict[str, list[str]] = {text: [] for text in boilerplate}
    for doc in documents:
        for piece in doc.boilerplate:
            for span in sentence_spans(piece):
                found = owners.get(piece[span.start : span.end])
                if found is not None and doc.doc_id not in found:
                    found.append(doc.doc_id)
    return [tuple(owners[text]) for text in boilerplate]


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _embed(texts: list[str], hashes: list[str], encoder: Encoder, reuse: dict[str, np.ndarray], progress: bool) -> np.ndarray:
    """Vectors for `texts`, encoding only those whose hash is not in `reuse` (each distinct text once)."""
    todo = sorted({h: t for h, t in zip(hashes, texts) if h not in reuse}.items())
    if todo:
        fresh = encoder.encode([t for _, t in todo], progress=progress)
        reuse = {**reuse, **{h: v for (h, _), v in zip(todo, fresh)}}
    if not texts:
        return np.zeros((0, encoder.dimension), dtype=np.float32)
    return np.stack([reuse[h] for h in hashes]).astype(np.float32)


def index_is_current(settings: Settings, documents: list[Document] | None = None) -> bool:
    """True when the served index was built from this corpus (`documents`, read when not given) with these settings."""
    try:
        manifest = read_manifest(settings.index_dir)
    except (IndexNotBuilt, IndexCorrupt):
        return False
    if manifest.mismatches(settings):
        return False
    if manifest.claim_count is None or manifest.claim_rules != CLAIM_RULES:
        return False  # claims missing or extracted by other rules: a rebuild redoes them, re-using every vector
    return manifest.corpus_hash == corpus_hash(load_corpus(settings.corpus_dir, ocr=settings.ocr_reader) if documents is None else documents)


def build_index(
    settings: Settings,
    encoder: Encoder,
    progress: bool = False,
    log: Callable[[str], None] = lambda _: None,
    documents: list[Document] | None = None,
) -> IndexManifest:
    """Build the index of `documents` (read from `settings.corpus_dir` when not given) into
    `settings.index_dir`, atomically and incrementally."""
    started = time.perf_counter()
    documents = load_corpus(settings.corpus_dir, ocr=settings.ocr_reader) if documents is None else documents
    passages: list[Passage] = []
    sentences: list[Sentence] = []
    retrieval_texts: list[str] = []
    for doc in documents:
        doc_passages, doc_sentences, doc_retrieval = split_letter(doc, settings, len(passages), len(sentences))
        passages += doc_passages
        sentences += doc_sentences
        retrieval_texts += doc_retrieval
    by_doc: dict[str, list[Sentence]] = {}
    for s in sentences:
        by_doc.setdefault(s.doc_id, []).append(s)
    passage_sentences = [_sentences_inside(p, by_doc[p.doc_id]) for p in passages]
    claims: list[Claim] = []
    for doc in documents:
        claims += document_claims(doc.doc_id, doc.text, doc.published, [(s.sentence_id, s.start, s.end) for s in by_doc.get(doc.doc_id, [])])
    log(f"{len(documents)} documents, {len(passages)} passages, {len(sentences)} sentences, {len(claims)} dated or numbered claims")

    reuse = stored_vectors(settings.index_dir, settings.model)
    before = encoder.texts_encoded
    titles = {d.doc_id: d.title for d in documents}
    # without a title: a teaser is about another story, not the document it was captured with
    boilerplate = boilerplate_sentences(documents)
    lexical_texts = [embedding_text(titles[p.doc_id], text) for p, text in zip(passages, retrieval_texts)]
    texts = lexical_texts + [embedding_text(titles[s.doc_id], s.text) for s in sentences] + boilerplate
    hashes = [text_hash(t) for t in texts]
    # one encoder call for every text: its length-sorted batches then pad least
    vectors = _embed(texts, hashes, encoder, reuse, progress)
    passage_vectors, sentence_vectors, boilerplate_vectors = np.split(vectors, [len(passages), len(passages) + len(sentences)])
    fresh = encoder.texts_encoded - before
    log(f"encoded {fresh} new texts, reused {len(texts) - fresh}")

    factory = choose_faiss_factory(len(passage_vectors), int(passage_vectors.shape[1]))
    vector_backend = build_vectors(settings, passage_vectors, factory, passages, documents)
    contents = BuildContents(
        documents=documents,
        passages=passages,
        sentences=sentences,
        passage_sentences=passage_sentences,
        passage_vectors=passage_vectors,
        sentence_vectors=sentence_vectors,
        boilerplate=boilerplate,
        boilerplate_vectors=boilerplate_vectors,
        vector_hashes=hashes,
        vectors=vector_backend,
        bm25=build_bm25(lexical_texts),
        lexicon=Lexicon.from_texts(lexical_texts),
        claims=claims,
        boilerplate_doc_ids=boilerplate_owners(documents, boilerplate),
    )
    manifest = IndexManifest(
        format_version=FORMAT_VERSION,
        model=settings.model,
        dimension=int(passage_vectors.shape[1]),
        normalized=True,
        chunk_size=settings.chunk_size,
        chunk_overlap=settings.chunk_overlap,
        faiss_factory=factory,
        corpus_hash=corpus_hash(documents),
        built_at=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        build_seconds=round(time.perf_counter() - started, 3),
        document_count=len(documents),
        passage_count=len(passages),
        sentence_count=len(sentences),
        faiss_search_params=search_params_for(factory),
        boilerplate_count=len(boilerplate),
        claim_count=len(claims),
        claim_rules=CLAIM_RULES,
        vector_store=settings.vector_store,
    )
    try:
        swap_in(settings.index_dir, write_build(settings.index_dir, contents, manifest))
    except BaseException:
        if hasattr(vector_backend, "drop"):
            vector_backend.drop()  # a pgvector table nobody will serve
        raise
    vector_backend.publish()
    return manifest


def build_vectors(settings: Settings, passage_vectors: np.ndarray, factory: str, passages: list[Passage], documents: list[Document]):
    """The nearest-passage search over `passage_vectors` in the configured store (INSPECTQA_VECTOR_STORE)."""
    if settings.vector_store == "pgvector":
        from index.build.pgvector_store import PgVectorBackend

        meta = {d.doc_id: (d.doc_id, d.kind, d.published) for d in documents}
        return PgVectorBackend.build(passage_vectors, [meta[p.doc_id] for p in passages], settings)
    return FaissBackend.build(passage_vectors, factory)
