"""The ONNX Runtime embedding backend: same vectors as PyTorch, same answers, clear failures."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from pydantic import ValidationError

from index.build.embed import Encoder, resolve_model
from index.errors import ModelUnavailable
from index.settings import PACKAGED_MODEL, Settings
from index.build.builder import build_index
from index.build.store import load_index

pytest.importorskip("onnxruntime")


@pytest.fixture(scope="module")
def encoders(encoder) -> dict[str, Encoder]:
    """One loaded encoder per backend; the session's own encoder stands for whichever backend it is on."""
    other = "onnx" if encoder.backend == "torch" else "torch"
    return {encoder.backend: encoder, other: Encoder(encoder.model_name, backend=other).load()}


@pytest.fixture(scope="module")
def indexes(encoders, settings, built_index, tmp_path_factory) -> dict[str, Settings]:
    """Settings of an index built with each backend (the session's index serves for its own backend)."""
    built = {settings.embedding_backend: settings}
    for backend in encoders:
        if backend not in built:
            folder = tmp_path_factory.mktemp(f"index-{backend}")
            other = settings.model_copy(update={"index_dir": folder / "index", "feedback_db": folder / "feedback.sqlite3", "embedding_backend": backend})
            build_index(other, encoders[backend])
            built[backend] = other
    return built


def test_onnx_vectors_equal_torch_vectors_on_corpus_sentences(encoders, built_index):
    sentences = [s.text for s in built_index.sentences[:: max(1, len(built_index.sentences) // 20)]][:20]
    assert len(sentences) == 20
    torch_vectors = encoders["torch"].encode(sentences)  # a batch: every core, longest first
    onnx_vectors = encoders["onnx"].encode(sentences)
    assert onnx_vectors.shape == torch_vectors.shape == (20, 384) and onnx_vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(onnx_vectors, axis=1), 1.0, atol=1e-5)
    assert (onnx_vectors * torch_vectors).sum(axis=1).min() >= 0.9999
    # a single question takes the one-thread query path
    question = "Were children's plans reviewed often enough?"
    assert float(encoders["onnx"].encode([question])[0] @ encoders["torch"].encode([question])[0]) >= 0.9999
    assert encoders["onnx"].dimension == encoders["torch"].dimension == 384


def test_service_on_onnx_answers_with_the_same_top_citation_as_torch(indexes, encoders, dev_questions):
    from fastapi.testclient import TestClient

    from service.main import create_app

    questions = [q["question"] for q in dev_questions if q.get("answerable")][:3]
    top = {}
    for backend, settings in indexes.items():
        # the torch app gets the loaded encoder; the ONNX app makes its own from the setting alone
        app = create_app(settings, encoders[backend] if backend == "torch" else None)
        with TestClient(app) as client:
            answerer = app.state.service.answerer
            assert answerer.encoder.backend == backend
            replies = [client.post("/ask", json={"question": q}) for q in questions]
        assert all(r.status_code == 200 for r in replies), [r.text for r in replies]
        top[backend] = [(r.json()["citations"][0]["doc_id"], r.json()["citations"][0]["start"]) for r in replies]
    assert top["onnx"] == top["torch"]


def test_export_creates_a_missing_cache_folder(tmp_path, encoders):
    from index.build.onnx_encoder import OnnxModel

    cache = tmp_path / "not" / "yet" / "models"
    model = OnnxModel(PACKAGED_MODEL, resolve_model(PACKAGED_MODEL), cache_dir=cache)
    assert model.path.parent == cache and model.path.is_file() and model.path.suffix == ".onnx"
    assert [p.name for p in cache.iterdir()] == [model.path.name]  # no temporary file left behind
    vector = model.encode(["How many children were seen?"])
    assert float(vector[0] @ encoders["onnx"].encode(["How many children were seen?"])[0]) >= 0.9999


def test_bad_backend_value_is_a_settings_error(monkeypatch):
    with pytest.raises(ValidationError, match="embedding_backend"):
        Settings(embedding_backend="tensorflow")
    monkeypatch.setenv("INSPECTQA_EMBEDDING_BACKEND", "gpu")
    with pytest.raises(ValidationError, match="embedding_backend"):
        Settings()
    monkeypatch.setenv("INSPECTQA_EMBEDDING_BACKEND", "onnx")
    assert Settings().embedding_backend == "onnx"


def test_missing_onnxruntime_says_what_to_do(monkeypatch):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # what `import onnxruntime` meets when it is not installed
    with pytest.raises(ModelUnavailable, match="INSPECTQA_EMBEDDING_BACKEND=torch.*pip install onnxruntime"):
        Encoder(PACKAGED_MODEL, backend="onnx").load()
