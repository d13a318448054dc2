"""Markdown documents are read as text: their marks never reach passages, answers or offsets."""

from index.build.chunk import sentence_spans
from index.ingest.extract import extract_text

SOURCE = """# Annual **fostering** report

The panel approved **seventeen** new carers this year; see [the guidance](https://example.org/guide_(2021)) for details.

## Waiting times

- Waits fell to *six weeks* for a `first` placement.
- ![A chart](chart.png) shows the trend.

---

[1]: https://example.org/refs
"""


def test_markdown_marks_are_stripped_at_ingest(tmp_path):
    path = tmp_path / "report.md"
    path.write_text(SOURCE, encoding="utf-8")
    doc = extract_text(path)
    assert doc.title == "Annual fostering report"
    for mark in ("**", "#", "](", "[", "`", "*", "https://", "---"):
        assert mark not in doc.text, mark
    assert doc.text.split("\n\n") == [
        "Annual fostering report",
        "The panel approved seventeen new carers this year; see the guidance for details.",
        "Waiting times",
        "Waits fell to six weeks for a first placement.",
        "A chart shows the trend.",
    ]
    # offsets point into the clean text: each sentence span is the sentence as read
    sentences = [doc.text[s.start : s.end] for s in sentence_spans(doc.text)]
    assert "Waits fell to six weeks for a first placement." in sentences


def test_plain_text_keeps_its_characters(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("Cost rose by 2 * 3 per cent.\n\n**not markdown here**", encoding="utf-8")
    assert "**not markdown here**" in extract_text(path).text
