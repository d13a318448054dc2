"""A letter's furniture (address, contact lines, salutation, signature) is never quoted or cited."""

import datetime as dt

from index.build.builder import split_document
from index.ingest.corpus import Document
from index.ingest.letterhead import covered, letterhead_spans, trim
from index.settings import Settings

# an invented letter, none of whose furniture is the Ofsted letterhead's wording
LETTER = """Northshire Fostering Panel
14 Harbour Row
Eastport
EP4 7QZ

Tel: 01632 960 123
panel.office@northshire.example.org
https://northshire.example.org/fostering

3 March 2021

Mr Owen Grady
Head of Family Support
Westvale Borough Council
Civic Centre, Mill Lane
Westvale WV2 9HX

Dear Mr Grady

Review of short-break fostering

The panel approved seventeen new short-break carers this year. Waiting times for a first placement fell to six weeks.

We will write again after the summer review.

With kind regards,

Priya Natarajan
Chair, Northshire Fostering Panel
"""


def _marked(text):
    return [text[s:e] for s, e in letterhead_spans(text)]


def test_address_contact_salutation_and_signature_are_marked_and_nothing_else():
    marked = _marked(LETTER)
    assert marked == [
        "Northshire Fostering Panel", "14 Harbour Row", "Eastport", "EP4 7QZ",
        "Tel: 01632 960 123", "panel.office@northshire.example.org", "https://northshire.example.org/fostering",
        "Mr Owen Grady", "Head of Family Support", "Westvale Borough Council", "Civic Centre, Mill Lane", "Westvale WV2 9HX",
        "Dear Mr Grady",
        "With kind regards,", "Priya Natarajan", "Chair, Northshire Fostering Panel",
    ]
    # the date answers "when was it sent?", the heading and the body are the letter
    assert "3 March 2021" not in marked and "Review of short-break fostering" not in marked


def test_prose_without_a_letter_shape_is_not_marked():
    text = (
        "Inspectors visited on 9 October.\n\nThe council's offices are in Bond Street.\n\n"
        "Dear reader, this article explains the findings in full and ends with a sentence.\n\n"
        "Overview\n\nChildren waited 12 weeks on average."
    )
    assert _marked(text) == []


def test_trim_and_covered_work_on_offsets():
    spans = letterhead_spans(LETTER)
    start, end = trim(spans, 0, len(LETTER), LETTER)
    assert LETTER[start:].startswith("3 March 2021") and LETTER[:end].endswith("after the summer review.")
    head_end = LETTER.index("3 March")
    assert covered(spans, 0, head_end, LETTER)
    assert not covered(spans, 0, head_end + 3, LETTER)


def test_no_passage_or_answer_sentence_is_letterhead():
    doc = Document("northshire-letter", "Review of short-break fostering", "Northshire", dt.date(2021, 3, 3), "inspection-letter", "x.txt", LETTER.strip())
    passages, sentences = split_document(doc, Settings(chunk_size=200, chunk_overlap=0), 0, 0)
    furniture = set(_marked(doc.text))
    assert sentences and not furniture & {s.text for s in sentences}
    for p in passages:
        assert not p.text.startswith(tuple(furniture)) and not p.text.endswith(tuple(furniture)), p.text
        assert doc.text[p.start : p.end] == p.text
    assert any("seventeen new short-break carers" in s.text for s in sentences)


def test_the_real_letterhead_is_never_a_cited_card(client):
    # the questions that used to bring the Ofsted letterhead up as a card
    for question in ("What date was the Ofsted monitoring letter sent?", "Who is the letter addressed to?", "How can I contact Ofsted?"):
        reply = client.post("/ask", json={"question": question}).json()
        for c in reply["citations"]:
            assert "Piccadilly Gate" not in c["text"] and "Yours sincerely" not in c["text"], (question, c["text"][:120])
