"""Passages and sentences are exact, sentence-aligned slices of the clean text."""

import pytest

from index.build.chunk import passage_spans, sentence_spans
from index.ingest.letterhead import letterhead_spans


def test_sentences_split_at_sentence_ends_and_lines():
    text = "Ofsted said “No.” Then it left! Did it?\nA heading\n\nLast one (here)."
    got = [text[s.start : s.end] for s in sentence_spans(text)]
    assert got == ["Ofsted said “No.”", "Then it left!", "Did it?", "A heading", "Last one (here)."]


def test_every_passage_and_sentence_is_an_exact_slice(built_index):
    for p in built_index.passages:
        assert built_index.documents[p.doc_id].text[p.start : p.end] == p.text
    for s in built_index.sentences:
        assert built_index.documents[s.doc_id].text[s.start : s.end] == s.text


def test_passages_start_and_end_on_sentence_boundaries(built_index, settings):
    for p in built_index.passages:
        doc_text = built_index.documents[p.doc_id].text
        starts = {s.start for s in built_index.sentences if s.doc_id == p.doc_id}
        ends = {s.end for s in built_index.sentences if s.doc_id == p.doc_id}
        longest = max(s.end - s.start for s in built_index.sentences if s.doc_id == p.doc_id)
        if longest <= settings.chunk_size:
            assert p.start in starts, f"passage starts mid-sentence: {doc_text[p.start:p.start + 60]!r}"
            assert p.end in ends, f"passage ends mid-sentence: {doc_text[p.end - 60:p.end]!r}"


def test_passages_cover_the_whole_text_but_letterheads_with_bounded_size(built_index, settings):
    for doc in built_index.documents.values():
        spans = [p for p in built_index.passages if p.doc_id == doc.doc_id]
        covered = {i for s, e in letterhead_spans(doc.text) for i in range(s, e)}
        for p in spans:
            covered.update(range(p.start, p.end))
            assert p.end - p.start <= settings.chunk_size + 120
        assert all(i in covered for i, ch in enumerate(doc.text) if not ch.isspace())


@pytest.mark.parametrize("size, overlap", [(200, 0), (400, 100), (1000, 200)])
def test_size_and_overlap_are_honoured(size, overlap):
    text = " ".join(f"Sentence number {i} says something short." for i in range(80))
    spans = passage_spans(text, size, overlap)
    assert all(s.end - s.start <= size for s in spans)
    if overlap:
        assert any(b.start < a.end for a, b in zip(spans, spans[1:]))
    else:
        assert all(b.start >= a.end for a, b in zip(spans, spans[1:]))


def test_sentence_longer_than_limit_is_split_at_words():
    text = "word " * 100 + "end."
    spans = passage_spans(text.strip(), 100, 0)
    assert len(spans) > 1 and all(s.end - s.start <= 100 for s in spans)
    assert all(text[s.start] != " " for s in spans)
