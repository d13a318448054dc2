"""Staff feedback on answers (thumbs up/down, optional comment), kept in one SQLite file.

Each call opens its own connection: requests run in worker threads and sqlite3 connections
must not cross threads. WAL lets an export read while feedback is being written, and every
insert is one committed transaction, so a crash or restart never loses a saved rating.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import secrets
import datetime as dt
import io
import json
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

# how long a store keeps retrying its first-use set-up while other workers hold the file
_PREPARE_SECONDS = 10.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at  TEXT    NOT NULL,
    question    TEXT    NOT NULL,
    answer      TEXT    NOT NULL,
    answerable  INTEGER NOT NULL CHECK (answerable IN (0, 1)),
    rating      TEXT    NOT NULL CHECK (rating IN ('up', 'down')),
    comment     TEXT,
    citations   TEXT    NOT NULL, -- JSON array of the cited doc_ids, in citation order
    edit_token  TEXT              -- sha256 of the secret the page holds to add its comment later
)
"""

COLUMNS = ("id", "created_at", "question", "answer", "answerable", "rating", "comment", "citations")

# A spreadsheet runs a cell starting with one of these as a formula; staff open exports in one.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "|", "%")


class FeedbackStoreError(Exception):
    """The feedback file cannot be opened or written; the message names the file."""


class FeedbackNotFound(Exception):
    """No feedback record with this id and edit token (a wrong token is reported the same way)."""

    def __init__(self, feedback_id: int):
        super().__init__(f"no feedback {feedback_id} with this edit token")


@dataclass(frozen=True)
class NewFeedback:
    question: str
    answer: str
    answerable: bool
    rating: str  # "up" | "down"
    comment: str | None = None
    citations: tuple[str, ...] = ()


@dataclass(frozen=True)
class StoredFeedback:
    """One saved rating. `edit_token` is set only on the copy `add` returns: the secret the caller
    needs to update this record; the store keeps its hash and never gives it out again."""

    id: int
    created_at: str
    question: str
    answer: str
    answerable: bool
    rating: str
    comment: str | None
    citations: tuple[str, ...]
    edit_token: str | None = None

    def as_json(self) -> dict:
        row = {**asdict(self), "citations": list(self.citations)}
        del row["edit_token"]
        return row


class FeedbackStore:
    def __init__(self, path: Path):
        self.path = Path(path)
        self._ready = False

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            try:  # 0600 before SQLite makes it with the umask's mode: feedback may name children and staff
                os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            except FileExistsError:
                pass
            conn = sqlite3.connect(self.path, timeout=10)
        except (OSError, sqlite3.Error) as exc:
            raise FeedbackStoreError(f"cannot open the feedback store {self.path}: {exc}") from exc
        try:
            if not self._ready:
                self._prepare(conn)
            yield conn
        except sqlite3.Error as exc:
            conn.rollback()
            raise FeedbackStoreError(f"the feedback store {self.path} failed: {exc}") from exc
        finally:
            conn.close()

    def _prepare(self, conn: sqlite3.Connection) -> None:
        """WAL mode and the table, once per store. Switching the journal mode while another connection
        is opening the same file can fail at once with "database is locked" (SQLite does not wait on
        the busy timeout for it), so several workers starting together retry for a while."""
        deadline = time.monotonic() + _PREPARE_SECONDS
        while True:
            try:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute(_SCHEMA)
                # files written before ratings could be updated lack the column
                if "edit_token" not in {row[1] for row in conn.execute("PRAGMA table_info(feedback)")}:
                    conn.execute("ALTER TABLE feedback ADD COLUMN edit_token TEXT")
                conn.commit()
                self._ready = True
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                conn.rollback()
                time.sleep(0.02)

    def add(self, item: NewFeedback, now: dt.datetime | None = None) -> StoredFeedback:
        created = (now or dt.datetime.now(dt.timezone.utc)).isoformat(timespec="seconds")
        token = secrets.token_urlsafe(24)
        row = (created, item.question, item.answer, int(item.answerable), item.rating, item.comment, json.dumps(list(item.citations)), _token_hash(token))
        with self._connect() as conn:
            cursor = conn.execute(
                "INSERT INTO feedback (created_at, question, answer, answerable, rating, comment, citations, edit_token) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                row,
            )
            conn.commit()
            new_id = cursor.lastrowid
        return StoredFeedback(new_id, created, item.question, item.answer, item.answerable, item.rating, item.comment, item.citations, token)

    def update(self, feedback_id: int, edit_token: str, rating: str | None = None, comment: str | None = None, clear_comment: bool = False) -> StoredFeedback:
        """Change the rating and/or comment of one record, for the holder of its edit token."""
        with self._connect() as conn:
            found = conn.execute("SELECT edit_token FROM feedback WHERE id = ?", (feedback_id,)).fetchone()
            if found is None or not found[0] or not hmac.compare_digest(found[0], _token_hash(edit_token)):
                raise FeedbackNotFound(feedback_id)
            if rating is not None:
                conn.execute("UPDATE feedback SET rating = ? WHERE id = ?", (rating, feedback_id))
            if comment is not None or clear_comment:
                conn.execute("UPDATE feedback SET comment = ? WHERE id = ?", (comment, feedback_id))
            conn.commit()
            r = conn.execute(f"SELECT {', '.join(COLUMNS)} FROM feedback WHERE id = ?", (feedback_id,)).fetchone()
        return StoredFeedback(r[0], r[1], r[2], r[3], bool(r[4]), r[5], r[6], tuple(json.loads(r[7])))

    def all(self, limit: int | None = None, after_id: int = 0) -> list[StoredFeedback]:
        """Oldest first: every rating, or up to `limit` of those with id > `after_id` (one page)."""
        with self._connect() as conn:
            rows = conn.execute(
                f"SELECT {', '.join(COLUMNS)} FROM feedback WHERE id > ? ORDER BY id LIMIT ?", (after_id, -1 if limit is None else limit)
            ).fetchall()
        return [
            StoredFeedback(r[0], r[1], r[2], r[3], bool(r[4]), r[5], r[6], tuple(json.loads(r[7])))
            for r in rows
        ]


def neutralise(value: str) -> str:
    """A CSV cell a spreadsheet shows as text: one starting (after any spaces) like a formula gets a leading '."""
    return "'" + value if value.startswith(_FORMULA_START) or value.lstrip().startswith(_FORMULA_START) else value


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def to_csv(items: list[StoredFeedback]) -> str:
    """One row per rating; citations joined by spaces; text cells made safe to open in a spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for f in items:
        # every cell, not only the free-text ones: doc_ids, dates and ratings came from a request too
        cells = [f.id, f.created_at, f.question, f.answer, "true" if f.answerable else "false", f.rating, f.comment or "", " ".join(f.citations)]
        writer.writerow([neutralise(str(cell)) for cell in cells])
    return out.getvalue()
