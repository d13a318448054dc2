"""Claims stored as columns (index/build/claim_table.py) and the lookups over them: the same claims as extraction
gives, lookups equal to a walk over every claim, and a restricted view that holds none of a hidden document's."""

from __future__ import annotations

import numpy as np
import pytest

from index.answer.access import restricted_view
from index.build.chunk import Sentence
from index.build.claim_table import ClaimTable, ClaimWriter
from index.build.claims import Claim, document_claims
from index.build.records import FIRST_SENTENCE, LAST_SENTENCE, SentencePassage


def _extracted(index) -> list[Claim]:
    """What index.build.claims finds in each document of `index`, over the sentences the index holds."""
    by_doc: dict[str, list[tuple[int, int, int]]] = {}
    for s in index.sentences:
        by_doc.setdefault(s.doc_id, []).append((s.sentence_id, s.start, s.end))
    out = []
    for doc_id in index.documents:
        doc = index.documents[doc_id]
        out += document_claims(doc_id, doc.text, doc.published, by_doc.get(doc_id, []))
    return out


def test_a_loaded_index_holds_the_claims_extraction_gives(built_index):
    stored = list(built_index.claims)
    assert stored == _extracted(built_index) and len(stored) == built_index.manifest.claim_count > 20
    assert [built_index.claims[i] for i in (0, len(stored) // 2, -1)] == [stored[0], stored[len(stored) // 2], stored[-1]]
    # nearly every value is made again from the row and the sentence's words, not stored as a string
    assert len(built_index.claims.strings["value"]) < len(stored) // 4


def test_lookups_equal_a_walk_over_every_claim(built_index):
    claims = list(built_index.claims)
    by_sentence: dict[int, list[Claim]] = {}
    by_key: dict[str, list[Claim]] = {}
    for c in claims:
        by_sentence.setdefault(c.sentence_id, []).append(c)
        by_key.setdefault(c.about, []).append(c)
    assert dict(built_index.sentence_claims) == by_sentence
    assert built_index.sentence_claims.get(-5, []) == [] and built_index.sentence_claims.get(len(built_index.sentences), []) == []
    sids = list(range(0, len(built_index.sentences), 7))
    assert built_index.sentence_claims.many(sids) == {sid: by_sentence[sid] for sid in sids if sid in by_sentence}
    # keys in the order they first appear, each with its claims in sentence order
    assert list(built_index.claims_by_key) == list(by_key)
    assert {k: built_index.claims_by_key[k] for k in built_index.claims_by_key} == by_key
    assert "no such key" not in built_index.claims_by_key
    first_passage: dict[int, int] = {}
    for pid, ids in enumerate(built_index.passage_sentences):
        for sid in ids:
            first_passage.setdefault(sid, pid)
    assert {sid: built_index.sentence_passage[sid] for sid in range(len(built_index.sentences))} == first_passage
    some = sorted(built_index.documents)[:3]
    assert built_index.claims.claims(built_index.claims.rows_in_documents(some)) == [c for c in claims if c.doc_id in some]


def test_a_restricted_view_holds_no_claim_of_a_hidden_document(built_index):
    claims = list(built_index.claims)
    hidden = frozenset({claims[0].doc_id, claims[-1].doc_id})
    view = restricted_view(built_index, hidden, lambda p: p.text)
    kept = [c for c in claims if c.doc_id not in hidden]
    assert 0 < len(view.claims) == len(kept) < len(claims)
    assert list(view.claims) == kept and view.claims[-1] == kept[-1]
    assert all(c.doc_id not in hidden for sid in view.sentence_claims for c in view.sentence_claims[sid])
    assert view.sentence_claims.get(claims[0].sentence_id, []) == []
    assert all(c.doc_id not in hidden for key in view.claims_by_key for c in view.claims_by_key[key])
    assert view.claims.claims(view.claims.rows_in_documents(hidden)) == []
    # the whole index still holds them
    assert built_index.sentence_claims[claims[0].sentence_id]


def test_values_not_made_from_the_words_are_kept_and_empty_fields_stay_empty(tmp_path):
    text = "Inspectors visited in July 2018 and found 12 cases."
    sentence = Sentence(0, "d", 0, len(text), text)
    made = document_claims("d", text, None, [(0, 0, len(text))])
    odd = Claim(0, "d", 0, len(text), "figure", "cases", "a dozen cases", 42, 50, grain="count", number=12.0, unit="cases")
    writer = ClaimWriter()
    writer.add([*made, odd], {"d": 0}, lambda c: text[c.value_start : c.value_end])
    writer.save(tmp_path)
    table = ClaimTable.load(tmp_path, [sentence], ["d"])
    assert list(table) == [*made, odd] and table.strings["value"] == ["a dozen cases"]
    date = next(c for c in table if c.kind == "date")
    assert (date.value, date.day_lo, date.number) == ("July 2018", None, None)
    with pytest.raises(ValueError, match="sentence order"):
        writer.add([Claim(-1, "d", 0, 1, "date", "", "x", 0, 1)], {"d": 0}, lambda c: "x")
        writer.save(tmp_path)


def test_the_first_passage_holding_a_sentence_skips_passages_holding_none():
    # passages 1 and 4 hold no sentence (written (0, 0)); 2 and 3 overlap on sentence 5
    spans = [(0, 3), (0, 0), (3, 6), (5, 8), (0, 0), (8, 9), (9, 9)]
    rows = np.zeros((len(spans), 7), dtype=np.int64)
    rows[:, [FIRST_SENTENCE, LAST_SENTENCE]] = spans
    lookup = SentencePassage(rows)
    brute = {}
    for pid, (first, last) in enumerate(spans):
        for sid in range(first, last):
            brute.setdefault(sid, pid)
    assert {sid: lookup[sid] for sid in range(9)} == brute and dict(lookup) == brute
    with pytest.raises(KeyError):
        lookup[9]


def test_the_timeline_makes_claims_of_event_rows_only_and_finds_every_event(built_index):
    from index.answer.timeline import event_rows, is_event

    table = built_index.claims
    rows = event_rows(table, np.arange(table.stored))
    assert table.claims(rows) == [c for c in table if is_event(c)] and 0 < len(rows) < len(table)
