"""The audit trail: who asked, searched, viewed or changed what, when, and what they were shown.

One append-only SQLite table (WAL, so readers never block the writer). A record is written after
each audited request by `AuditMiddleware`; a route adds what only it knows (the question, the
cited passages, the abstention, the index build) with `note()`. The question is kept as an HMAC
under a secret beside the key file by default: equal questions get equal digests (repeats can be
counted, a known question can be looked up by an operator holding the secret) but the text is not
stored; INSPECTQA_AUDIT_QUESTIONS=true keeps the text. Records older than the retention period are
deleted when the store opens and once a day after; nothing else ever deletes or changes a row
(an UPDATE trigger refuses changes).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
import io
import json
import logging
import os
import re
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import anyio

from service.feedback import neutralise

log = logging.getLogger("inspectqa")

SECRET_FILE = "audit-secret"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    user TEXT NOT NULL,
    via TEXT NOT NULL,
    groups TEXT NOT NULL,
    method TEXT NOT NULL,
    route TEXT NOT NULL,
    status INTEGER NOT NULL,
    question TEXT,
    question_kind TEXT,
    citations TEXT NOT NULL,
    abstention TEXT,
    build_id TEXT,
    latency_ms REAL NOT NULL,
    detail TEXT,
    path TEXT
);
CREATE INDEX IF NOT EXISTS audit_user_at ON audit (user, at);
CREATE INDEX IF NOT EXISTS audit_at ON audit (at);
CREATE TRIGGER IF NOT EXISTS audit_append_only BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
"""
COLUMNS = (
    "id", "at", "user", "via", "groups", "method", "route", "status", "question", "question_kind", "citations", "abstention", "build_id",
    "latency_ms", "detail", "path",
)  # fmt: skip
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def sanitised(value: str, limit: int = 300) -> str:
    """`value` with control and bidi characters escaped as \\xNN / \\uNNNN, cut to `limit` characters: safe in a log, a CSV, a terminal."""
    escaped = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}", value)
    return escaped[:limit]


class AuditError(Exception):
    """The audit store cannot be opened or read; the message says why."""


@dataclass(frozen=True)
class AuditRecord:
    at: str
    user: str
    via: str
    groups: tuple[str, ...]
    method: str
    route: str
    status: int
    latency_ms: float
    question: str | None = None  # hmac-sha256:<hex> or the text, per `question_kind`
    question_kind: str | None = None  # "hmac" | "text"
    citations: tuple[dict, ...] = ()  # {"doc_id", "start", "end"} in rank order
    abstention: str | None = None
    build_id: str | None = None
    detail: str | None = None
    path: str | None = None  # the path as requested, sanitised; `route` holds the template


