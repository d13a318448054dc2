"""Add documents to the corpus and remove them: documents.yaml edits plus an incremental index rebuild.

The planning (which files go in, under which doc_id, which are duplicates or unreadable) is pure
over the metadata entries; the edges copy files, replace documents.yaml atomically and rebuild.
If the rebuild fails, documents.yaml and the corpus folder are put back as they were, so nothing
is ever half-added; the served index is swapped only by a finished build (index.build.store).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import shutil
import stat
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import yaml

from index.errors import CorpusConflict, CorpusError, DocumentNotFound, UnsupportedDocument
from index.ingest.corpus import GROUP, METADATA_FILE, Document, check_authority, check_url, document_from_entry, is_slug, kind_problem, load_corpus, read_entries
from index.ingest.extract import SUPPORTED_SUFFIXES, ExtractedDocument, extract_text_isolated
from index.ingest import journal
from index.ingest.lock import corpus_lock

DEFAULT_KIND = {".pdf": "inspection-report", ".html": "news", ".htm": "news"}  # anything else: commentary


TITLE_LIMIT, PUBLISHER_LIMIT = 300, 200
# C0/C1 controls and the bidi embedding/override/isolate marks: a title shows in every answer's card, where
# an escape, a NUL or a right-to-left override would garble or disguise it
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def text_problem(name: str, value: str, limit: int) -> str | None:
    """What is wrong with a title or publisher given by hand, or None."""
    if len(value) > limit:
        return f"{name} is {len(value)} characters; at most {limit}"
    if bad := _UNSAFE.search(value):
        return f"{name} holds the control or bidi character U+{ord(bad.group()):04X}; remove it"
    return None


@dataclass(frozen=True)
class Overrides:
    """Metadata given on the command line or in the upload form; None means guess it from the file."""

    title: str | None = None
    published: dt.date | None = None
    kind: str | None = None
    publisher: str | None = None
    doc_id: str | None = None
    access: tuple[str, ...] = ()  # groups that may see the document; () for everyone
    url: str | None = None  # where it was published; checked by index.ingest.corpus.check_url
    authority: str | None = None  # the local authority it is about; None: found from its text (index/ingest/authority.py)

    def problems(self) -> list[str]:
        """What is wrong with these overrides, checked before any file is read or written."""
        out = []
        for name, value, limit in (("title", self.title, TITLE_LIMIT), ("publisher", self.publisher, PUBLISHER_LIMIT)):
            if value is not None and (problem := text_problem(name, value, limit)):
                out.append(problem)
        if self.published is not None and self.published > dt.date.today() + dt.timedelta(days=1):
            out.append(f"published {self.published.isoformat()} is in the future; give the date the document was published")
        if self.kind is not None and (problem := kind_problem(self.kind)):
            out.append(problem)
        # a doc_id becomes a file name in the corpus folder: '../x' or '/etc/x' must never get that far
        if self.doc_id is not None and not is_slug(self.doc_id):
            out.append(f"doc_id {self.doc_id!r} must be a lower-case slug: 2-100 letters, digits and hyphens, starting with a letter or digit")
        bad = [g for g in self.access if not GROUP.match(g)]
        if bad:
            out.append(f"access group(s) {', '.join(map(repr, bad))} must be 1-64 letters, digits or - _ . @")
        for check, value in ((check_url, self.url), (check_authority, self.authority)):
            try:
                check(value)
            except ValueError as exc:
                out.append(str(exc))
        return out


@dataclass(frozen=True)
class FileOutcome:
    path: Path
    status: str  # "added" | "duplicate" | "failed"
    message: str
    doc_id: str | None = None


@dataclass(frozen=True)
class Plan:
    entries: list[dict]  # new documents.yaml entries, in the order given
    copies: list[tuple[Path, str]]  # (source path, file name inside the corpus folder)
    outcomes: list[FileOutcome] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return any(o.status == "failed" for o in self.outcomes)


# ---------------------------------------------------------------- pure planning


def slugify(title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:60].strip("-")
    return slug if len(slug) >= 2 else "document"


def unique_id(base: str, taken: set[str]) -> str:
    candidate, n = base, 2
    while candidate in taken:
        candidate = f"{base[:55]}-{n}"
        n += 1
    return candidate


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()  # the same hash as Document.content_hash


def plan_additions(
    existing: list[dict],
    existing_hashes: dict[str, str],
    extracted: list[tuple[Path, ExtractedDocument | UnsupportedDocument]],
    overrides: Overrides,
    raw_hashes: dict[Path, str] | None = None,
    existing_raw: dict[str, str] | None = None,
) -> Plan:
    """Which files to add under which entries. `existing_hashes` maps content hash -> doc_id; `raw_hashes`
    each given file's bytes hash and `existing_raw` the corpus files' (raw hash -> doc_id)."""
    raw_hashes = raw_hashes or {}
    seen_raw = dict(existing_raw or {})
    taken_ids = {str(e.get("doc_id")) for e in existing}
    taken_files = {str(e.get("file")) for e in existing}
    seen_hashes = dict(existing_hashes)
    entries: list[dict] = []
    copies: list[tuple[Path, str]] = []
    outcomes: list[FileOutcome] = []
    for path, result in extracted:
        raw = raw_hashes.get(path)
        if raw is not None and raw in seen_raw:
            outcomes.append(FileOutcome(path, "duplicate", f"{path.name}: the same file as document {seen_raw[raw]!r}; skipped", seen_raw[raw]))
            continue
        if isinstance(result, UnsupportedDocument):
            outcomes.append(FileOutcome(path, "failed", str(result)))
            continue
        digest = text_hash(result.text)
        if digest in seen_hashes:
            outcomes.append(FileOutcome(path, "duplicate", f"{path.name}: same text as document {seen_hashes[digest]!r}; skipped", seen_hashes[digest]))
            continue
        # a title read from the file is cleaned to the same limits a given one is held to
        title = overrides.title or _UNSAFE.sub("", result.title or _title_from_text(result.text) or path.stem).strip()[:TITLE_LIMIT] or path.stem
        doc_id = overrides.doc_id or unique_id(slugify(title), taken_ids)
        if doc_id in taken_ids:
            outcomes.append(FileOutcome(path, "failed", f"{path.name}: doc_id {doc_id!r} is already in the corpus"))
            continue
        file_name = unique_id(doc_id, {Path(f).stem for f in taken_files}) + path.suffix.lower()
        published = overrides.published or result.published
        entry = {
            "doc_id": doc_id,
            "file": file_name,
            "title": title,
            "publisher": overrides.publisher,
            "published": published.isoformat() if published else None,
            "kind": overrides.kind or DEFAULT_KIND.get(path.suffix.lower(), "commentary"),
        }
        if overrides.access:
            entry["access"] = list(overrides.access)
        if overrides.url:
            entry["url"] = overrides.url
        if overrides.authority:
            entry["authority"] = check_authority(overrides.authority)
        taken_ids.add(doc_id)
        taken_files.add(file_name)
        seen_hashes[digest] = doc_id
        if raw is not None:
            seen_raw[raw] = doc_id
        entries.append(entry)
        copies.append((path, file_name))
        outcomes.append(FileOutcome(path, "added", f"{path.name}: added as {doc_id!r} ({entry['kind']})", doc_id))
    return Plan(entries, copies, outcomes)


def _title_from_text(text: str) -> str | None:
    first = text.split("\n", 1)[0].strip()
    return first[:120] if first else None


def expand_paths(paths: list[Path]) -> list[Path]:
    """Files as given, and every supported file inside each folder given (sorted, recursive)."""
    files: list[Path] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES)
        else:
            files.append(path)
    return files


# ---------------------------------------------------------------- documents.yaml I/O


def write_atomically(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        # mkstemp makes the file 0600: the replacement keeps the mode the operator gave the original
        try:
            os.fchmod(fd, stat.S_IMODE(os.stat(path).st_mode))
        except FileNotFoundError:
            os.fchmod(fd, 0o644)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _entry_block(entry: dict) -> str:
    dumped = yaml.safe_dump([entry], sort_keys=False, allow_unicode=True, width=1000)
    return "\n" + "".join(f"  {line}\n" for line in dumped.splitlines())


def _without_entry(text: str, doc_id: str) -> str | None:
    """documents.yaml text with one entry's block cut out, comments elsewhere kept; None if not found."""
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if re.match(rf"^  - doc_id: ['\"]?{re.escape(doc_id)}['\"]?\s*$", line)), None)
    if start is None:
        return None
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("  - ")), len(lines))
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1
    while start > 0 and not lines[start - 1].strip():
        start -= 1  # take the blank line before the block with it
    return "".join(lines[:start] + lines[end:])


