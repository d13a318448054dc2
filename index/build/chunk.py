"""Split clean document text into sentences and into overlapping, sentence-aligned passages.

Every span is a pair of character offsets into the document's clean text, so that
`document.text[start:end]` is exactly the passage or sentence.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from langchain_text_splitters import RecursiveCharacterTextSplitter

# A sentence ends at . ! or ? (plus any closing quote or bracket) followed by white space and
# something that can start a sentence. Line breaks always end a sentence: headings, bullets
# and address lines are units of their own.
_SENTENCE_BREAK_RE = re.compile(r"(?<=[.!?])[\"”’')\]]*\s+(?=[\"“‘'(\[•A-Z0-9])")


@dataclass(frozen=True)
class Span:
    start: int
    end: int


@dataclass(frozen=True)
class Passage:
    """A retrievable piece of one document."""

    passage_id: int
    doc_id: str
    start: int
    end: int
    text: str

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True)
class Sentence:
    """One sentence of one document, the unit an extractive answer quotes."""

    sentence_id: int
    doc_id: str
    start: int
    end: int
    text: str


def sentence_spans(text: str) -> list[Span]:
    """Sentence spans of `text`, without surrounding white space, in order."""
    spans: list[Span] = []
    for line in re.finditer(r"[^\n]+", text):
        offset = line.start()
        cursor = 0
        body = line.group()
        for brk in _SENTENCE_BREAK_RE.finditer(body):
            # keep closing quotes with the sentence they close
            end = brk.start() + len(brk.group().rstrip())
            spans.append(Span(offset + cursor, offset + end))
            cursor = brk.end()
        spans.append(Span(offset + cursor, offset + len(body.rstrip())))
    return [s for s in _strip(text, spans) if s.end > s.start]


def _strip(text: str, spans: list[Span]) -> list[Span]:
    out = []
    for s in spans:
        start, end = s.start, s.end
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        out.append(Span(start, end))
    return out


def _splitter(chunk_size: int, chunk_overlap: int) -> RecursiveCharacterTextSplitter:
    # Paragraphs first, then lines, then sentence ends; words only for a sentence longer than the limit.
    return RecursiveCharacterTextSplitter(
        chunk_size=chunk_size,
        chunk_overlap=min(chunk_overlap, chunk_size // 2),
        separators=["\n\n", "\n", _SENTENCE_BREAK_RE.pattern, " "],
        is_separator_regex=True,
        keep_separator="end",
        strip_whitespace=True,
    )


def passage_spans(text: str, chunk_size: int, chunk_overlap: int) -> list[Span]:
    """Sentence-aligned passage spans of at most `chunk_size` characters (unless one sentence is longer)."""
    spans, cursor = [], 0
    for chunk in _splitter(chunk_size, chunk_overlap).split_text(text):
        # overlapping chunks start before the previous one ends, so search from its start
        start = text.find(chunk, cursor)
        if start < 0:  # cannot happen: chunks are stripped substrings of text
            raise AssertionError("text splitter returned a chunk that is not in the text")
        spans.append(Span(start, start + len(chunk)))
        cursor = start + 1
    return _merge_short(spans, chunk_size)


# A heading alone is a poor passage: it matches many queries and answers none.
_SHORT_PASSAGE = 120


def _merge_short(spans: list[Span], chunk_size: int) -> list[Span]:
    """Fold a short passage (a heading, a one-line paragraph) into the passage after it."""
    merged: list[Span] = []
    carry: Span | None = None
    for span in spans:
        if carry is not None:
            if span.end - carry.start <= chunk_size + _SHORT_PASSAGE and span.start >= carry.end:
                span = Span(carry.start, span.end)
            else:
                merged.append(carry)
            carry = None
        if span.end - span.start < _SHORT_PASSAGE:
            carry = span
        else:
            merged.append(span)
    if carry is not None:
        merged.append(carry)
    return merged
