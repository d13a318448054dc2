"""Passages, sentences and documents of a loaded index as numpy offset arrays into the stored text.

At a million passages (4.5 million sentences) Python objects for every record cost ~2.3 GiB
(docs/scaling.md); offsets cost a few bytes each and are memory-mapped, so a process keeps only
the pages a query touches. Each document's clean text is stored once, UTF-8, in one file; a
passage or sentence is decoded from it when asked for. The tables look like the lists they
replace (`len`, iteration, `table[i]` giving a `Passage` / `Sentence`), so the answer stage does
not know the difference.
"""

from __future__ import annotations

import dataclasses
import mmap
import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import numpy as np

from index.build.chunk import Passage, Sentence
from index.ingest.corpus import Document

TEXT_FILE = "document_text.bin"
PASSAGES_FILE = "passages.npy"
SENTENCES_FILE = "sentences.npy"

# columns of passages.npy / sentences.npy (int64)
DOC, START, END, BYTE_START, BYTE_END, FIRST_SENTENCE, LAST_SENTENCE = range(7)
PASSAGE_COLUMNS = 7  # ... FIRST_SENTENCE, LAST_SENTENCE: the sentence ids [first, last) inside the passage
SENTENCE_COLUMNS = 5


def random_access(array):
    """Tell the kernel a memory-mapped array (np.load(mmap_mode='r')) or mmap is read at random rows.

    Without it every page fault reads ahead (and maps) the neighbouring pages too, so a service that
    reads ~150 scattered sentence vectors a question ends up with most of a 7 GiB file resident after
    a few hundred questions (measured at 100k: 278 -> 1,160 MiB RSS in 250 asks). Those are clean file
    pages the kernel can drop, but they count in RSS and push out pages that matter."""
    target = getattr(array, "_mmap", array)
    if isinstance(target, mmap.mmap) and hasattr(mmap, "MADV_RANDOM"):
        target.madvise(mmap.MADV_RANDOM)
    return array


class VectorRows:
    """Rows of a float32 .npy matrix read with `pread` when asked for, never mapped.

    The answer stage reads ~150 scattered sentence vectors a question. Mapped, each page fault also
    maps the cached pages around it (fault-around), so after a few hundred questions most of the
    file counts in the process's RSS (1,010 of 1,291 MiB at 100k, docs/performance.md); at 1M the
    file is 6.6 GiB. Read row by row, only the rows a question needs pass through this process."""

    def __init__(self, path: Path):
        header = np.load(path, mmap_mode="r", allow_pickle=False)
        if header.ndim != 2:
            raise ValueError(f"{Path(path).name} is not a matrix")
        self.shape, self.dtype, self._offset = header.shape, header.dtype, int(header.offset)
        self._row_bytes = int(self.shape[1]) * self.dtype.itemsize
        if os.path.getsize(path) < self._offset + self._row_bytes * self.shape[0]:
            raise ValueError(f"{Path(path).name} is shorter than its header says")
        del header
        self._fd = os.open(path, os.O_RDONLY)

    ndim = 2

    def __len__(self) -> int:
        return int(self.shape[0])

    def _read(self, first: int, count: int) -> np.ndarray:
        data = os.pread(self._fd, self._row_bytes * count, self._offset + self._row_bytes * first)
        return np.frombuffer(data, dtype=self.dtype).reshape(count, self.shape[1])

    def __getitem__(self, key):
        if isinstance(key, slice):
            start, stop, step = key.indices(len(self))
            rows = self._read(start, max(0, stop - start))
            return rows[::step]
        if np.ndim(key) == 0:
            i = int(key)
            i = i + len(self) if i < 0 else i
            if not 0 <= i < len(self):
                raise IndexError(f"no row {i} of {len(self)}")
            return self._read(i, 1)[0]
        ids = np.asarray(key, dtype=np.int64).reshape(-1)
        ids = np.where(ids < 0, ids + len(self), ids)
        if len(ids) and (ids.min() < 0 or ids.max() >= len(self)):
            raise IndexError(f"row ids outside 0..{len(self) - 1}")
        # a passage's sentences are consecutive ids: one read per run of consecutive rows
        wanted = np.unique(ids)
        breaks = np.flatnonzero(np.diff(wanted) != 1) + 1
        runs = [self._read(int(run[0]), len(run)) for run in np.split(wanted, breaks)] if len(wanted) else []
        rows = np.concatenate(runs) if runs else np.empty((0, self.shape[1]), dtype=self.dtype)
        return rows[np.searchsorted(wanted, ids)]

    def __array__(self, dtype=None, copy=None):
        rows = self._read(0, len(self))
        return rows if dtype is None else rows.astype(dtype)

    def __del__(self):
        try:
            os.close(self._fd)
        except (AttributeError, OSError):
            pass


