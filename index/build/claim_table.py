"""The claims of a loaded index (index/build/claims.py) as memory-mapped integer columns, not Python objects.

At a million passages the corpus states ~3 million dates and figures; as frozen `Claim`s they cost
~470 bytes each (~1.4 GiB) and seconds of JSON parsing at start-up. Stored here as one int32 column
per field (claims.npy, column-major so each column is one contiguous run a binary search can read
a few pages of), the figures as float64 (claim_numbers.npy), and the strings as small tables
(claim_strings.json: the distinct event keys, units, kinds ...), a claim costs 80 bytes on disk
and nothing in memory until asked for. A claim's `value` is not stored when it is what
`claims.value_shown` makes of its row and the words of its sentence (nearly every claim): only the
exceptions go into the string table.

Rows are in sentence order, so one sentence's claims, or one document's, are a run of rows found by
`searchsorted`. `ClaimTable` looks like the list it replaces (`len`, iteration, `table[i]` giving a
`Claim`); the answer stage asks it for row ids and makes `Claim`s only of the rows it keeps.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path

import numpy as np

from index.build.claims import Claim, value_shown

CLAIMS_FILE = "claims.npy"
NUMBERS_FILE = "claim_numbers.npy"
STRINGS_FILE = "claim_strings.json"

# columns of claims.npy (int32); ABSENT stands for None in the date columns
(SENTENCE, DOC, START, END, VALUE_START, VALUE_END, YEAR, MONTH_LO, MONTH_HI, DAY_LO, DAY_HI, APPROXIMATE,
 KIND, ABOUT, VALUE, GRAIN, RESOLVED, UNIT) = range(18)
CLAIM_COLUMNS = 18
ABSENT = -1
DERIVED = -1  # in the VALUE column: the value is `value_shown` of the row, not a string of the table
STRING_FIELDS = {"kind": KIND, "about": ABOUT, "value": VALUE, "grain": GRAIN, "resolved": RESOLVED, "unit": UNIT}
_INT32 = np.iinfo(np.int32)


def _or_absent(x: int | None) -> int:
    return ABSENT if x is None else x


def _or_none(x: int) -> int | None:
    return None if x == ABSENT else x


class ClaimWriter:
    """Collects claims (in sentence order, a document's at a time) into the columns and string tables, then saves them.

    String codes are given in the order strings first appear, so a table's keys come out in the order
    a dict of the claims would have them."""

    def __init__(self):
        self._codes: dict[str, dict[str, int]] = {name: {} for name in STRING_FIELDS}
        self._blocks: list[np.ndarray] = []
        self._numbers: list[np.ndarray] = []
        self.count = 0

    def _code(self, name: str, text: str) -> int:
        table = self._codes[name]
        return table.setdefault(text, len(table))

    def add(self, claims: Sequence[Claim], doc_number: Mapping[str, int], words: Callable[[Claim], str]) -> None:
        """Append `claims`; `doc_number[doc_id]` is the document's row, `words(claim)` the text its value offsets cover."""
        rows = []
        for c in claims:
            approximate = bool(c.approximate)
            shown = value_shown(c.kind, c.resolved, approximate, words(c), c.year, c.month_lo, c.month_hi, c.day_lo, c.day_hi)
            rows.append((
                c.sentence_id, doc_number[c.doc_id], c.start, c.end, c.value_start, c.value_end, _or_absent(c.year),
                _or_absent(c.month_lo), _or_absent(c.month_hi), _or_absent(c.day_lo), _or_absent(c.day_hi), int(approximate),
                self._code("kind", c.kind), self._code("about", c.about),
                DERIVED if shown == c.value else self._code("value", c.value),
                self._code("grain", c.grain), self._code("resolved", c.resolved), self._code("unit", c.unit),
            ))
        block = np.array(rows, dtype=np.int64).reshape(-1, CLAIM_COLUMNS)
        if len(block) and (block.min() < _INT32.min or block.max() > _INT32.max):
            raise ValueError("a claim's sentence id or offset does not fit the int32 claim columns")
        self._blocks.append(block.astype(np.int32))
        self._numbers.append(np.array([np.nan if c.number is None else c.number for c in claims], dtype=np.float64))
        self.count += len(block)

    def save(self, directory: Path) -> None:
        columns = np.concatenate(self._blocks) if self._blocks else np.zeros((0, CLAIM_COLUMNS), dtype=np.int32)
        if np.any(np.diff(columns[:, SENTENCE]) < 0):
            raise ValueError("claims must be added in sentence order")
        # column-major: a column is contiguous, so a binary search over sentence ids touches a few pages
        np.save(Path(directory) / CLAIMS_FILE, np.asfortranarray(columns), allow_pickle=False)
        np.save(Path(directory) / NUMBERS_FILE, np.concatenate(self._numbers) if self._numbers else np.zeros(0), allow_pickle=False)
        strings = {name: list(codes) for name, codes in self._codes.items()}
        (Path(directory) / STRINGS_FILE).write_text(json.dumps(strings, ensure_ascii=False), encoding="utf-8")


def write_claims(directory: Path, claims: Sequence[Claim], doc_number: Mapping[str, int], texts: Mapping[str, str]) -> None:
    """Save `claims` (every claim of a build, in sentence order); `texts[doc_id]` is each document's clean text."""
    writer = ClaimWriter()
    writer.add(claims, doc_number, lambda c: texts[c.doc_id][c.value_start : c.value_end])
    writer.save(directory)


class ClaimTable(Sequence):
    """`table[i]` is the i-th claim (in sentence order) as a `Claim`, made from its row when asked for.

    Lookups answer with row ids of the stored columns (`rows_of_sentences`, `rows_in_documents`,
    `rows_about`); `claims(rows)` makes the `Claim`s of those rows in one read. A restricted view
    (`without`) keeps the same columns and leaves the rows of hidden documents out of everything."""

    def __init__(self, columns: np.ndarray, numbers: np.ndarray, strings: dict[str, list[str]], sentences: Sequence, doc_ids: Sequence[str],
                 shown: np.ndarray | None = None):
        self.columns = columns
        self.numbers = numbers
        self.strings = strings
        self.sentences = sentences  # a sentence's words, for a value made from them
        self.doc_ids = doc_ids
        self._shown = shown  # None: every row; else a bool per row (restricted view)
        self._by_about: tuple[np.ndarray, np.ndarray] | None = None

    @classmethod
    def load(cls, directory: Path, sentences: Sequence, doc_ids: Sequence[str]) -> "ClaimTable":
        # plain ndarray views of the maps, as records.py's (np.memmap's own indexing is slow)
        columns = np.asarray(np.load(Path(directory) / CLAIMS_FILE, mmap_mode="r", allow_pickle=False))
        numbers = np.asarray(np.load(Path(directory) / NUMBERS_FILE, mmap_mode="r", allow_pickle=False))
        strings = json.loads((Path(directory) / STRINGS_FILE).read_text(encoding="utf-8"))
        if columns.ndim != 2 or columns.shape[1] != CLAIM_COLUMNS or numbers.shape != (len(columns),) or set(strings) != set(STRING_FIELDS):
            raise ValueError(f"{CLAIMS_FILE}, {NUMBERS_FILE} and {STRINGS_FILE} do not fit together")
        return cls(columns, numbers, strings, sentences, doc_ids)

    @classmethod
    def empty(cls) -> "ClaimTable":
        """The table of an index built before claims were extracted."""
        return cls(np.zeros((0, CLAIM_COLUMNS), dtype=np.int32), np.zeros(0), {name: [] for name in STRING_FIELDS}, [], [])

    # ------------------------------------------------------------ rows

    @property
    def stored(self) -> int:
        """Rows stored, hidden ones included."""
        return len(self.columns)

    def _kept(self, rows: np.ndarray) -> np.ndarray:
        return rows if self._shown is None else rows[self._shown[rows]]

    def visible(self, rows: np.ndarray) -> np.ndarray:
        """`rows` less those a restricted view hides."""
        return self._kept(np.asarray(rows, dtype=np.int64))

    def _runs(self, column: int, firsts: np.ndarray, lasts: np.ndarray) -> np.ndarray:
        """Row ids whose (sorted) `column` value lies in [first, last) for each pair, in row order."""
        values = self.columns[:, column]
        # needles of the column's own dtype: int64 needles against this int32 column make numpy copy the
        # whole column to int64 on every search (~4 ms at three million claims, against ~6 µs)
        firsts, lasts = np.asarray(firsts).astype(values.dtype), np.asarray(lasts).astype(values.dtype)
        lo, hi = np.searchsorted(values, firsts, "left"), np.searchsorted(values, lasts, "left")
        runs = [np.arange(a, b) for a, b in zip(lo.tolist(), hi.tolist()) if b > a]
        rows = np.unique(np.concatenate(runs)) if runs else np.zeros(0, dtype=np.int64)
        return self._kept(rows)

    def rows_of_sentences(self, sentence_ids: Iterable[int]) -> np.ndarray:
        """Row ids of the claims of these sentences, in row (sentence) order."""
        ids = np.unique(np.asarray(list(sentence_ids), dtype=np.int64))
        return self._runs(SENTENCE, ids, ids + 1)

    def rows_in_documents(self, doc_ids: Iterable[str]) -> np.ndarray:
        """Row ids of the claims of these documents (rows are in document order: each document's are one run)."""
        numbers = np.array(sorted(self.doc_number[d] for d in doc_ids if d in self.doc_number), dtype=np.int64)
        return self._runs(DOC, numbers, numbers + 1)

    def rows_about(self, key: str) -> np.ndarray:
        """Row ids of the claims about `key`, in row order (every row sorted by key once, on first use)."""
        code = self.about_code.get(key)
        if code is None:
            return np.zeros(0, dtype=np.int64)
        if self._by_about is None:
            about = self.columns[:, ABOUT]
            order = np.argsort(about, kind="stable")
            self._by_about = (order, np.searchsorted(about[order], np.arange(len(self.strings["about"]) + 1)))
        order, starts = self._by_about
        return self._kept(order[starts[code] : starts[code + 1]])

    def about_of(self, rows: np.ndarray) -> np.ndarray:
        """The key code of each row (an index into `strings["about"]`)."""
        return self.columns[rows, ABOUT]

    def is_date(self, rows: np.ndarray) -> np.ndarray:
        kinds = self.strings["kind"]
        return self.columns[rows, KIND] == (kinds.index("date") if "date" in kinds else -2)

    def years_of(self, rows: np.ndarray) -> np.ndarray:
        """The year of each row (ABSENT where it has none)."""
        return self.columns[rows, YEAR]

    @property
    def doc_number(self) -> dict[str, int]:
        if "_doc_number" not in self.__dict__:
            self.__dict__["_doc_number"] = {d: n for n, d in enumerate(self.doc_ids)}
        return self.__dict__["_doc_number"]

    @property
    def about_code(self) -> dict[str, int]:
        if "_about_code" not in self.__dict__:
            self.__dict__["_about_code"] = {key: n for n, key in enumerate(self.strings["about"])}
        return self.__dict__["_about_code"]

    def keys(self) -> list[str]:
        """The keys with a claim in this table, in the order they first appear in the index."""
        about = self.columns[:, ABOUT] if self._shown is None else self.columns[self._shown, ABOUT]
        present = np.bincount(about, minlength=len(self.strings["about"])) > 0
        return [key for key, here in zip(self.strings["about"], present.tolist()) if here]

    def without(self, hidden_doc_ids) -> "ClaimTable":
        """The same table less every claim of the `hidden` documents: a doc-number mask, no claim made."""
        hidden = np.zeros(len(self.doc_ids), dtype=bool)
        hidden[[self.doc_number[d] for d in hidden_doc_ids if d in self.doc_number]] = True
        shown = ~hidden[self.columns[:, DOC]] if len(self.doc_ids) else np.ones(len(self.columns), dtype=bool)
        if self._shown is not None:
            shown &= self._shown
        view = ClaimTable(self.columns, self.numbers, self.strings, self.sentences, self.doc_ids, shown)
        view._by_about = self._by_about
        return view

    # ------------------------------------------------------------ claims

    def claims(self, rows) -> list[Claim]:
        """The `Claim` of each row id, in the order given, read in one go."""
        rows = np.asarray(rows, dtype=np.int64).reshape(-1)
        if not len(rows):
            return []
        return [self._make(row, number) for row, number in zip(self.columns[rows].tolist(), self.numbers[rows].tolist())]

    def _make(self, row: list[int], number: float) -> Claim:
        (sid, doc, start, end, value_start, value_end, year, month_lo, month_hi, day_lo, day_hi, approximate,
         kind, about, value, grain, resolved, unit) = row
        s = self.strings
        kind, resolved = s["kind"][kind], s["resolved"][resolved]
        year, month_lo, month_hi, day_lo, day_hi = map(_or_none, (year, month_lo, month_hi, day_lo, day_hi))
        if value == DERIVED:
            words = ""
            if kind != "date" or resolved == "unresolved":  # a resolved date is its label: no text to decode
                sentence = self.sentences[sid]
                words = sentence.text[value_start - sentence.start : value_end - sentence.start]
            value = value_shown(kind, resolved, bool(approximate), words, year, month_lo, month_hi, day_lo, day_hi)
        else:
            value = s["value"][value]
        return Claim(
            sid, self.doc_ids[doc], start, end, kind, s["about"][about], value, value_start, value_end,
            year, month_lo, month_hi, day_lo, day_hi, s["grain"][grain], resolved,
            None if number != number else number, s["unit"][unit], bool(approximate),
        )

    @property
    def _ids(self) -> np.ndarray | None:
        if self._shown is None:
            return None
        if "_shown_ids" not in self.__dict__:
            self.__dict__["_shown_ids"] = np.flatnonzero(self._shown)
        return self.__dict__["_shown_ids"]

    def __len__(self) -> int:
        return len(self.columns) if self._shown is None else len(self._ids)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        i = int(i)
        i = i + len(self) if i < 0 else i
        if not 0 <= i < len(self):
            raise IndexError(f"no claim {i} of {len(self)}")
        return self.claims([i if self._ids is None else self._ids[i]])[0]

    def __iter__(self) -> Iterator[Claim]:
        # a block of rows at a time: one read per 4,096 claims
        for lo in range(0, len(self), 4096):
            block = np.arange(lo, min(len(self), lo + 4096))
            yield from self.claims(block if self._ids is None else self._ids[block])


class SentenceClaims(Mapping):
    """sentence id -> the claims it states, for the sentences that state any (what a dict of them was)."""

    def __init__(self, table: ClaimTable):
        self.table = table

    def __getitem__(self, sid) -> list[Claim]:
        found = self.table.claims(self.table.rows_of_sentences([sid]))
        if not found:
            raise KeyError(sid)
        return found

    def many(self, sentence_ids: Iterable[int]) -> dict[int, list[Claim]]:
        """The claims of each of these sentences that states any, read in one go."""
        out: dict[int, list[Claim]] = {}
        for claim in self.table.claims(self.table.rows_of_sentences(sentence_ids)):
            out.setdefault(claim.sentence_id, []).append(claim)
        return out

    def _sentences(self) -> np.ndarray:
        rows = np.arange(self.table.stored)
        return np.unique(self.table.columns[self.table._kept(rows), SENTENCE])

    def __iter__(self) -> Iterator[int]:
        return iter(self._sentences().tolist())

    def __len__(self) -> int:
        return len(self._sentences())


class ClaimsByKey(Mapping):
    """event or measure key -> its claims, in sentence order (made when asked for; `rows` gives just the row ids)."""

    def __init__(self, table: ClaimTable):
        self.table = table

    def rows(self, key: str) -> np.ndarray:
        return self.table.rows_about(key)

    def __getitem__(self, key: str) -> list[Claim]:
        rows = self.rows(key)
        if not len(rows):
            raise KeyError(key)
        return self.table.claims(rows)

    def __contains__(self, key) -> bool:
        return bool(len(self.rows(key)))

    def __iter__(self) -> Iterator[str]:
        return iter(self.table.keys())

    def __len__(self) -> int:
        return len(self.table.keys())
