"""A document's published address (documents.yaml `url`, `corpus add --url`): http(s) only, and served."""

import pytest
import yaml

from index.errors import CorpusError
from index.ingest.corpus import check_url, load_corpus
from index.ingest.manage import Overrides, add_documents


@pytest.mark.parametrize("url", ["https://www.gov.uk/x", "http://example.org/a?b=1#c"])
def test_http_and_https_addresses_are_kept(url):
    assert check_url(url) == url


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,hi", "ftp://example.org/x", "www.gov.uk/x", "https://", "https://a b.org/"])
def test_other_addresses_are_refused(url):
    with pytest.raises(ValueError, match="http"):
        check_url(url)


def test_corpus_add_url_is_written_and_read_back(corpus_copy, tmp_path):
    source = tmp_path / "note.txt"
    source.write_text("Seventeen new households were found homes this year.\n", encoding="utf-8")
    plan = add_documents(corpus_copy, [source], Overrides(url="https://example.org/note"), rebuild=lambda documents: None)
    doc_id = plan.entries[0]["doc_id"]
    entries = {e["doc_id"]: e for e in yaml.safe_load((corpus_copy / "documents.yaml").read_text())["documents"]}
    assert entries[doc_id]["url"] == "https://example.org/note"
    assert {d.doc_id: d.url for d in load_corpus(corpus_copy)}[doc_id] == "https://example.org/note"


def test_a_bad_url_is_refused_before_anything_changes(corpus_copy, tmp_path):
    before = (corpus_copy / "documents.yaml").read_text()
    source = tmp_path / "note.txt"
    source.write_text("Some text.\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="http"):
        add_documents(corpus_copy, [source], Overrides(url="javascript:alert(1)"), rebuild=lambda documents: None)
    assert (corpus_copy / "documents.yaml").read_text() == before


def test_a_bad_url_in_documents_yaml_names_the_document(corpus_copy):
    meta = corpus_copy / "documents.yaml"
    meta.write_text(meta.read_text().replace("    kind: inspection-letter\n", "    kind: inspection-letter\n    url: 'javascript:alert(1)'\n", 1))
    with pytest.raises(CorpusError, match="ofsted-monitoring-letter-2019-11.*http"):
        load_corpus(corpus_copy)


def test_documents_routes_add_url(client):
    listed = client.get("/documents").json()
    assert listed and all("url" in d for d in listed)
    assert "url" in client.get(f"/documents/{listed[0]['doc_id']}").json()