def byte_offsets(text: str) -> np.ndarray:
    """Byte offset in UTF-8 of each character position 0..len(text) of `text` (len(text) + 1 values)."""
    if text.isascii():
        return np.arange(len(text) + 1, dtype=np.int64)
    points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    widths = 1 + (points >= 0x80) + (points >= 0x800) + (points >= 0x10000)
    return np.concatenate(([0], np.cumsum(widths, dtype=np.int64)))


def span_rows(doc_number: int, spans: np.ndarray, doc_base: int, offsets: np.ndarray) -> np.ndarray:
    """Rows (doc, start, end, byte_start, byte_end) for character `spans` (n x 2) of one document whose
    text starts `doc_base` bytes into the text file; `offsets` is its `byte_offsets`."""
    spans = np.asarray(spans, dtype=np.int64).reshape(-1, 2)
    rows = np.empty((len(spans), SENTENCE_COLUMNS), dtype=np.int64)
    rows[:, DOC] = doc_number
    rows[:, START : END + 1] = spans
    rows[:, BYTE_START] = doc_base + offsets[spans[:, 0]]
    rows[:, BYTE_END] = doc_base + offsets[spans[:, 1]]
    return rows


class TextFile:
    """The UTF-8 text of every document, memory-mapped read-only."""

    def __init__(self, path: Path):
        self.path = Path(path)
        with self.path.open("rb") as f:
            size = f.seek(0, 2)
            self._map = random_access(mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)) if size else b""

    def __len__(self) -> int:
        return len(self._map)

    def slice(self, start: int, end: int) -> str:
        return self._map[start:end].decode("utf-8")


class _Rows(Sequence):
    """A read-only sequence of records made on demand from rows of an offset array."""

    def __init__(self, rows: np.ndarray, text: TextFile, doc_ids: Sequence[str]):
        self.rows = rows
        self.text = text
        self.doc_ids = doc_ids

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        i = int(i)
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(f"no row {i} of {len(self)}")
        return self._make(i, self.rows[i].tolist())

    def many(self, ids) -> list:
        """`[self[i] for i in ids]`, the rows read in one go (a question reads a few hundred)."""
        ids = [int(i) for i in ids]
        if not ids:
            return []
        if min(ids) < 0 or max(ids) >= len(self):
            raise IndexError(f"row ids outside 0..{len(self) - 1}")
        return [self._make(i, row) for i, row in zip(ids, self.rows[ids].tolist())]

    def __iter__(self) -> Iterator:
        # whole blocks of rows at a time: one array read per 4,096 records, not per record
        for lo in range(0, len(self.rows), 4096):
            for offset, row in enumerate(self.rows[lo : lo + 4096].tolist()):
                yield self._make(lo + offset, row)

    def _make(self, i: int, row: list[int]):
        raise NotImplementedError


class PassageTable(_Rows):
    """`table[pid]` is the `Passage` with that id, its text decoded from the document text."""

    def _make(self, i: int, row: list[int]) -> Passage:
        return Passage(i, self.doc_ids[row[DOC]], row[START], row[END], self.text.slice(row[BYTE_START], row[BYTE_END]))


