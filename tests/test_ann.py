"""Index type by corpus size, its search parameters kept in the manifest, and recall of the ANN choice."""

import json

import faiss
import numpy as np
import pytest

from bench.synth import perturbed_vectors
from index.build.ann import apply_search_params, build_faiss, choose_faiss_factory, search_parameters, search_params_for
from index.build.store import load_index, read_manifest


@pytest.mark.parametrize(
    "n, factory",
    [(10, "Flat"), (49_999, "Flat"), (50_000, "HNSW32,Flat"), (100_000, "HNSW32,Flat"), (1_000_000, "IVF2048,SQ8")],
)
def test_index_type_grows_with_the_corpus(n, factory):
    assert choose_faiss_factory(n, 384) == factory


def test_approximate_indexes_get_search_parameters_exact_gets_none():
    assert search_params_for("Flat") == ""
    assert search_params_for("HNSW32,Flat").startswith("efSearch=")
    assert search_params_for("IVF2048,SQ8").startswith("nprobe=")


def test_small_corpus_index_is_exact_and_says_so(built_index, settings):
    manifest = read_manifest(settings.index_dir)
    assert (manifest.faiss_factory, manifest.faiss_search_params) == ("Flat", "")


def test_manifest_written_before_search_params_existed_still_loads(tmp_path, built_index, settings):
    import shutil

    old = tmp_path / "old"
    shutil.copytree(settings.index_dir.resolve(), old)
    data = json.loads((old / "manifest.json").read_text())
    del data["faiss_search_params"]
    (old / "manifest.json").write_text(json.dumps(data))
    assert len(load_index(old, settings).vectors) == len(built_index.passages)


def test_ivf_index_with_stored_nprobe_finds_the_exact_neighbours(built_index):
    # vectors made from the real passage vectors, as the scale benchmark makes its million
    vectors = perturbed_vectors(np.asarray(built_index.passage_vectors), 20_000, seed=3)
    ivf = build_faiss(vectors, "IVF64,SQ8")
    apply_search_params(ivf, "nprobe=16")
    assert faiss.extract_index_ivf(ivf).nprobe == 16
    exact = build_faiss(vectors, "Flat")
    queries = vectors[::400]
    _, truth = exact.search(queries, 10)
    _, found = ivf.search(queries, 10, params=search_parameters(ivf))
    recall = np.mean([len(set(t) & set(f)) / 10 for t, f in zip(truth, found)])
    assert recall >= 0.9


def test_filtered_search_on_ivf_uses_the_ivf_parameter_type(built_index):
    vectors = perturbed_vectors(np.asarray(built_index.passage_vectors), 5_000, seed=4)
    ivf = build_faiss(vectors, "IVF16,SQ8")
    apply_search_params(ivf, "nprobe=16")
    allowed = np.arange(0, 5_000, 2)
    _, ids = ivf.search(vectors[:3], 5, params=search_parameters(ivf, faiss.IDSelectorBatch(allowed)))
    assert (ids >= 0).all() and (ids % 2 == 0).all()
