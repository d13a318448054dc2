"""The index directory: its manifest, writing a finished build, swapping it in, loading and checking it.

An index is a directory anyone can inspect: manifest.json, documents.jsonl (each document's
metadata: title, kind, publisher, published, pages, access), document_text.bin (the clean
texts, UTF-8, that citation offsets point into),
passages.npy and sentences.npy (offset arrays into that text: what a loaded index serves from,
index.build.records), passages.jsonl and sentences.jsonl (the same records as text with the hash
of what each embeds, for people and for reusing vectors), the vectors as .npy, the FAISS file,
the BM25 arrays, and claims.npy, claim_numbers.npy and claim_strings.json (the dates and figures
each sentence states, index/build/claims.py, as columns: index/build/claim_table.py). Builds go to a fresh directory and a symlink is swapped onto it, so
a reader sees the old index or the new one, never half of one. What goes into a build is worked
out in index.build.builder; this module only knows the format.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
import uuid
from dataclasses import MISSING, asdict, dataclass, field, fields
from functools import cached_property
from pathlib import Path

import numpy as np

# faiss logs each CPU-feature module it could not import, at INFO, on every start
logging.getLogger("faiss.loader").setLevel(logging.WARNING)

from index.build.ann import FaissBackend, VectorBackend  # noqa: E402
from index.build.chunk import Passage, Sentence  # noqa: E402
from index.build.claim_table import CLAIMS_FILE, ClaimsByKey, ClaimTable, SentenceClaims, write_claims  # noqa: E402
from index.build.claims import Claim  # noqa: E402
from index.build.lexical import Lexicon, load_bm25, save_bm25  # noqa: E402
from index.build.records import (  # noqa: E402
    FIRST_SENTENCE,
    LAST_SENTENCE,
    PASSAGE_COLUMNS,
    PASSAGES_FILE,
    SENTENCES_FILE,
    TEXT_FILE,
    DocumentTable,
    PassageSentences,
    PassageTable,
    SentencePassage,
    SentenceTable,
    TextFile,
    VectorRows,
    byte_offsets,
    random_access,
    span_rows,
)
from index.errors import IndexCorrupt, IndexNotBuilt, ManifestMismatch  # noqa: E402
from index.ingest.corpus import Document  # noqa: E402
from index.settings import Settings  # noqa: E402

FORMAT_VERSION = 6  # 3: boilerplate.jsonl and its vectors; 4: texts and offset arrays (records.py); 5: claims as columns (claim_table.py);
# 6: each document's authority and how it was found (index/ingest/authority.py), figure claims with a period
_REBUILD = "run 'inspectqa index build' to rebuild it"


@dataclass(frozen=True)
class IndexManifest:
    format_version: int
    model: str
    dimension: int
    normalized: bool
    chunk_size: int
    chunk_overlap: int
    faiss_factory: str
    corpus_hash: str
    built_at: str
    build_seconds: float
    document_count: int
    passage_count: int
    sentence_count: int
    faiss_search_params: str = ""  # nprobe / efSearch applied after loading; absent from older manifests
    boilerplate_count: int = 0
    # dated and numbered claims (claims.npy); None in indexes built before claims were extracted,
    # which load with no claims (no conflicts, empty timeline) until rebuilt
    claim_count: int | None = None
    claim_rules: int | None = None  # index.build.claims.RULES_VERSION the claims were extracted with
    vector_store: str = "faiss"  # faiss: faiss.index in the directory; pgvector: pgvector.json names the build table

    @classmethod
    def from_json(cls, data: dict) -> "IndexManifest":
        names = {f.name for f in fields(cls)}
        missing = {f.name for f in fields(cls) if f.default is MISSING} - set(data)
        if missing:
            raise IndexCorrupt(f"manifest.json lacks {', '.join(sorted(missing))}; {_REBUILD}")
        return cls(**{k: data[k] for k in names if k in data})

    def mismatches(self, settings: Settings) -> list[str]:
        """Each setting the index was built with that differs from the running one, said plainly."""
        wanted = {
            "format_version": FORMAT_VERSION,
            "model": settings.model,
            "chunk_size": settings.chunk_size,
            "chunk_overlap": settings.chunk_overlap,
            "vector_store": settings.vector_store,
        }
        return [
            f"{name}: index built with {getattr(self, name)!r}, service configured with {value!r}"
            for name, value in wanted.items()
            if getattr(self, name) != value
        ]


@dataclass
class InspectionIndex:
    """A loaded index: everything a query needs. Records are offset arrays into the document text and
    vectors are memory-mapped (index.build.records), so memory grows with what queries touch."""

    path: Path
    manifest: IndexManifest
    documents: DocumentTable  # doc_id -> Document, like a dict
    passages: PassageTable  # passage id -> Passage, like a list
    sentences: SentenceTable  # sentence id -> Sentence, like a list
    passage_sentences: PassageSentences  # sentence ids lying inside each passage, in order
    passage_vectors: VectorRows  # rows read on demand, like sentence_vectors
    sentence_vectors: VectorRows  # rows read on demand (np.ndarray-like: [i], [ids], len, np.asarray)
    vectors: VectorBackend  # nearest-passage search over passage_vectors
    bm25: object
    lexicon: Lexicon
    boilerplate: list[str]  # sentences cleaning removed (teasers, adverts): recognised in questions, never cited
    boilerplate_vectors: np.ndarray
    # every date and figure a sentence states, in sentence order: rows of memory-mapped columns, a `Claim` made per row asked for
    claims: ClaimTable = field(default_factory=ClaimTable.empty)
    # document kinds that are the inspectorate's own words (Settings.primary_kinds, INSPECTQA_PRIMARY_KINDS): read
    # through is_primary by ranking, conflicts, the timeline and the replies' `primary` flags alike
    primary_kinds: frozenset[str] = frozenset(Settings.model_fields["primary_kinds"].default_factory())

    def is_primary(self, doc_id: str) -> bool:
        return self.documents.metadata(doc_id).kind in self.primary_kinds

    @cached_property
    def sentence_claims(self) -> SentenceClaims:
        """The claims of each sentence id that has any (a lookup by binary search over the claims' sentence ids)."""
        return SentenceClaims(self.claims)

    @cached_property
    def claims_by_key(self) -> ClaimsByKey:
        """The claims about each event or measure key (`.rows(key)`: their row ids, no claim made)."""
        return ClaimsByKey(self.claims)

    @cached_property
    def sentence_passage(self) -> SentencePassage:
        """The first passage holding each sentence id (where a conflict's other side is cited from)."""
        return SentencePassage(self.passages.rows)
    # the documents each boilerplate sentence was removed from; empty for an index written before access
    # existed (every document was open then)
    boilerplate_doc_ids: list[tuple[str, ...]] = field(default_factory=list)

    @property
    def passage_doc_numbers(self) -> np.ndarray:
        """The document row number (`documents.number`) of each passage, by passage id (memory-mapped)."""
        return self.passages.rows[:, 0]

    @cached_property
    def passage_doc_ids(self) -> np.ndarray:
        """The doc_id of each passage, by passage id (built on first use: at 1M passages prefer
        `passage_doc_numbers`, which costs nothing)."""
        return np.asarray(self.documents.doc_ids)[self.passage_doc_numbers]

    @cached_property
    def passage_document_count(self) -> int:
        """How many documents the passages belong to: a restricted view holds fewer documents than that."""
        return len(np.unique(self.passage_doc_ids))


@dataclass(frozen=True)
class BuildContents:
    """Everything one build writes; row i of each vector array belongs to row i of its texts."""

    documents: list[Document]
    passages: list[Passage]
    sentences: list[Sentence]
    passage_sentences: list[list[int]]
    passage_vectors: np.ndarray
    sentence_vectors: np.ndarray
    boilerplate: list[str]
    boilerplate_vectors: np.ndarray
    vector_hashes: list[str]  # hash of each embedded text: passages, then sentences, then boilerplate
    vectors: VectorBackend
    bm25: object
    lexicon: Lexicon
    claims: list[Claim] = field(default_factory=list)
    boilerplate_doc_ids: list[tuple[str, ...]] = field(default_factory=list)


# ---------------------------------------------------------------- writing


def _write_jsonl(path: Path, rows) -> None:
    with path.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


def write_records(build_dir: Path, documents: list[Document], passages: list[Passage], sentences: list[Sentence], passage_sentences: list[list[int]]) -> None:
    """documents.jsonl, document_text.bin and the offset arrays passages.npy / sentences.npy."""
    number = {d.doc_id: n for n, d in enumerate(documents)}
    by_doc: dict[str, tuple[list, list]] = {d.doc_id: ([], []) for d in documents}
    for p in passages:
        by_doc[p.doc_id][0].append((p.start, p.end))
    for s in sentences:
        by_doc[s.doc_id][1].append((s.start, s.end))
    p_rows, s_rows, text_spans = [], [], []
    base = 0
    with (build_dir / TEXT_FILE).open("wb") as text_file:
        for d in documents:
            data = d.text.encode("utf-8")
            text_file.write(data)
            text_spans.append((base, base + len(data)))
            offsets = byte_offsets(d.text)
            p_spans, s_spans = by_doc[d.doc_id]
            p_rows.append(span_rows(number[d.doc_id], np.array(p_spans, dtype=np.int64), base, offsets))
            s_rows.append(span_rows(number[d.doc_id], np.array(s_spans, dtype=np.int64), base, offsets))
            base += len(data)
    # records are numbered in document order, so stacking per document keeps row i = record i
    for records in (passages, sentences):
        docs = [number[r.doc_id] for r in records]
        ids = [getattr(r, "passage_id", None) or getattr(r, "sentence_id", 0) for r in records]
        if ids != list(range(len(records))) or any(a > b for a, b in zip(docs, docs[1:])):
            raise ValueError("passages and sentences must be numbered 0..n-1 in document order")
    s_table = np.concatenate(s_rows) if s_rows else np.zeros((0, 5), dtype=np.int64)
    p_table = np.zeros((len(passages), PASSAGE_COLUMNS), dtype=np.int64)
    if p_rows:
        p_table[:, :5] = np.concatenate(p_rows)
    for pid, ids in enumerate(passage_sentences):
        if ids and ids != list(range(ids[0], ids[-1] + 1)):
            raise ValueError(f"passage {pid}: its sentences are not consecutive ids")
        p_table[pid, FIRST_SENTENCE], p_table[pid, LAST_SENTENCE] = (ids[0], ids[-1] + 1) if ids else (0, 0)
    np.save(build_dir / PASSAGES_FILE, p_table, allow_pickle=False)
    np.save(build_dir / SENTENCES_FILE, s_table, allow_pickle=False)
    _write_jsonl(
        build_dir / "documents.jsonl",
        ({**d.metadata(), "pages": [list(span) for span in d.pages], "text_bytes": list(span)} for d, span in zip(documents, text_spans)),
    )


def builds_dir(index_dir: Path) -> Path:
    return Path(index_dir).parent / f".{Path(index_dir).name}.builds"


def write_build(index_dir: Path, contents: BuildContents, manifest: IndexManifest) -> Path:
    """Write a finished build beside `index_dir` and return its directory; nothing is served from it yet.
    A failure removes the partial directory."""
    builds = builds_dir(index_dir)
    builds.mkdir(parents=True, exist_ok=True)
    build_dir = builds / f"{dt.datetime.now(dt.timezone.utc):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}.partial"
    build_dir.mkdir()
    c = contents
    n_p, n_s = len(c.passages), len(c.sentences)
    hashes = c.vector_hashes
    try:
        write_records(build_dir, c.documents, c.passages, c.sentences, c.passage_sentences)
        _write_jsonl(
            build_dir / "passages.jsonl",
            (
                {**asdict(p), "hash": p.content_hash, "vector_hash": h, "sentence_ids": ids}
                for p, ids, h in zip(c.passages, c.passage_sentences, hashes[:n_p])
            ),
        )
        _write_jsonl(build_dir / "sentences.jsonl", ({**asdict(s), "vector_hash": h} for s, h in zip(c.sentences, hashes[n_p : n_p + n_s])))
        np.save(build_dir / "passage_vectors.npy", c.passage_vectors, allow_pickle=False)
        np.save(build_dir / "sentence_vectors.npy", c.sentence_vectors, allow_pickle=False)
        owners = c.boilerplate_doc_ids or [()] * len(c.boilerplate)
        _write_jsonl(
            build_dir / "boilerplate.jsonl",
            ({"text": text, "vector_hash": h, "doc_ids": list(o)} for text, h, o in zip(c.boilerplate, hashes[n_p + n_s :], owners)),
        )
        np.save(build_dir / "boilerplate_vectors.npy", c.boilerplate_vectors, allow_pickle=False)
        write_claims(build_dir, c.claims, {d.doc_id: n for n, d in enumerate(c.documents)}, {d.doc_id: d.text for d in c.documents})
        c.vectors.save(build_dir)
        save_bm25(c.bm25, build_dir / "bm25")
        (build_dir / "lexicon.json").write_text(json.dumps(c.lexicon.to_json()), encoding="utf-8")
        # the manifest is written last: a directory without one was never finished
        (build_dir / "manifest.json").write_text(json.dumps(asdict(manifest), indent=2) + "\n", encoding="utf-8")
        final_dir = build_dir.with_suffix("")
        build_dir.rename(final_dir)
    except BaseException:
        shutil.rmtree(build_dir, ignore_errors=True)
        raise
    return final_dir


def swap_in(index_dir: Path, build_dir: Path) -> None:
    """Point `index_dir` (a symlink) at `build_dir` atomically, then drop builds no longer served."""
    link_tmp = index_dir.parent / f".{index_dir.name}.link-{uuid.uuid4().hex[:8]}"
    os.symlink(os.path.relpath(build_dir, index_dir.parent), link_tmp)
    if index_dir.exists() and not index_dir.is_symlink():
        # an index directory from elsewhere: keep it as a build so the swap stays one rename
        index_dir.rename(builds_dir(index_dir) / f"moved-{uuid.uuid4().hex[:8]}")
    os.replace(link_tmp, index_dir)
    _prune_builds(index_dir, keep=build_dir)


def _finished_at(build: Path) -> int | None:
    """When a build was finished (its manifest, written last, was written); None for one still being written."""
    if build.name.endswith(".partial"):
        return None
    try:
        return (build / "manifest.json").stat().st_mtime_ns
    except FileNotFoundError:
        return build.stat().st_mtime_ns if build.name.startswith("moved-") else None


def _prune_builds(index_dir: Path, keep: Path) -> None:
    """Delete finished builds older than `keep`, the one now served. A build another process is still
    writing, or one finished after `keep` (about to be swapped in by that process), is left alone.
    A process serving an older build keeps its open and mapped files after deletion (POSIX)."""
    kept_at = _finished_at(keep)
    if kept_at is None:
        return
    for old in builds_dir(index_dir).iterdir():
        if old.resolve() == keep.resolve():
            continue
        finished = _finished_at(old)
        if finished is not None and finished < kept_at:
            shutil.rmtree(old, ignore_errors=True)


# ---------------------------------------------------------------- loading


def read_manifest(index_dir: Path) -> IndexManifest:
    path = Path(index_dir) / "manifest.json"
    if not path.is_file():
        raise IndexNotBuilt(f"no index at {index_dir}; run 'inspectqa index build' to build it")
    try:
        return IndexManifest.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, TypeError) as exc:
        raise IndexCorrupt(f"{path} is unreadable ({exc}); {_REBUILD}") from None