class SentenceTable(_Rows):
    """`table[sid]` is the `Sentence` with that id."""

    def _make(self, i: int, row: list[int]) -> Sentence:
        return Sentence(i, self.doc_ids[row[DOC]], row[START], row[END], self.text.slice(row[BYTE_START], row[BYTE_END]))


class PassageSentences(Sequence):
    """`table[pid]` is the list of sentence ids lying inside passage `pid` (a run of consecutive ids)."""

    def __init__(self, passage_rows: np.ndarray):
        self.rows = passage_rows

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, pid):
        if isinstance(pid, slice):
            return [self[j] for j in range(*pid.indices(len(self)))]
        first, last = self.rows[pid, FIRST_SENTENCE : LAST_SENTENCE + 1].tolist()
        return list(range(first, last))


class DocumentTable(Mapping):
    """doc_id -> `Document`, its text decoded from the text file when a document is asked for.
    `metadata(doc_id)` gives the same document without its text, for filters that look at every one."""

    def __init__(self, described: list[Document], text_spans: np.ndarray, text: TextFile):
        self._described = {d.doc_id: d for d in described}  # text left empty
        self._number = {d.doc_id: n for n, d in enumerate(described)}
        self.doc_ids = [d.doc_id for d in described]
        self._spans = text_spans
        self._text = text

    def __len__(self) -> int:
        return len(self._described)

    def __iter__(self) -> Iterator[str]:
        return iter(self._described)

    def __contains__(self, doc_id) -> bool:
        return doc_id in self._described

    def __getitem__(self, doc_id: str) -> Document:
        n = self._number[doc_id]
        start, end = self._spans[n].tolist()
        return dataclasses.replace(self._described[doc_id], text=self._text.slice(start, end))

    def metadata(self, doc_id: str) -> Document:
        return self._described[doc_id]

    def number(self, doc_id: str) -> int:
        """The document's row number: what `passages.npy` holds in its doc column."""
        return self._number[doc_id]

    def without(self, hidden) -> "DocumentTable":
        """The same table less the `hidden` doc_ids (a caller's restricted view, index.answer.access).
        Row numbers and `doc_ids` (row -> doc_id, what passage rows point at) stay those of the whole
        table; only lookups, iteration and `len` leave the hidden documents out."""
        view = DocumentTable.__new__(DocumentTable)
        view._described = {d: doc for d, doc in self._described.items() if d not in hidden}
        view._number = self._number
        view.doc_ids = self.doc_ids
        view._spans = self._spans
        view._text = self._text
        return view


class SentencePassage(Mapping):
    """sentence id -> the first passage holding it (where a conflict's other side is cited from), by binary search.

    Passages are numbered in document order, so among those holding sentences both FIRST_SENTENCE and
    LAST_SENTENCE only grow; a passage holding none (written (0, 0)) is read as ending where the one
    before it ends. The first passage whose end passes `sid` is then the first holding it, when it starts
    at or before `sid`: one binary search over those ends."""

    def __init__(self, passage_rows: np.ndarray):
        self.rows = passage_rows
        self._ends: np.ndarray | None = None

    def __getitem__(self, sid) -> int:
        sid = int(sid)
        if self._ends is None:
            # each passage's end, or that of the nearest one before it holding any sentence: never decreasing
            # (8 bytes a passage, worked out once on first use)
            self._ends = np.maximum.accumulate(np.asarray(self.rows[:, LAST_SENTENCE])) if len(self.rows) else np.zeros(0, dtype=np.int64)
        pid = int(np.searchsorted(self._ends, sid, side="right"))  # the first passage whose end passes sid
        if pid < len(self.rows):
            first, last = self.rows[pid, FIRST_SENTENCE : LAST_SENTENCE + 1].tolist()
            if first <= sid < last:
                return pid
        raise KeyError(sid)

    def __iter__(self) -> Iterator[int]:
        seen = -1
        for first, last in self.rows[:, FIRST_SENTENCE : LAST_SENTENCE + 1].tolist():
            for sid in range(max(first, seen + 1), last):
                yield sid
                seen = sid

    def __len__(self) -> int:
        return sum(1 for _ in self)
