"""PostgreSQL + pgvector as the vector store: the second `VectorBackend` (index.build.ann), for replicas
that share one database instead of each holding a FAISS file.

Layout in the database:
- `inspectqa_builds`: one row per build (build id, the index it belongs to, dimension, rows, served).
- `inspectqa_vectors_<build id>`: one row per passage (id = passage id, doc_id, kind, published,
  access_groups, embedding) with an HNSW index for inner product.

A build writes its table beside the served one; `publish` marks it served in one transaction and then
drops the index's older tables, so a reader sees the old build or the new one, never half of one.
Filters are SQL in the vector query itself; with pgvector >= 0.8 its iterative index scan keeps
searching until k rows pass the filter, and on older versions a short result is searched again
exactly, so a filtered query still fills k.

With no INSPECTQA_DATABASE_URL an embedded PostgreSQL with pgvector (the `pgserver` package) is
started under `pg_data_dir`; it stops when the last process using it exits.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import threading
import uuid
from pathlib import Path

import numpy as np

from index.settings import Settings

FILE = "pgvector.json"  # in the index directory: which build table this index searches
HNSW_M = 16
HNSW_EF_CONSTRUCTION = 64
logging.getLogger("pgserver").setLevel(logging.WARNING)  # it logs every start and stop at INFO
_servers: dict[Path, object] = {}  # embedded servers kept alive for this process
_servers_lock = threading.Lock()


def database_url(settings: Settings) -> str:
    """The URL to connect to: the configured one, else an embedded server's (started on first use)."""
    if settings.database_url:
        return settings.database_url
    import pgserver

    data_dir = Path(settings.pg_data_dir).resolve()
    with _servers_lock:
        if data_dir not in _servers:
            data_dir.parent.mkdir(parents=True, exist_ok=True)
            _servers[data_dir] = pgserver.get_server(data_dir, cleanup_mode="stop")
        return _servers[data_dir].get_uri()


def index_key(index_dir: Path) -> str:
    """Which index a build belongs to: builds of one index replace each other, other indexes in the same
    database are left alone."""
    return hashlib.sha256(str(Path(index_dir).resolve()).encode()).hexdigest()[:16]


def _connect(url: str):
    import psycopg
    from pgvector.psycopg import register_vector

    try:
        conn = psycopg.connect(url, autocommit=True)
    except psycopg.OperationalError as exc:
        raise RuntimeError(f"cannot reach PostgreSQL ({exc}); check INSPECTQA_DATABASE_URL") from None
    conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
    register_vector(conn)
    return conn


def _pgvector_version(conn) -> tuple[int, ...]:
    row = conn.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'").fetchone()
    return tuple(int(x) for x in row[0].split(".")[:3])


def _ensure_registry(conn) -> None:
    conn.execute(
        """CREATE TABLE IF NOT EXISTS inspectqa_builds (
               build_id text PRIMARY KEY, index_key text NOT NULL, dimension int NOT NULL, row_count int NOT NULL,
               created_at timestamptz NOT NULL DEFAULT now(), served boolean NOT NULL DEFAULT false)"""
    )


def filter_sql(filters, allowed: np.ndarray | None) -> tuple[str, list]:
    """The WHERE clause (and its parameters) for search filters: the metadata columns when the filters are
    given (and the caller may see every document), else the allowed passage ids; ('', []) when nothing is filtered."""
    clauses, params = [], []
    # access has no column here: a caller who may not see every document is filtered by the allowed ids,
    # which index.answer.search worked out from every filter, access included
    access = getattr(filters, "access", None)
    restricted = access is not None and not access.everything
    if filters is not None and not filters.is_empty() and not restricted:
        if filters.doc_ids:
            clauses.append("doc_id = ANY(%s)")
            params.append(list(filters.doc_ids))
        if filters.kinds:
            clauses.append("kind = ANY(%s)")
            params.append(list(filters.kinds))
        # NULL published fails both comparisons: an undated document is outside any date range
        if filters.published_from:
            clauses.append("published >= %s")
            params.append(filters.published_from)
        if filters.published_to:
            clauses.append("published <= %s")
            params.append(filters.published_to)
    elif allowed is not None:
        clauses.append("id = ANY(%s)")
        params.append(np.asarray(allowed, dtype=np.int64).tolist())
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