def read_or_create_secret(path: Path) -> bytes:
    """The HMAC key for question digests, made (0600) on first use."""
    path = Path(path)
    try:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except FileNotFoundError:
        pass
    except (OSError, ValueError) as exc:
        raise AuditError(f"audit secret {path} is unreadable ({exc}); fix or remove it (old digests then stop matching)") from None
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_bytes(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another worker made it first
        return read_or_create_secret(path)
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(value.hex() + "\n")
    return value


def _create_private(path: Path) -> None:
    """Create the database file 0600 before SQLite opens it (SQLite would use the umask, often 0644)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass


class AuditLog:
    """The audit store. Thread-safe; one connection per thread."""

    def __init__(self, path: Path, secret_path: Path, keep_questions: bool = False, retention_days: int = 365):
        self.path = Path(path)
        self.secret_path = Path(secret_path)
        self.keep_questions = keep_questions
        self.retention = dt.timedelta(days=retention_days)
        self._local = threading.local()
        self._secret: bytes | None = None
        self._purged_at = 0.0
        self._lock = threading.Lock()

    def _connect(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            try:
                _create_private(self.path)
                conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
                for attempt in range(20):  # another worker may hold the first-use lock for a moment
                    try:
                        conn.execute("PRAGMA journal_mode=WAL")
                        break
                    except sqlite3.OperationalError:
                        time.sleep(0.05 * (attempt + 1))
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.executescript(_SCHEMA)
                if "path" not in {row[1] for row in conn.execute("PRAGMA table_info(audit)")}:
                    conn.execute("ALTER TABLE audit ADD COLUMN path TEXT")  # stores made before the column existed
            except (OSError, sqlite3.Error) as exc:
                raise AuditError(f"audit database {self.path} cannot be opened ({exc}); check INSPECTQA_AUDIT_DB") from None
            self._local.conn = conn
        return conn

    def question_value(self, question: str) -> tuple[str, str]:
        if self.keep_questions:
            return question, "text"
        if self._secret is None:
            self._secret = read_or_create_secret(self.secret_path)
        digest = hmac.new(self._secret, " ".join(question.split()).lower().encode("utf-8"), hashlib.sha256).hexdigest()
        return f"hmac-sha256:{digest}", "hmac"

    def purge(self, now: dt.datetime | None = None) -> int:
        """Delete records older than the retention period; how many went."""
        now = now or dt.datetime.now(dt.timezone.utc)
        cutoff = (now - self.retention).isoformat(timespec="milliseconds")
        cur = self._connect().execute("DELETE FROM audit WHERE at < ?", (cutoff,))
        self._purged_at = time.monotonic()
        return cur.rowcount

    def write(self, record: AuditRecord) -> None:
        conn = self._connect()
        if time.monotonic() - self._purged_at > 86400 or not self._purged_at:
            with self._lock:
                self.purge()
        conn.execute(
            f"INSERT INTO audit ({', '.join(COLUMNS[1:])}) VALUES ({', '.join('?' * (len(COLUMNS) - 1))})",
            (
                record.at,
                record.user,
                record.via,
                ",".join(record.groups),
                record.method,
                record.route,
                record.status,
                record.question,
                record.question_kind,
                json.dumps(list(record.citations)),
                record.abstention,
                record.build_id,
                round(record.latency_ms, 2),
                record.detail,
                record.path,
            ),
        )

    def page(self, limit: int = 100, before_id: int | None = None, user: str | None = None, since: str | None = None, until: str | None = None) -> list[dict]:
        """Newest first: up to `limit` records with id < `before_id`, by `user`, at or after `since`, before `until`."""
        where, args = [], []
        for clause, value in (("id < ?", before_id), ("user = ?", user), ("at >= ?", since), ("at < ?", until)):
            if value is not None:
                where.append(clause)
                args.append(value)
        sql = f"SELECT {', '.join(COLUMNS)} FROM audit {'WHERE ' + ' AND '.join(where) if where else ''} ORDER BY id DESC LIMIT ?"
        try:
            rows = self._connect().execute(sql, (*args, limit)).fetchall()
        except sqlite3.Error as exc:
            raise AuditError(f"audit database {self.path} cannot be read ({exc})") from None
        return [as_json(dict(zip(COLUMNS, row))) for row in rows]

    def all(self, user: str | None = None, since: str | None = None, until: str | None = None):
        """Every matching record, oldest first, in pages (for export)."""
        rows: list[dict] = []
        before = None
        while batch := self.page(1000, before, user, since, until):
            rows.extend(batch)
            before = batch[-1]["id"]
        return list(reversed(rows))


def as_json(row: dict) -> dict:
    row["groups"] = [g for g in (row["groups"] or "").split(",") if g]
    row["citations"] = json.loads(row["citations"] or "[]")
    return row


def to_csv(rows: list[dict]) -> str:
    """CSV of audit rows, every cell neutralised against spreadsheet formulas."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for row in rows:
        cells = []
        for name in COLUMNS:
            value = row.get(name)
            if name == "groups":
                value = ",".join(value)
            elif name == "citations":
                value = " ".join(f"{c['doc_id']}:{c['start']}-{c['end']}" for c in value)
            cells.append(neutralise(sanitised("" if value is None else str(value), 100_000)))
        writer.writerow(cells)
    return out.getvalue()


def audit_log_for(settings) -> AuditLog:
    return AuditLog(settings.audit_db, Path(settings.keys_file).parent / SECRET_FILE, settings.audit_questions, settings.audit_retention_days)


# ---------------------------------------------------------------- recording requests


def note(request, **fields) -> None:
    """Add what a route knows (question, citations, abstention, build_id, detail) to its audit record."""
    scope_state = request.scope.setdefault("state", {})
    scope_state.setdefault("audit", {}).update(fields)


def citations_of(items) -> tuple[dict, ...]:
    """(doc_id, start, end) of each cited passage, from index Citations."""
    return tuple({"doc_id": c.passage.doc_id, "start": c.passage.start, "end": c.passage.end} for c in items)


def is_audited(method: str, path: str) -> bool:
    return (method == "POST" and path in ("/ask", "/search")) or path in ("/documents", "/timeline") or path.startswith(("/documents/", "/admin/"))


def route_template(scope) -> str:
    """The route matched (e.g. /documents/{doc_id}), or the sanitised path when none matched."""
    route = scope.get("route")
    template = getattr(route, "path_format", None) or getattr(route, "path", None)
    return template if isinstance(template, str) else sanitised(scope["path"])


def record_job(store: AuditLog, job) -> None:
    """One audit row when a corpus-change job ends: who asked for it, what it changed, published or failed."""
    outcome = "published" if job.state == "published" else f"failed ({job.code}: {job.reason})"
    try:
        store.write(
            AuditRecord(
                at=dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds"),
                user=job.submitted_by or "unauthenticated", via="job", groups=(), method="JOB", route="/admin/jobs/{job_id}",
                path=f"/admin/jobs/{job.job_id}", status=200 if job.state == "published" else 422, latency_ms=0.0,
                detail=sanitised(f"job {job.job_id}; {job.kind} doc_id {job.doc_id}; {outcome}", 2000),
            )  # fmt: skip
        )
    except (AuditError, sqlite3.Error) as exc:
        log.error("audit record not written for job %s: %s", job.job_id, exc)


class AuditMiddleware:
    """Writes one record per audited request once its response has started (status known)."""

    def __init__(self, app, store: AuditLog):
        self.app = app
        self.store = store

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not is_audited(scope["method"], scope["path"]):
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        status = {"code": 500}

        async def send_status(message):
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            await self._record(scope, status["code"], (time.perf_counter() - started) * 1000)

    async def _record(self, scope, status: int, latency_ms: float) -> None:
        state = scope.get("state") or {}
        identity = state.get("identity")
        extra = state.get("audit") or {}
        question = extra.get("question")
        value, kind = (None, None)
        try:
            if question is not None:
                value, kind = self.store.question_value(question)
            record = AuditRecord(
                at=dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds"),
                user=identity.name if identity else "unauthenticated",
                via=identity.via if identity else "none",
                groups=tuple(identity.groups) if identity else (),
                method=scope["method"],
                route=route_template(scope),
                path=sanitised(scope["path"]),
                status=status,
                latency_ms=latency_ms,
                question=value,
                question_kind=kind,
                citations=tuple(extra.get("citations", ())),
                abstention=extra.get("abstention"),
                build_id=extra.get("build_id"),
                detail=extra.get("detail"),
            )
            await anyio.to_thread.run_sync(self.store.write, record)
        except (AuditError, sqlite3.Error) as exc:
            # the request was served; an audit failure is logged loudly rather than turned into an error after the fact
            log.error("audit record not written for %s %s: %s", scope["method"], scope["path"], exc)