def _checked(text: str, expected: list[dict], path: Path) -> str:
    """Refuse to write a documents.yaml that does not parse back to exactly the expected entries."""
    data = yaml.safe_load(text) or {}
    got = data.get("documents") if isinstance(data, dict) else None
    if got != expected:
        raise CorpusConflict(f"editing {path} in place would not give the expected entries; edit it by hand")
    return text


# ---------------------------------------------------------------- edges: add and remove


# Builds the index of the given documents (None: read them from the corpus folder).
Rebuild = Callable[[list[Document] | None], object]
# Told each stage of a change as it starts: "extracting", "building", "published".
Progress = Callable[[str], None]


def _no_progress(stage: str) -> None:
    pass


def _undo(corpus_dir: Path, old_yaml: str, added_files: list[Path]) -> None:
    """Put documents.yaml and the folder back as they were, then forget the journal record."""
    write_atomically(Path(corpus_dir) / METADATA_FILE, old_yaml)
    for path in added_files:
        path.unlink(missing_ok=True)
    journal.done(corpus_dir)


def _rebuild_or_restore(
    corpus_dir: Path, old_yaml: str, added_files: list[Path], rebuild: Rebuild, documents: list[Document] | None, change: journal.Change
) -> journal.Change:
    change = journal.mark(corpus_dir, change, "building")
    try:
        rebuild(documents)
    except BaseException:
        _undo(corpus_dir, old_yaml, added_files)
        raise
    return journal.mark(corpus_dir, change, "published")


