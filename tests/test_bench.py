"""The benchmark's building blocks: a reproducible synthetic corpus and honest ratios (no timings asserted)."""

import numpy as np

from bench.common import Row, percentiles_ms
from bench.synth import passage, passages, perturbed_vectors


def test_synthetic_corpus_is_the_same_on_every_run_and_any_slice_matches():
    whole = passages(50, seed=7)
    assert whole == passages(50, seed=7)
    assert passages(10, seed=7, start=40) == whole[40:]
    assert passages(5, seed=8) != whole[:5]
    assert all(200 < len(p) < 1200 for p in whole)


def test_perturbed_vectors_are_unit_length_seeded_and_keep_the_real_sample():
    real = np.random.default_rng(0).normal(size=(30, 16)).astype(np.float32)
    real /= np.linalg.norm(real, axis=1, keepdims=True)
    made = perturbed_vectors(real, 500, seed=1, chunk=64)
    assert made.shape == (500, 16) and made.dtype == np.float32
    assert np.allclose(np.linalg.norm(made, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(made[:30], real)
    assert np.array_equal(made, perturbed_vectors(real, 500, seed=1, chunk=64))
    # each made vector stays close to some real one (the shape of the real set is kept)
    assert (made[30:] @ real.T).max(axis=1).min() > 0.5


def test_perturbed_vectors_can_be_written_to_a_memory_map(tmp_path):
    real = np.eye(4, dtype=np.float32)
    made = perturbed_vectors(real, 100, out=tmp_path / "v.npy")
    assert np.array_equal(np.load(tmp_path / "v.npy"), np.asarray(made))


def test_a_row_states_its_ratio_and_whether_the_target_is_met():
    slow = Row("answer p50", 30.0, "encode p50", 10.0, target=1.5)
    assert slow.ratio == 3.0 and slow.met is False
    fast = Row("build", 90.0, "raw", 100.0, unit="/s", target=0.8, higher_is_better=True)
    assert fast.met is True and "≥ 0.8×" in fast.cells()
    assert Row("x", 1.0, "y", 1.0).met is None


def test_percentiles_are_in_milliseconds():
    p50, p95 = percentiles_ms([0.001 * i for i in range(1, 101)])
    assert abs(p50 - 50.5) < 1e-9 and 94 < p95 < 96


def test_the_served_index_benchmark_writes_serves_and_asks_a_small_index(tmp_path, monkeypatch):
    """`make bench-scale`'s service part end to end at 400 passages: the index it writes loads in
    `inspectqa serve`, every question gets a 200, and the row it prints has every figure."""
    from bench import scale, service_scale

    monkeypatch.setattr(scale, "VAR", tmp_path)
    monkeypatch.setattr(service_scale, "VAR", tmp_path)
    real = np.random.default_rng(3).normal(size=(20, 384)).astype(np.float32)
    real /= np.linalg.norm(real, axis=1, keepdims=True)
    # claims extracted over two worker processes, four documents a chunk: the pool and the in-order collection are used
    monkeypatch.setattr(service_scale, "CLAIM_CHUNK", 4)
    row = service_scale.service_at(400, real, log=lambda message: None, asks=6)
    assert (row.n, row.documents, row.asks) == (400, 400 // service_scale.PASSAGES_PER_DOCUMENT, 6)
    assert row.sentences > row.n and row.startup_seconds > 0 and row.rss_start_mib > 0
    assert row.ask_p50_ms > 0 and row.encode_p50_ms > 0 and np.isfinite(row.p50_ratio)

    # the index it served holds the claims index.build.claims finds in each synthetic document, in order
    from index.build.claims import RULES_VERSION, document_claims
    from index.build.store import load_index
    from index.settings import Settings

    index = load_index(tmp_path / "service_400", Settings())
    assert index.manifest.claim_count == len(index.claims) > 2 * row.n and index.manifest.claim_rules == RULES_VERSION
    expected = []
    for doc_id in index.documents:
        sentences = [index.sentences[sid] for sid in range(len(index.sentences)) if index.sentences[sid].doc_id == doc_id]
        doc = index.documents[doc_id]
        expected += document_claims(doc_id, doc.text, doc.published, [(s.sentence_id, s.start, s.end) for s in sentences])
    assert list(index.claims) == expected
