"""Build, save and load the index directory.

An index is a directory anyone can inspect: manifest.json, documents.jsonl (clean text that
citation offsets point into), passages.jsonl, sentences.jsonl, the vectors as .npy, the FAISS
file and the BM25 arrays. Builds go to a fresh directory and a symlink is swapped onto it, so
a reader sees the old index or the new one, never half of one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import shutil
import time
import uuid
from dataclasses import MISSING, asdict, dataclass, fields
from functools import cached_property
from pathlib import Path
from typing import Callable

import numpy as np

# faiss logs each CPU-feature module it could not import, at INFO, on every start
logging.getLogger("faiss.loader").setLevel(logging.WARNING)
import faiss  # noqa: E402

from index.ann import apply_search_params, build_faiss, choose_faiss_factory, search_params_for
from index.chunk import Passage, Sentence, passage_spans, sentence_spans
from index.corpus import Document, corpus_hash, load_corpus
from index.embed import Encoder
from index.errors import IndexCorrupt, IndexNotBuilt, ManifestMismatch
from index.lexical import Lexicon, build_bm25, load_bm25, save_bm25
from index.settings import Settings

FORMAT_VERSION = 3  # 3: boilerplate.jsonl and its vectors
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
        }
        return [
            f"{name}: index built with {getattr(self, name)!r}, service configured with {value!r}"
            for name, value in wanted.items()
            if getattr(self, name) != value
        ]


@dataclass
class InspectionIndex:
    """A loaded index: everything a query needs, in memory (vectors memory-mapped)."""

    path: Path
    manifest: IndexManifest
    documents: dict[str, Document]
    passages: list[Passage]
    sentences: list[Sentence]
    passage_sentences: list[list[int]]  # sentence ids lying inside each passage, in order
    passage_vectors: np.ndarray
    sentence_vectors: np.ndarray
    faiss_index: faiss.Index
    bm25: object
    lexicon: Lexicon
    boilerplate: list[str]  # sentences cleaning removed (teasers, adverts): recognised in questions, never cited
    boilerplate_vectors: np.ndarray

    @cached_property
    def passage_doc_ids(self) -> np.ndarray:
        """The doc_id of each passage, by passage id: filters and counts become one array operation."""
        return np.array([p.doc_id for p in self.passages])


# ---------------------------------------------------------------- building


def _split_document(doc: Document, settings: Settings, first_passage: int, first_sentence: int):
    sentences = [
        Sentence(first_sentence + i, doc.doc_id, s.start, s.end, doc.text[s.start : s.end])
        for i, s in enumerate(sentence_spans(doc.text))
    ]
    passages = [
        Passage(first_passage + i, doc.doc_id, p.start, p.end, doc.text[p.start : p.end])
        for i, p in enumerate(passage_spans(doc.text, settings.chunk_size, settings.chunk_overlap))
    ]
    return passages, sentences


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


def _text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _previous_vectors(settings: Settings) -> dict[str, np.ndarray]:
    """Vectors of the current index keyed by text hash, reused when the model is the same."""
    try:
        previous = load_index(settings.index_dir, settings, check_settings=False)
    except (IndexNotBuilt, IndexCorrupt):
        return {}
    if previous.manifest.model != settings.model:
        return {}
    titles = {d.doc_id: d.title for d in previous.documents.values()}
    reuse = {_text_hash(embedding_text(titles[p.doc_id], p.text)): previous.passage_vectors[i] for i, p in enumerate(previous.passages)}
    reuse.update({_text_hash(embedding_text(titles[s.doc_id], s.text)): previous.sentence_vectors[i] for i, s in enumerate(previous.sentences)})
    reuse.update({_text_hash(text): previous.boilerplate_vectors[i] for i, text in enumerate(previous.boilerplate)})
    return reuse


def _embed(texts: list[str], encoder: Encoder, reuse: dict[str, np.ndarray], progress: bool) -> np.ndarray:
    """Vectors for `texts`, encoding only those whose hash is not in `reuse` (each distinct text once)."""
    hashes = [_text_hash(t) for t in texts]
    todo = sorted({h: t for h, t in zip(hashes, texts) if h not in reuse}.items())
    if todo:
        fresh = encoder.encode([t for _, t in todo], progress=progress)
        reuse = {**reuse, **{h: v for (h, _), v in zip(todo, fresh)}}
    if not texts:
        return np.zeros((0, encoder.dimension), dtype=np.float32)
    return np.stack([reuse[h] for h in hashes]).astype(np.float32)


def _write_jsonl(path: Path, rows) -> None:
    with path.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


def _builds_dir(index_dir: Path) -> Path:
    return index_dir.parent / f".{index_dir.name}.builds"


def _swap_in(index_dir: Path, build_dir: Path) -> None:
    """Point `index_dir` (a symlink) at `build_dir` atomically, then drop builds no longer served."""
    link_tmp = index_dir.parent / f".{index_dir.name}.link-{uuid.uuid4().hex[:8]}"
    os.symlink(os.path.relpath(build_dir, index_dir.parent), link_tmp)
    if index_dir.exists() and not index_dir.is_symlink():
        # an index directory from elsewhere: keep it as a build so the swap stays one rename
        index_dir.rename(_builds_dir(index_dir) / f"moved-{uuid.uuid4().hex[:8]}")
    os.replace(link_tmp, index_dir)
    _prune_builds(index_dir, keep=build_dir)


def _prune_builds(index_dir: Path, keep: Path) -> None:
    # a process serving an older build keeps its open and mapped files after deletion (POSIX)
    for old in _builds_dir(index_dir).iterdir():
        if old.resolve() != keep.resolve():
            shutil.rmtree(old, ignore_errors=True)


def index_is_current(settings: Settings) -> bool:
    """True when the served index was built from this corpus with these settings."""
    try:
        manifest = read_manifest(settings.index_dir)
    except (IndexNotBuilt, IndexCorrupt):
        return False
    return not manifest.mismatches(settings) and manifest.corpus_hash == corpus_hash(load_corpus(settings.corpus_dir))


def build_index(settings: Settings, encoder: Encoder, progress: bool = False, log: Callable[[str], None] = lambda _: None) -> IndexManifest:
    """Build the index for `settings.corpus_dir` into `settings.index_dir`, atomically and incrementally."""
    started = time.perf_counter()
    documents = load_corpus(settings.corpus_dir)
    passages: list[Passage] = []
    sentences: list[Sentence] = []
    for doc in documents:
        doc_passages, doc_sentences = _split_document(doc, settings, len(passages), len(sentences))
        passages += doc_passages
        sentences += doc_sentences
    by_doc: dict[str, list[Sentence]] = {}
    for s in sentences:
        by_doc.setdefault(s.doc_id, []).append(s)
    passage_sentences = [_sentences_inside(p, by_doc[p.doc_id]) for p in passages]
    log(f"{len(documents)} documents, {len(passages)} passages, {len(sentences)} sentences")

    reuse = _previous_vectors(settings)
    before = encoder.texts_encoded
    titles = {d.doc_id: d.title for d in documents}
    # without a title: a teaser is about another story, not the document it was captured with
    boilerplate = boilerplate_sentences(documents)
    # one encoder call for every text: its length-sorted batches then pad least
    vectors = _embed(
        [embedding_text(titles[p.doc_id], p.text) for p in passages]
        + [embedding_text(titles[s.doc_id], s.text) for s in sentences]
        + boilerplate,
        encoder,
        reuse,
        progress,
    )
    passage_vectors, sentence_vectors, boilerplate_vectors = np.split(vectors, [len(passages), len(passages) + len(sentences)])
    texts = len(passages) + len(sentences) + len(boilerplate)
    log(f"encoded {encoder.texts_encoded - before} new texts, reused {texts - (encoder.texts_encoded - before)}")

    builds = _builds_dir(settings.index_dir)
    builds.mkdir(parents=True, exist_ok=True)
    build_dir = builds / f"{dt.datetime.now(dt.timezone.utc):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}.partial"
    build_dir.mkdir()
    try:
        _write_jsonl(build_dir / "documents.jsonl", ({**d.metadata(), "pages": [list(span) for span in d.pages], "text": d.text} for d in documents))
        _write_jsonl(
            build_dir / "passages.jsonl",
            ({**asdict(p), "hash": p.content_hash, "sentence_ids": ids} for p, ids in zip(passages, passage_sentences)),
        )
        _write_jsonl(build_dir / "sentences.jsonl", (asdict(s) for s in sentences))
        np.save(build_dir / "passage_vectors.npy", passage_vectors, allow_pickle=False)
        np.save(build_dir / "sentence_vectors.npy", sentence_vectors, allow_pickle=False)
        _write_jsonl(build_dir / "boilerplate.jsonl", ({"text": text} for text in boilerplate))
        np.save(build_dir / "boilerplate_vectors.npy", boilerplate_vectors, allow_pickle=False)
        factory = choose_faiss_factory(len(passage_vectors), int(passage_vectors.shape[1]))
        faiss.write_index(build_faiss(passage_vectors, factory), str(build_dir / "faiss.index"))
        lexical_texts = [embedding_text(titles[p.doc_id], p.text) for p in passages]
        save_bm25(build_bm25(lexical_texts), build_dir / "bm25")
        (build_dir / "lexicon.json").write_text(json.dumps(Lexicon.from_texts(lexical_texts).to_json()), encoding="utf-8")
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
        )
        # the manifest is written last: a directory without one was never finished
        (build_dir / "manifest.json").write_text(json.dumps(asdict(manifest), indent=2) + "\n", encoding="utf-8")
        final_dir = build_dir.with_suffix("")
        build_dir.rename(final_dir)
    except BaseException:
        shutil.rmtree(build_dir, ignore_errors=True)
        raise
    _swap_in(settings.index_dir, final_dir)
    return manifest


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


def load_index(index_dir: Path, settings: Settings, check_settings: bool = True) -> InspectionIndex:
    """Load the index at `index_dir`, checking it was built the way `settings` says to search it."""
    index_dir = Path(index_dir).resolve()
    manifest = read_manifest(index_dir)
    if check_settings and (problems := manifest.mismatches(settings)):
        raise ManifestMismatch(f"index at {index_dir} does not match the settings ({'; '.join(problems)}); {_REBUILD}")
    try:
        documents = {}
        for row in _read_jsonl(index_dir / "documents.jsonl"):
            text = row.pop("text")
            row.pop("source_file", None)
            pages = tuple((int(s), int(e)) for s, e in row.pop("pages", None) or ())
            published = dt.date.fromisoformat(row.pop("published")) if row.get("published") else None
            row.pop("published", None)
            documents[row["doc_id"]] = Document(**row, published=published, source_file="", text=text, pages=pages)
        passage_rows = _read_jsonl(index_dir / "passages.jsonl")
        passages = [Passage(r["passage_id"], r["doc_id"], r["start"], r["end"], r["text"]) for r in passage_rows]
        passage_sentences = [r["sentence_ids"] for r in passage_rows]
        sentences = [Sentence(**r) for r in _read_jsonl(index_dir / "sentences.jsonl")]
        passage_vectors = np.load(index_dir / "passage_vectors.npy", mmap_mode="r", allow_pickle=False)
        sentence_vectors = np.load(index_dir / "sentence_vectors.npy", mmap_mode="r", allow_pickle=False)
        # memory-mapped, read-only: worker processes serving one index share its pages (bench/workers.py)
        faiss_index = faiss.read_index(str(index_dir / "faiss.index"), faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY)
        apply_search_params(faiss_index, manifest.faiss_search_params)
        bm25 = load_bm25(index_dir / "bm25")
        lexicon = Lexicon.from_json(json.loads((index_dir / "lexicon.json").read_text(encoding="utf-8")))
        boilerplate = [str(r["text"]) for r in _read_jsonl(index_dir / "boilerplate.jsonl")]
        boilerplate_vectors = np.load(index_dir / "boilerplate_vectors.npy", allow_pickle=False)
    except (OSError, ValueError, KeyError, TypeError, RuntimeError) as exc:
        raise IndexCorrupt(f"index at {index_dir} is damaged ({exc.__class__.__name__}: {exc}); {_REBUILD}") from None
    counts = {
        "passages.jsonl": (len(passages), manifest.passage_count),
        "passage_vectors.npy": (len(passage_vectors), manifest.passage_count),
        "faiss.index": (faiss_index.ntotal, manifest.passage_count),
        "bm25": (int(bm25.scores["num_docs"]), manifest.passage_count),
        "sentences.jsonl": (len(sentences), manifest.sentence_count),
        "sentence_vectors.npy": (len(sentence_vectors), manifest.sentence_count),
        "documents.jsonl": (len(documents), manifest.document_count),
        "lexicon.json": (lexicon.passage_count, manifest.passage_count),
        "boilerplate.jsonl": (len(boilerplate), manifest.boilerplate_count),
        "boilerplate_vectors.npy": (len(boilerplate_vectors), manifest.boilerplate_count),
    }
    wrong = [f"{name} holds {got} rows, manifest says {want}" for name, (got, want) in counts.items() if got != want]
    if faiss_index.d != manifest.dimension or passage_vectors.shape[1:] != (manifest.dimension,):
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
        faiss_index=faiss_index,
        bm25=bm25,
        lexicon=lexicon,
        boilerplate=boilerplate,
        boilerplate_vectors=boilerplate_vectors,
    )
