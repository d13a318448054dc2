"""A write-ahead journal for corpus changes, so a change cut off by a crash is finished or undone.

A change (an add or a remove) is written to `.inspectqa-journal.json` beside documents.yaml before
the folder or documents.yaml is touched: what it adds or removes and documents.yaml as it was.
Each step is recorded as it completes (file-written, yaml-written, building) and the record is
deleted only once the rebuilt index is published (the index pointer swapped). A record found by
the next process to take the corpus lock (a service starting, `corpus add`, `index build`) is a
change whose process died: if the published index already holds its outcome it is finished
(a removed document's file deleted), otherwise it is rolled back (documents.yaml restored, added
files deleted), so corpus folder, documents.yaml and served index agree again.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import uuid
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

log = logging.getLogger("inspectqa")

JOURNAL_FILE = ".inspectqa-journal.json"
STEPS = ("started", "file-written", "yaml-written", "building", "published")


@dataclass(frozen=True)
class Change:
    """One corpus change in flight."""

    op: str  # "add" | "remove"
    doc_ids: tuple[str, ...]
    files: tuple[str, ...]  # corpus file names it adds (add) or deletes once published (remove)
    old_yaml: str  # documents.yaml before the change
    step: str = "started"
    job_id: str | None = None
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    started_at: str = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"))

    def describe(self) -> str:
        what = "adding" if self.op == "add" else "removing"
        job = f", job {self.job_id}" if self.job_id else ""
        return f"{what} {', '.join(self.doc_ids)} (started {self.started_at}, last step {self.step}{job})"


@dataclass(frozen=True)
class Recovery:
    """What recovery did with an unfinished change: action is 'finished' or 'rolled back'."""

    change: Change
    action: str

    @property
    def message(self) -> str:
        return f"an unfinished corpus change was found ({self.change.describe()}) and {self.action}"


def _path(corpus_dir: Path) -> Path:
    return Path(corpus_dir) / JOURNAL_FILE


def _write(corpus_dir: Path, change: Change) -> None:
    path = _path(corpus_dir)
    tmp = path.with_name(f"{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    with tmp.open("w", encoding="utf-8") as out:
        json.dump(asdict(change), out)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def begin(corpus_dir: Path, change: Change) -> Change:
    """Record `change` before anything of it is done."""
    _write(corpus_dir, change)
    return change


def mark(corpus_dir: Path, change: Change, step: str) -> Change:
    """Record that `change` has completed `step`."""
    if step not in STEPS:
        raise ValueError(f"unknown journal step {step!r}")
    moved = replace(change, step=step)
    _write(corpus_dir, moved)
    return moved


def done(corpus_dir: Path) -> None:
    """The change is settled (published, or undone in-process): forget it."""
    _path(corpus_dir).unlink(missing_ok=True)
    _fsync_dir(Path(corpus_dir))


def pending(corpus_dir: Path) -> Change | None:
    """The unfinished change recorded for this corpus, if any (a damaged record is reported as one)."""
    path = _path(corpus_dir)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Change(**{**data, "doc_ids": tuple(data["doc_ids"]), "files": tuple(data["files"])})
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError, KeyError) as exc:
        return Change(op="unknown", doc_ids=(), files=(), old_yaml="", step=f"unreadable record ({exc})")


def served_doc_ids(index_dir: Path) -> set[str] | None:
    """doc_ids of the published index (its documents.jsonl); None when there is none."""
    try:
        lines = (Path(index_dir) / "documents.jsonl").read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    return {json.loads(line)["doc_id"] for line in lines if line.strip()}


def recover(corpus_dir: Path, index_dir: Path) -> Recovery | None:
    """Finish or roll back the recorded change; call holding the corpus lock (nobody else is changing it)."""
    from index.ingest.manage import write_atomically  # manage imports this module, so not at the top

    change = pending(corpus_dir)
    if change is None:
        return None
    corpus_dir = Path(corpus_dir)
    if change.op not in ("add", "remove"):
        raise ValueError(f"{_path(corpus_dir)} cannot be read: {change.step}; compare documents.yaml with the folder, then delete it")
    served = served_doc_ids(index_dir) or set()
    if change.op == "add":
        published = change.step == "published" or all(d in served for d in change.doc_ids)
    else:
        published = change.step == "published" or not any(d in served for d in change.doc_ids)
    if published:
        action = "finished (the rebuilt index holding it had been published)"
        if change.op == "remove":
            for name in change.files:
                (corpus_dir / name).unlink(missing_ok=True)
    else:
        action = "rolled back (documents.yaml and the corpus folder restored to match the served index)"
        write_atomically(corpus_dir / "documents.yaml", change.old_yaml)
        if change.op == "add":
            for name in change.files:
                (corpus_dir / name).unlink(missing_ok=True)
    done(corpus_dir)
    recovery = Recovery(change, action)
    log.warning(recovery.message)
    return recovery
