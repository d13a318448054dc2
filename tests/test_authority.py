"""Which council a document is about, found from its own words (index/ingest/authority.py), and set in documents.yaml."""

from __future__ import annotations

import pytest
import yaml

from index.errors import CorpusError
from index.ingest.authority import find_authority
from index.ingest.corpus import load_corpus
from eval.councils import assemble

LETTER = """Ofsted
Piccadilly Gate
Manchester

5 December 2019

Mr Daniel Okafor
Director of Children's Services
Brackenridge Metropolitan Borough Council
Civic Centre

Dear Mr Okafor

The visit found that Leeds City Council had shared good practice with the local authority."""


def test_a_letter_is_about_its_addressee_though_it_names_another_council():
    assert find_authority(LETTER) == ("Brackenridge", "addressee")


def test_a_report_is_about_the_council_it_names_most_and_a_page_naming_none_about_no_one():
    text = "Northmoor County Council said it would improve. Critics of Northmoor County Council, and of Leeds City Council, disagreed."
    assert find_authority(text) == ("Northmoor", "council-mention")
    assert find_authority("An inspection of children's services in Harrowfield found weaknesses.") == ("Harrowfield", "services-mention")
    assert find_authority("Social work is hard and inspectors said so.") == (None, "not-found")


def test_every_seed_and_fixture_document_gets_its_council_and_documents_yaml_overrides_it(tmp_path):
    corpus = assemble(tmp_path / "corpus")
    found = {d.doc_id: (d.authority, d.authority_source) for d in load_corpus(corpus)}
    assert {a for a, _ in found.values()} == {"Wakefield", "Brackenridge", "Northmoor", "Eastfold"}
    assert found["brackenridge-ofsted-monitoring-2019-12"] == ("Brackenridge", "addressee")
    assert found["eastfold-ofsted-monitoring-2020-03"][0] == "Eastfold"
    assert found["brackenridge-gazette-2019-12"] == ("Brackenridge", "council-mention")
    assert all(a == "Wakefield" for d, (a, _) in found.items() if d.startswith(("ofsted-", "wakefield-", "childrenfirst-", "recruiter-")))
    meta = corpus / "documents.yaml"
    data = yaml.safe_load(meta.read_text(encoding="utf-8"))
    entry = next(e for e in data["documents"] if e["doc_id"] == "brackenridge-council-press-release-2019-12")
    entry["authority"] = "Brackenridge Borough"
    meta.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    doc = next(d for d in load_corpus(corpus) if d.doc_id == entry["doc_id"])
    assert (doc.authority, doc.authority_source) == ("Brackenridge Borough", "documents.yaml")
    entry["authority"] = "<script>"
    meta.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    with pytest.raises(CorpusError, match="authority must be a council's name"):
        load_corpus(corpus)