def recover_unfinished(corpus_dir: Path, index_dir: Path, wait_seconds: float | None = None) -> journal.Recovery | None:
    """Finish or roll back a change a dead process left in the journal (index.ingest.journal); under the lock
    (CorpusBusy when another process holds it past `wait_seconds`: that change is alive, not left over)."""
    with corpus_lock(corpus_dir, wait_seconds):
        return journal.recover(corpus_dir, index_dir)


def raw_hash(path: Path) -> str:
    """sha256 of a file's bytes: a byte-identical copy is a duplicate even before its text is read."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as source:
        while chunk := source.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def corpus_raw_hashes(corpus_dir: Path, entries: list) -> dict[str, str]:
    """raw_hash -> doc_id of each corpus file documents.yaml lists."""
    hashes = {}
    for entry in entries:
        if isinstance(entry, dict) and (corpus_dir / str(entry.get("file"))).is_file():
            hashes[raw_hash(corpus_dir / str(entry.get("file")))] = str(entry.get("doc_id"))
    return hashes


def add_documents(
    corpus_dir: Path,
    paths: list[Path],
    overrides: Overrides,
    rebuild: Rebuild,
    ocr: str | None = None,
    progress: Progress = _no_progress,
    job_id: str | None = None,
    index_dir: Path | None = None,
) -> Plan:
    """Extract, plan, copy in, append to documents.yaml and rebuild; a failed rebuild undoes it all.
    Every document is extracted and cleaned once: the existing ones here, the new ones from their extraction.
    `ocr`: the Tesseract language scanned PDF pages are read with (None: they are refused).
    The whole change holds the corpus lock (index.ingest.lock), so no other process changes it meanwhile,
    and is journalled (index.ingest.journal) so a crash part-way is finished or undone by the next process;
    `index_dir` is the served index that recovery of an earlier crashed change compares with."""
    if problems := overrides.problems():
        raise CorpusError("; ".join(problems))
    with corpus_lock(corpus_dir):
        if index_dir is not None:
            journal.recover(corpus_dir, index_dir)
        return _add_documents(Path(corpus_dir), paths, overrides, rebuild, ocr, progress, job_id)


def _add_documents(corpus_dir: Path, paths: list[Path], overrides: Overrides, rebuild: Rebuild, ocr: str | None, progress: Progress, job_id: str | None) -> Plan:
    files = expand_paths(paths)
    if not files:
        raise CorpusError(f"no supported files ({', '.join(SUPPORTED_SUFFIXES)}) in {', '.join(map(str, paths))}")
    if (overrides.doc_id or overrides.title or overrides.url) and len(files) > 1:
        raise CorpusError("--title, --doc-id and --url name one document; give one file with them")
    progress("extracting")
    entries = read_entries(corpus_dir)
    raw = corpus_raw_hashes(corpus_dir, entries)
    extracted: list[tuple[Path, ExtractedDocument | UnsupportedDocument]] = []
    for path in files:
        try:
            extracted.append((path, extract_text_isolated(path, ocr=ocr)))
        except UnsupportedDocument as exc:
            extracted.append((path, exc))
    documents = load_corpus(corpus_dir, ocr=ocr)
    hashes = {d.content_hash: d.doc_id for d in documents}
    plan = plan_additions(entries, hashes, extracted, overrides, {path: raw_hash(path) for path in files}, raw)
    if not plan.entries:
        return plan
    meta = corpus_dir / METADATA_FILE
    old_yaml = meta.read_text(encoding="utf-8")
    new_yaml = old_yaml.rstrip("\n") + "\n" + "".join(_entry_block(e) for e in plan.entries)
    new_yaml = _checked(new_yaml, entries + plan.entries, meta)
    change = journal.begin(
        corpus_dir, journal.Change("add", tuple(e["doc_id"] for e in plan.entries), tuple(name for _, name in plan.copies), old_yaml, job_id=job_id)
    )
    copied: list[Path] = []
    try:
        for source, name in plan.copies:
            target = corpus_dir / name
            shutil.copyfile(source, target)
            copied.append(target)
        change = journal.mark(corpus_dir, change, "file-written")
        write_atomically(meta, new_yaml)
        change = journal.mark(corpus_dir, change, "yaml-written")
        new_files = {name: result for (path, result), name in _added_files(extracted, plan)}
        new_documents = [document_from_entry(e, corpus_dir, len(documents) + i, new_files.get(e["file"])) for i, e in enumerate(plan.entries)]
    except BaseException:
        _undo(corpus_dir, old_yaml, copied)
        raise
    progress("building")
    _rebuild_or_restore(corpus_dir, old_yaml, copied, rebuild, documents + new_documents, change)
    journal.done(corpus_dir)
    progress("published")
    return plan


def _added_files(extracted: list[tuple[Path, ExtractedDocument | UnsupportedDocument]], plan: Plan):
    """(extraction, corpus file name) of each file the plan adds."""
    by_path = {o.path: o.doc_id for o in plan.outcomes if o.status == "added"}
    names = {e["doc_id"]: e["file"] for e in plan.entries}
    return [((path, result), names[by_path[path]]) for path, result in extracted if path in by_path]


def remove_document(
    corpus_dir: Path, doc_id: str, rebuild: Rebuild, progress: Progress = _no_progress, job_id: str | None = None, index_dir: Path | None = None
) -> dict:
    """Take one document out of documents.yaml and the index; its file goes once the rebuild is done.
    Holds the corpus lock throughout, journalled like add_documents."""
    with corpus_lock(corpus_dir):
        if index_dir is not None:
            journal.recover(corpus_dir, index_dir)
        return _remove_document(Path(corpus_dir), doc_id, rebuild, progress, job_id)


def _remove_document(corpus_dir: Path, doc_id: str, rebuild: Rebuild, progress: Progress, job_id: str | None) -> dict:
    meta = corpus_dir / METADATA_FILE
    entries = read_entries(corpus_dir)
    entry = next((e for e in entries if str(e.get("doc_id")) == doc_id), None)
    if entry is None:
        raise DocumentNotFound(f"no document {doc_id!r} in {meta}; 'inspectqa corpus list' shows the doc_ids")
    if len(entries) == 1:
        raise CorpusConflict(f"{doc_id!r} is the only document; a corpus needs at least one")
    old_yaml = meta.read_text(encoding="utf-8")
    remaining = [e for e in entries if e is not entry]
    new_yaml = _without_entry(old_yaml, doc_id)
    if new_yaml is None:
        raise CorpusConflict(f"cannot find the block of {doc_id!r} in {meta}; remove it by hand")
    new_yaml = _checked(new_yaml, remaining, meta)
    shared = any(str(e.get("file")) == entry["file"] for e in remaining)
    change = journal.begin(corpus_dir, journal.Change("remove", (doc_id,), () if shared else (str(entry["file"]),), old_yaml, job_id=job_id))
    try:
        write_atomically(meta, new_yaml)
        change = journal.mark(corpus_dir, change, "yaml-written")
    except BaseException:
        _undo(corpus_dir, old_yaml, [])
        raise
    progress("building")
    _rebuild_or_restore(corpus_dir, old_yaml, [], rebuild, None, change)
    source = corpus_dir / str(entry["file"])
    if source.is_file() and not shared:
        source.unlink()
    journal.done(corpus_dir)
    progress("published")
    return entry