def _read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as rows:
        return [json.loads(line) for line in rows if line.strip()]


def stored_vectors(index_dir: Path, model: str) -> dict[str, np.ndarray]:
    """The served index's vectors keyed by the hash of the text each embeds, read from the hashes its rows
    carry (no FAISS or BM25 load); empty when there is no readable index or it was built with another model."""
    index_dir = Path(index_dir)
    try:
        if read_manifest(index_dir).model != model:
            return {}
        reuse: dict[str, np.ndarray] = {}
        for rows, vectors in (("passages.jsonl", "passage_vectors.npy"), ("sentences.jsonl", "sentence_vectors.npy"), ("boilerplate.jsonl", "boilerplate_vectors.npy")):
            hashes = [r.get("vector_hash") for r in _read_jsonl(index_dir / rows)]
            if not all(hashes):
                return {}  # an index written before rows carried their hash: embed everything again
            array = np.load(index_dir / vectors, mmap_mode="r", allow_pickle=False)
            if len(array) != len(hashes):
                return {}
            reuse.update(zip(hashes, array))
        return reuse
    except (IndexNotBuilt, IndexCorrupt, OSError, ValueError, KeyError, TypeError):
        return {}


def load_vectors(index_dir: Path, manifest: IndexManifest, settings: Settings) -> VectorBackend:
    """The vector store the index was built into."""
    if manifest.vector_store == "pgvector":
        from index.build.pgvector_store import PgVectorBackend

        return PgVectorBackend.load(index_dir, settings)
    return FaissBackend.load(index_dir, manifest.faiss_search_params)