class PgVectorBackend:
    """Passage vectors in a PostgreSQL table with an HNSW index (pgvector)."""

    def __init__(self, url: str, build_id: str, dimension: int, count: int, ef_search: int = 100):
        self.url = url
        self.build_id = build_id
        self.table = f"inspectqa_vectors_{build_id}"
        self.dimension = dimension
        self.count = count
        self.ef_search = ef_search
        self._local = threading.local()  # one connection per serving thread
        self._iterative: bool | None = None

    def __len__(self) -> int:
        return self.count

    def _conn(self):
        conn = getattr(self._local, "conn", None)
        if conn is None or conn.closed:
            conn = self._local.conn = _connect(self.url)
        return conn

    # ------------------------------------------------------------ building

    @classmethod
    def build(cls, vectors: np.ndarray, passage_docs: list[tuple[str, str, dt.date | None]], settings: Settings) -> "PgVectorBackend":
        """Write a new build's table (not yet served): row i is passage i, with its (doc_id, kind, published)."""
        url = database_url(settings)
        build_id = uuid.uuid4().hex[:12]
        backend = cls(url, build_id, int(vectors.shape[1]), len(vectors), settings.pg_ef_search)
        conn = _connect(url)
        try:
            _ensure_registry(conn)
            conn.execute(
                "INSERT INTO inspectqa_builds (build_id, index_key, dimension, row_count) VALUES (%s, %s, %s, %s)",
                (build_id, index_key(settings.index_dir), backend.dimension, backend.count),
            )
            conn.execute(
                f"""CREATE TABLE {backend.table} (
                        id int PRIMARY KEY, doc_id text NOT NULL, kind text NOT NULL, published date,
                        access_groups text[], embedding vector({backend.dimension}) NOT NULL)"""
            )
            with conn.cursor() as cur, cur.copy(f"COPY {backend.table} (id, doc_id, kind, published, embedding) FROM STDIN WITH (FORMAT BINARY)") as copy:
                copy.set_types(["int4", "text", "text", "date", "vector"])
                for lo in range(0, len(vectors), 10_000):  # bounded copies of a memory-mapped array
                    block = np.asarray(vectors[lo : lo + 10_000], dtype=np.float32)
                    for i, vector in enumerate(block, lo):
                        doc_id, kind, published = passage_docs[i]
                        copy.write_row((i, doc_id, kind, published, vector))
            conn.execute("SET maintenance_work_mem = '512MB'")
            conn.execute(
                f"CREATE INDEX ON {backend.table} USING hnsw (embedding vector_ip_ops) WITH (m = {HNSW_M}, ef_construction = {HNSW_EF_CONSTRUCTION})"
            )
            conn.execute(f"CREATE INDEX ON {backend.table} (doc_id)")
            conn.execute(f"ANALYZE {backend.table}")
        except BaseException:
            backend.drop(conn)
            raise
        finally:
            conn.close()
        return backend

    def drop(self, conn=None) -> None:
        """Remove this build's table and registry row (a failed or superseded build)."""
        own = conn is None
        conn = conn or _connect(self.url)
        try:
            conn.execute(f"DROP TABLE IF EXISTS {self.table}")
            conn.execute("DELETE FROM inspectqa_builds WHERE build_id = %s", (self.build_id,))
        finally:
            if own:
                conn.close()

    def publish(self) -> list[str]:
        """Make this build the served one for its index in one transaction, then drop the index's other
        builds; returns the dropped build ids. A process still searching a dropped build gets an error
        naming the fix (reload) rather than stale results."""
        conn = _connect(self.url)
        try:
            with conn.transaction():
                row = conn.execute("SELECT index_key, created_at FROM inspectqa_builds WHERE build_id = %s", (self.build_id,)).fetchone()
                if row is None:
                    raise RuntimeError(f"pgvector build {self.build_id} is not in inspectqa_builds")
                conn.execute("UPDATE inspectqa_builds SET served = (build_id = %s) WHERE index_key = %s", (self.build_id, row[0]))
                # older builds only: one still being written by a concurrent build is not ours to drop
                old = [
                    r[0]
                    for r in conn.execute(
                        "SELECT build_id FROM inspectqa_builds WHERE index_key = %s AND NOT served AND created_at <= %s", (row[0], row[1])
                    )
                ]
            for build_id in old:
                PgVectorBackend(self.url, build_id, self.dimension, 0).drop(conn)
            return old
        finally:
            conn.close()

    def save(self, directory) -> None:
        # the URL stays in the settings (it may hold a password); the directory names the build only
        (Path(directory) / FILE).write_text(
            json.dumps({"build_id": self.build_id, "dimension": self.dimension, "count": self.count}) + "\n", encoding="utf-8"
        )

    @classmethod
    def load(cls, directory, settings: Settings) -> "PgVectorBackend":
        meta = json.loads((Path(directory) / FILE).read_text(encoding="utf-8"))
        backend = cls(database_url(settings), str(meta["build_id"]), int(meta["dimension"]), int(meta["count"]), settings.pg_ef_search)
        rows = backend._conn().execute("SELECT row_count FROM inspectqa_builds WHERE build_id = %s", (backend.build_id,)).fetchone()
        if rows is None:
            raise ValueError(f"pgvector build {backend.build_id} is not in the database (dropped by a newer build, or another database)")
        return backend

    # ------------------------------------------------------------ searching

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None, filters=None) -> list[tuple[int, float]]:
        conn = self._conn()
        # session settings once per connection and one autocommitted SELECT per query: each extra
        # statement is a round trip, which on a busy machine costs more than the search itself
        if getattr(self._local, "ef", None) is None:
            if self._iterative is None:
                self._iterative = _pgvector_version(conn) >= (0, 8, 0)
            if self._iterative:
                conn.execute("SET hnsw.iterative_scan = relaxed_order")
        ef = max(self.ef_search, min(k, 1000))
        if getattr(self._local, "ef", None) != ef:
            conn.execute(f"SET hnsw.ef_search = {ef}")
            self._local.ef = ef
        where, params = filter_sql(filters, allowed)
        vector = np.asarray(query, dtype=np.float32).reshape(-1)
        sql = f"SELECT id, -(embedding <#> %s) FROM {self.table}{where} ORDER BY embedding <#> %s LIMIT %s"
        args = [vector, *params, vector, k]
        rows = conn.execute(sql, args).fetchall()
        if where and len(rows) < k:
            # the HNSW scan ran out of candidates before k rows passed the filter: search the filtered rows exactly
            with conn.transaction():
                conn.execute("SET LOCAL enable_indexscan = off")
                rows = conn.execute(sql, args).fetchall()
        return sorted(((int(i), float(s)) for i, s in rows), key=lambda r: (-r[1], r[0]))
