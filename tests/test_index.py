"""The index directory: manifest checks, atomic builds, incremental embedding, damage detection."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from index.errors import CorpusError, IndexCorrupt, IndexNotBuilt, ManifestMismatch
from index.settings import PROJECT_ROOT, Settings
from index.build.builder import build_index
from index.build.store import load_index, read_manifest


@pytest.fixture
def own_index(tmp_path, corpus_copy, encoder):
    """A private index of a private corpus copy, for tests that change or break things."""
    settings = Settings(corpus_dir=corpus_copy, index_dir=tmp_path / "index")
    build_index(settings, encoder)
    return settings


def test_manifest_records_how_the_index_was_built(built_index, settings):
    m = read_manifest(settings.index_dir)
    assert (m.model, m.dimension, m.normalized) == (settings.model, 384, True)
    assert (m.chunk_size, m.chunk_overlap, m.faiss_factory) == (settings.chunk_size, settings.chunk_overlap, "Flat")
    assert m.passage_count == len(built_index.passages) and m.document_count == 5
    assert len(m.corpus_hash) == 64


def test_missing_index_says_how_to_build_it(tmp_path):
    with pytest.raises(IndexNotBuilt, match="inspectqa index build"):
        load_index(tmp_path / "nothing", Settings(index_dir=tmp_path / "nothing"))


def test_mismatched_settings_name_the_value_and_the_fix(own_index):
    other = own_index.model_copy(update={"chunk_size": 700})
    with pytest.raises(ManifestMismatch) as err:
        load_index(own_index.index_dir, other)
    message = str(err.value)
    assert "chunk_size: index built with 1000, service configured with 700" in message
    assert "inspectqa index build" in message


def test_edited_manifest_model_is_reported(own_index):
    path = own_index.index_dir / "manifest.json"
    data = json.loads(path.read_text())
    data["model"] = "some-other-model"
    path.write_text(json.dumps(data))
    with pytest.raises(ManifestMismatch, match="model: index built with 'some-other-model'"):
        load_index(own_index.index_dir, own_index)


@pytest.mark.parametrize("victim", ["faiss.index", "passages.npy", "document_text.bin", "passage_vectors.npy", "bm25/data.csc.index.npy", "boilerplate.jsonl"])
def test_truncated_files_are_reported_not_crashed_on(own_index, victim):
    path = own_index.index_dir / victim
    path.write_bytes(path.read_bytes()[: max(1, path.stat().st_size // 3)])
    with pytest.raises(IndexCorrupt, match="inspectqa index build"):
        load_index(own_index.index_dir, own_index)


def test_unchanged_rebuild_embeds_nothing(own_index, encoder):
    before = encoder.texts_encoded
    build_index(own_index, encoder)
    assert encoder.texts_encoded == before


def test_rebuild_after_adding_a_document_embeds_only_its_text(own_index, encoder):
    corpus = own_index.corpus_dir
    (corpus / "new.txt").write_text("A brand new finding.\n\nInspectors praised the new fostering panel. It met monthly.", encoding="utf-8")
    with (corpus / "documents.yaml").open("a", encoding="utf-8") as meta:
        meta.write("\n  - {doc_id: new-note, file: new.txt, title: New note, kind: commentary, published: null}\n")
    before = encoder.texts_encoded
    build_index(own_index, encoder)
    index = load_index(own_index.index_dir, own_index)
    new_passages = [p for p in index.passages if p.doc_id == "new-note"]
    new_sentences = [s for s in index.sentences if s.doc_id == "new-note"]
    assert new_passages and new_sentences
    assert encoder.texts_encoded - before == len({p.text for p in new_passages} | {s.text for s in new_sentences})


def test_rebuild_after_changing_one_paragraph_embeds_only_changed_text(own_index, encoder):
    path = own_index.corpus_dir / "004_c56d4a045adebfa7.txt"
    path.write_text(path.read_text(encoding="utf-8").replace("01772 208 964", "01772 000 000"), encoding="utf-8")
    before = encoder.texts_encoded
    build_index(own_index, encoder)
    encoded = encoder.texts_encoded - before
    assert 0 < encoded <= 4  # the passage(s) and the sentence holding the number, nothing else


def test_failed_build_leaves_the_old_index_serving(own_index, encoder):
    served = (own_index.index_dir).resolve()
    manifest = read_manifest(own_index.index_dir)
    (own_index.corpus_dir / "documents.yaml").write_text("documents: [oops", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"documents\.yaml is not valid YAML"):
        build_index(own_index, encoder)
    assert own_index.index_dir.resolve() == served
    assert read_manifest(own_index.index_dir) == manifest
    load_index(own_index.index_dir, own_index)


def test_kill_9_mid_build_leaves_the_old_index_untouched(own_index):
    served = own_index.index_dir.resolve()
    before = {p.name: p.read_bytes() for p in served.iterdir() if p.is_file()}
    # force a full re-embed so the build is long enough to be killed in the middle
    env = {**os.environ, "INSPECTQA_CORPUS_DIR": str(own_index.corpus_dir), "INSPECTQA_INDEX_DIR": str(own_index.index_dir), "INSPECTQA_CHUNK_SIZE": "500"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli", "index", "build", "--force", "--quiet"],
        cwd=PROJECT_ROOT, env=env, stderr=subprocess.PIPE, text=True,
    )
    for line in proc.stderr:  # wait until it has read the corpus and started embedding
        if "passages" in line:
            break
    time.sleep(0.5)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert own_index.index_dir.resolve() == served
    assert {p.name: p.read_bytes() for p in served.iterdir() if p.is_file()} == before
    load_index(own_index.index_dir, own_index)


def test_served_records_come_from_offset_arrays_not_jsonl(own_index):
    """The served index slices passage and sentence texts out of document_text.bin by the offsets in
    passages.npy / sentences.npy; the jsonl copies are for people and vector reuse only."""
    built = load_index(own_index.index_dir, own_index)
    expected = [(p.doc_id, p.start, p.end, p.text) for p in built.passages]
    for name in ("passages.jsonl", "sentences.jsonl"):
        (own_index.index_dir / name).unlink()
    index = load_index(own_index.index_dir, own_index)
    assert [(p.doc_id, p.start, p.end, p.text) for p in index.passages] == expected
    assert index.passages[-1].passage_id == len(index.passages) - 1
    non_ascii = [s for s in index.sentences if not s.text.isascii()]
    assert non_ascii, "the corpus has curly quotes or dashes: character and byte offsets differ"
    for s in non_ascii:
        assert index.documents[s.doc_id].text[s.start : s.end] == s.text
    for pid in range(len(index.passages)):
        assert all(index.sentences[sid].doc_id == index.passages[pid].doc_id for sid in index.passage_sentences[pid])