def load_index(index_dir: Path, settings: Settings, check_settings: bool = True) -> InspectionIndex:
    """Load the index at `index_dir`, checking it was built the way `settings` says to search it."""
    index_dir = Path(index_dir).resolve()
    manifest = read_manifest(index_dir)
    if check_settings and (problems := manifest.mismatches(settings)):
        raise ManifestMismatch(f"index at {index_dir} does not match the settings ({'; '.join(problems)}); {_REBUILD}")
    try:
        described, text_spans = [], []
        for row in _read_jsonl(index_dir / "documents.jsonl"):
            text_spans.append(row.pop("text_bytes"))
            row.pop("source_file", None)
            pages = tuple((int(s), int(e)) for s, e in row.pop("pages", None) or ())
            access = tuple(str(g) for g in row.pop("access", None) or ())
            published = dt.date.fromisoformat(row.pop("published")) if row.get("published") else None
            row.pop("published", None)
            described.append(Document(**row, published=published, source_file="", text="", pages=pages, access=access))
        text = TextFile(index_dir / TEXT_FILE)
        documents = DocumentTable(described, np.array(text_spans, dtype=np.int64).reshape(-1, 2), text)
        # plain ndarray views of the maps: np.memmap's own indexing costs ~6 µs a row, a question reads hundreds
        passage_rows = np.asarray(random_access(np.load(index_dir / PASSAGES_FILE, mmap_mode="r", allow_pickle=False)))
        sentence_rows = np.asarray(random_access(np.load(index_dir / SENTENCES_FILE, mmap_mode="r", allow_pickle=False)))
        if passage_rows.ndim != 2 or passage_rows.shape[1] != PASSAGE_COLUMNS or sentence_rows.ndim != 2 or sentence_rows.shape[1] != 5:
            raise ValueError("offset arrays have the wrong shape")
        if len(text_spans) and int(np.max(text_spans)) > len(text):
            raise ValueError(f"{TEXT_FILE} is shorter than documents.jsonl says")
        passages = PassageTable(passage_rows, text, documents.doc_ids)
        sentences = SentenceTable(sentence_rows, text, documents.doc_ids)
        passage_sentences = PassageSentences(passage_rows)
        passage_vectors = VectorRows(index_dir / "passage_vectors.npy")
        sentence_vectors = VectorRows(index_dir / "sentence_vectors.npy")
        vectors = load_vectors(index_dir, manifest, settings)
        bm25 = load_bm25(index_dir / "bm25")
        lexicon = Lexicon.from_json(json.loads((index_dir / "lexicon.json").read_text(encoding="utf-8")))
        boilerplate_rows = _read_jsonl(index_dir / "boilerplate.jsonl")
        boilerplate = [str(r["text"]) for r in boilerplate_rows]
        boilerplate_doc_ids = [tuple(str(d) for d in r.get("doc_ids") or ()) for r in boilerplate_rows]
        boilerplate_vectors = np.load(index_dir / "boilerplate_vectors.npy", allow_pickle=False)
        claims = ClaimTable.load(index_dir, sentences, documents.doc_ids) if manifest.claim_count is not None else ClaimTable.empty()
    except (OSError, ValueError, KeyError, TypeError, RuntimeError) as exc:
        raise IndexCorrupt(f"index at {index_dir} is damaged ({exc.__class__.__name__}: {exc}); {_REBUILD}") from None
    counts = {
        PASSAGES_FILE: (len(passages), manifest.passage_count),
        "passage_vectors.npy": (len(passage_vectors), manifest.passage_count),
        manifest.vector_store: (len(vectors), manifest.passage_count),
        "bm25": (int(bm25.scores["num_docs"]), manifest.passage_count),
        SENTENCES_FILE: (len(sentences), manifest.sentence_count),
        "sentence_vectors.npy": (len(sentence_vectors), manifest.sentence_count),
        "documents.jsonl": (len(documents), manifest.document_count),
        "lexicon.json": (lexicon.passage_count, manifest.passage_count),
        "boilerplate.jsonl": (len(boilerplate), manifest.boilerplate_count),
        "boilerplate_vectors.npy": (len(boilerplate_vectors), manifest.boilerplate_count),
    }
    if manifest.claim_count is not None:
        counts[CLAIMS_FILE] = (len(claims), manifest.claim_count)
    wrong = [f"{name} holds {got} rows, manifest says {want}" for name, (got, want) in counts.items() if got != want]
    if vectors.dimension != manifest.dimension or passage_vectors.shape[1:] != (manifest.dimension,):
        wrong.append(f"vector dimension differs from manifest's {manifest.dimension}")
    if wrong:
        raise IndexCorrupt(f"index at {index_dir} is inconsistent ({'; '.join(wrong)}); {_REBUILD}")
    return InspectionIndex(
        path=index_dir,
        manifest=manifest,
        documents=documents,
        passages=passages,
        sentences=sentences,
        passage_sentences=passage_sentences,
        passage_vectors=passage_vectors,
        sentence_vectors=sentence_vectors,
        vectors=vectors,
        bm25=bm25,
        lexicon=lexicon,
        boilerplate=boilerplate,
        boilerplate_vectors=boilerplate_vectors,
        claims=claims,
        boilerplate_doc_ids=boilerplate_doc_ids,
        primary_kinds=frozenset(settings.primary_kinds),
    )
