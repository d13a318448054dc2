"""Read corpus/documents.yaml and the source files it names into clean `Document`s."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from urllib.parse import urlsplit
from dataclasses import dataclass
from pathlib import Path

import yaml

from index.ingest.authority import find_authority
from index.ingest.clean import CleaningRules, clean_text, removed_text
from index.errors import CorpusError, UnsupportedDocument
from index.ingest.extract import ExtractedDocument, extract_text
from index.ingest.pages import PageSpans, realign_pages

METADATA_FILE = "documents.yaml"
# The kinds the shipped corpus uses; any other lower-case slug (minutes, improvement-plan, ...) is a kind too.
KINDS = ("inspection-letter", "inspection-report", "news", "commentary")
KIND_PATTERN = r"^[a-z0-9][a-z0-9-]{0,49}$"
_KIND = re.compile(KIND_PATTERN)
# read through index.ingest.extract; .txt captures keep their own reading below, so their cleaning stays as it was
EXTRACTED_SUFFIXES = (".pdf", ".html", ".htm", ".docx", ".md")
_AUTHORITY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 '’.&-]{0,99}$")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,99}$")
# a group name as keys, SSO headers and documents.yaml spell it
GROUP = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")


def is_slug(value: str) -> bool:
    """A doc_id: lower-case letters, digits and hyphens, so it is safe as a file name and in a URL."""
    return bool(_SLUG.match(value))


def parse_access(value, where: str) -> tuple[str, ...]:
    """The groups a documents.yaml `access` value names: a list of group names, or one name; () for everyone."""
    if value is None:
        return ()
    groups = [value] if isinstance(value, str) else value
    if not isinstance(groups, list) or not all(isinstance(g, str) and GROUP.match(g) for g in groups):
        raise CorpusError(f"{where}: access must be a list of group names (letters, digits, - _ . @), not {value!r}")
    return tuple(dict.fromkeys(groups))


@dataclass(frozen=True)
class Document:
    doc_id: str
    title: str
    publisher: str | None
    published: dt.date | None
    kind: str
    source_file: str
    text: str  # the clean text; every citation offset points into this
    pages: PageSpans = ()  # (start, end) of each page in text; () for formats without pages
    boilerplate: tuple[str, ...] = ()  # what cleaning removed (menus, adverts, teasers); never cited
    access: tuple[str, ...] = ()  # groups that may see it; () means everyone allowed on the service
    url: str | None = None  # where the document was published (http or https), shown as "Original"
    authority: str | None = None  # the local authority it is about (index/ingest/authority.py); None when not found
    authority_source: str = ""  # how: documents.yaml | addressee | council-mention | services-mention | not-found

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    @property
    def published_iso(self) -> str | None:
        return self.published.isoformat() if self.published else None

    def metadata(self) -> dict:
        meta = {
            "doc_id": self.doc_id,
            "title": self.title,
            "publisher": self.publisher,
            "published": self.published_iso,
            "kind": self.kind,
            "source_file": self.source_file,
            "authority": self.authority,
            "authority_source": self.authority_source,
        }
        if self.access:  # only when restricted, so the hash of an open corpus stays what it was
            meta["access"] = list(self.access)
        if self.url:  # only when set, so the hashes of corpora without URLs stay as they were
            meta["url"] = self.url
        return meta


def kind_problem(kind) -> str | None:
    """Why `kind` cannot be a document kind, or None when it can: any lower-case slug of letters, digits and hyphens."""
    if isinstance(kind, str) and _KIND.match(kind):
        return None
    return (
        f"kind {kind!r} is not a lower-case slug of letters, digits and hyphens (up to 50 characters), "
        f"e.g. {', '.join(KINDS)} or minutes"
    )


def check_authority(value) -> str | None:
    """A documents.yaml / `corpus add --authority` value: a council's name (letters, spaces, - ' . &), or None;
    ValueError says what is wrong."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str) or not _AUTHORITY.match(value.strip()):
        raise ValueError(f"authority must be a council's name (letters, digits, spaces, - ' . &; up to 100 characters), not {str(value)[:80]!r}")
    return " ".join(value.split())


def _parse_date(value, where: str) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise CorpusError(f"{where}: published must be an ISO date (YYYY-MM-DD) or null, not {value!r}") from None


