"""PostgreSQL + pgvector as the vector store, on a real embedded PostgreSQL (pgserver): exact-enough
search, filters inside the SQL that still fill k, and a new build swapped in while older ones are dropped.
The API tests and the quality gate also run on it: `pytest --vector-store=pgvector` (make test)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from index.answer.search import SearchFilters
from index.build.ann import FaissBackend
from index.build.pgvector_store import PgVectorBackend, _connect
from index.settings import Settings

N, DIM = 3000, 64


@pytest.fixture(scope="module")
def pg_settings(tmp_path_factory) -> Settings:
    root = tmp_path_factory.mktemp("pg")
    return Settings(index_dir=root / "index", vector_store="pgvector", pg_data_dir=root / "pgdata")


@pytest.fixture(scope="module")
def vectors() -> np.ndarray:
    v = np.random.default_rng(3).normal(size=(N, DIM)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _meta(i: int) -> tuple[str, str, dt.date | None]:
    # 100 documents of 30 passages; document 7 alone is a "letter", every 10th document undated
    doc = i // 30
    return f"doc-{doc}", "letter" if doc == 7 else "report", None if doc % 10 == 0 else dt.date(2015 + doc % 9, 1, 1)


@pytest.fixture(scope="module")
def store(pg_settings, vectors) -> PgVectorBackend:
    backend = PgVectorBackend.build(vectors, [_meta(i) for i in range(N)], pg_settings)
    backend.publish()
    return backend


def test_search_agrees_with_exact_search(store, vectors):
    exact = FaissBackend.build(vectors, "Flat")
    queries = np.random.default_rng(4).normal(size=(20, DIM)).astype(np.float32)
    recall = []
    for q in queries / np.linalg.norm(queries, axis=1, keepdims=True):
        got = store.search(q, 10)
        want = exact.search(q, 10)
        recall.append(len({i for i, _ in got} & {i for i, _ in want}) / 10)
        assert [s for _, s in got] == sorted((s for _, s in got), reverse=True)
        for pid, score in got:
            assert score == pytest.approx(float(vectors[pid] @ q), abs=1e-5)
    assert np.mean(recall) >= 0.95


def test_a_narrow_filter_still_fills_k_from_the_matching_rows_only(store, vectors):
    q = vectors[1500]  # far from document 7's passages (ids 210..239)
    got = store.search(q, 30, filters=SearchFilters(kinds=("letter",)))
    assert sorted(i for i, _ in got) == list(range(210, 240))
    exact = [i for i, _ in FaissBackend.build(vectors, "Flat").search(q, 30, np.arange(210, 240))]
    assert [i for i, _ in got] == exact


def test_sql_filters_pass_the_same_passages_as_the_allowed_ids(store, vectors):
    filters = SearchFilters(published_from=dt.date(2020, 1, 1), published_to=dt.date(2021, 12, 31))
    allowed = np.array([i for i in range(N) if (d := _meta(i)[2]) and dt.date(2020, 1, 1) <= d <= dt.date(2021, 12, 31)])
    q = vectors[11]
    by_sql = store.search(q, 20, allowed=allowed, filters=filters)
    by_ids = store.search(q, 20, allowed=allowed)
    assert by_sql == by_ids and len(by_sql) == 20
    assert all(_meta(i)[2] is not None and dt.date(2020, 1, 1) <= _meta(i)[2] <= dt.date(2021, 12, 31) for i, _ in by_sql)


def test_a_caller_who_may_not_see_every_document_gets_only_the_allowed_passages(store, vectors):
    # the table has no access column: with a kind filter from a restricted caller, the allowed ids (worked out
    # from every filter, access included) must decide, or passages of documents they may not see come back
    from index.answer.access import Access

    filters = SearchFilters(kinds=("letter",), access=Access.for_groups(["safeguarding"]))
    allowed = np.arange(210, 220)  # the letter's visible passages only
    got = store.search(vectors[215], 10, allowed=allowed, filters=filters)
    assert sorted(i for i, _ in got) == list(range(210, 220))


def test_a_new_build_is_swapped_in_and_the_old_one_dropped(pg_settings, vectors, store, tmp_path):
    other_index = pg_settings.model_copy(update={"index_dir": tmp_path / "another-index"})
    neighbour = PgVectorBackend.build(vectors[:100], [_meta(i) for i in range(100)], other_index)
    neighbour.publish()
    first = PgVectorBackend.build(vectors[:200], [_meta(i) for i in range(200)], pg_settings)
    first.save(tmp_path)
    second = PgVectorBackend.build(vectors[:300], [_meta(i) for i in range(300)], pg_settings)
    assert first.publish() and second.publish() == [first.build_id]
    conn = _connect(second.url)
    served = conn.execute("SELECT build_id FROM inspectqa_builds WHERE served ORDER BY build_id").fetchall()
    tables = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE tablename LIKE 'inspectqa_vectors_%'")}
    conn.close()
    assert {r[0] for r in served} == {second.build_id, neighbour.build_id}  # another index's build is left alone
    assert second.table in tables and neighbour.table in tables
    assert first.table not in tables and store.table not in tables  # replaced builds of this index are gone
    with pytest.raises(ValueError, match="not in the database"):
        PgVectorBackend.load(tmp_path, pg_settings)