def check_url(value) -> str | None:
    """A document's published address: an absolute http(s) URL, or None; ValueError says what is wrong.

    Only http and https: the chat page turns it into a link, and a javascript: or data: address
    there would run in the reader's browser."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise ValueError(f"url must be text, not {type(value).__name__}")
    url = value.strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or any(ch.isspace() for ch in url) or len(url) > 2000:
        raise ValueError(f"url must be an http:// or https:// address, not {url[:80]!r}")
    return url


def document_from_entry(
    entry: dict, corpus_dir: Path, position: int, extracted: ExtractedDocument | None = None, ocr: str | None = None
) -> Document:
    """The clean `Document` a documents.yaml entry describes; `extracted` is its file's text when already read;
    `ocr` the Tesseract language scanned PDF pages are read with (None: no OCR)."""
    where = f"{corpus_dir / METADATA_FILE}, entry {position + 1}"
    if not isinstance(entry, dict):
        raise CorpusError(f"{where}: each document must be a mapping with doc_id, file, title, kind")
    missing = [key for key in ("doc_id", "file", "title", "kind") if not entry.get(key)]
    if missing:
        raise CorpusError(f"{where}: missing {', '.join(missing)}")
    doc_id = str(entry["doc_id"])
    where = f"{corpus_dir / METADATA_FILE}, document {doc_id!r}"
    if not is_slug(doc_id):
        raise CorpusError(f"{where}: doc_id must be a lower-case slug of letters, digits and hyphens")
    access = parse_access(entry.get("access"), where)
    if problem := kind_problem(entry["kind"]):
        raise CorpusError(f"{where}: {problem}")
    source = corpus_dir / str(entry["file"])
    if not source.is_file():
        raise CorpusError(f"{where}: source file {source} does not exist")
    try:
        rules = CleaningRules.from_mapping(entry.get("cleaning"))
    except (ValueError, TypeError, re.error) as exc:
        raise CorpusError(f"{where}: bad cleaning rules: {exc}") from None
    try:
        url = check_url(entry.get("url"))
    except ValueError as exc:
        raise CorpusError(f"{where}: {exc}") from None
    pages: PageSpans = ()
    if source.suffix.lower() in EXTRACTED_SUFFIXES:
        try:
            extracted = extracted or extract_text(source, ocr)
        except UnsupportedDocument as exc:
            raise CorpusError(f"{where}: {exc}") from None
        text = clean_text(extracted.text, rules)
        boilerplate = removed_text(extracted.text, rules)
        pages = realign_pages(extracted.text, extracted.pages, text)
    else:
        try:
            raw = source.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise CorpusError(f"{where}: {source.name} is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
        text = clean_text(raw, rules)
        boilerplate = removed_text(raw, rules)
    if not text.strip():
        raise CorpusError(f"{where}: no text is left after cleaning {source.name}; check its cleaning rules")
    try:
        authority = check_authority(entry.get("authority"))
    except ValueError as exc:
        raise CorpusError(f"{where}: {exc}") from None
    authority, authority_source = (authority, "documents.yaml") if authority else find_authority(text)
    return Document(
        doc_id=doc_id,
        title=str(entry["title"]),
        publisher=entry.get("publisher"),
        published=_parse_date(entry.get("published"), where),
        kind=entry["kind"],
        source_file=source.name,
        text=text,
        pages=pages,
        boilerplate=tuple(boilerplate),
        access=access,
        url=url,
        authority=authority,
        authority_source=authority_source,
    )


def read_entries(corpus_dir: Path) -> list:
    """The raw entries of `corpus_dir/documents.yaml` (the one reader of that file)."""
    meta_path = Path(corpus_dir) / METADATA_FILE
    if not meta_path.is_file():
        raise CorpusError(f"no {METADATA_FILE} in {corpus_dir}; set INSPECTQA_CORPUS_DIR to the corpus folder")
    try:
        data = yaml.safe_load(meta_path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError) as exc:
        raise CorpusError(f"cannot read {meta_path}: {exc}") from None
    except yaml.YAMLError as exc:
        raise CorpusError(f"{meta_path} is not valid YAML: {exc}") from None
    entries = data.get("documents") if isinstance(data, dict) else None
    return list(entries) if isinstance(entries, list) else []


def load_corpus(corpus_dir: Path, extracted: dict[str, ExtractedDocument] | None = None, ocr: str | None = None) -> list[Document]:
    """All documents listed in `corpus_dir/documents.yaml`, cleaned, in listed order. `extracted` maps a
    source file name to its text where that file was already read (so no file is extracted twice)."""
    meta_path = Path(corpus_dir) / METADATA_FILE
    entries = read_entries(corpus_dir)
    if not entries:
        raise CorpusError(f"{meta_path} must hold a non-empty list under 'documents:'")
    extracted = extracted or {}
    documents = [
        document_from_entry(entry, Path(corpus_dir), i, extracted.get(str(entry.get("file"))) if isinstance(entry, dict) else None, ocr)
        for i, entry in enumerate(entries)
    ]
    seen: set[str] = set()
    for doc in documents:
        if doc.doc_id in seen:
            raise CorpusError(f"{meta_path}: doc_id {doc.doc_id!r} appears twice")
        seen.add(doc.doc_id)
    return documents


def corpus_hash(documents: list[Document]) -> str:
    """One hash over every document's metadata and clean text: it changes when anything indexed changes."""
    digest = hashlib.sha256()
    for doc in documents:
        digest.update(repr(sorted(doc.metadata().items())).encode())
        digest.update(doc.content_hash.encode())
        if doc.pages:  # only paged documents add to it, so hashes of existing text-only corpora stay the same
            digest.update(repr(doc.pages).encode())
        if doc.boilerplate:  # the answerer checks questions against it (index/answer/answerer.py)
            digest.update(repr(doc.boilerplate).encode())
    return digest.hexdigest()
