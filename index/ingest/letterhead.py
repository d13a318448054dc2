"""Find a letter's furniture in clean text: address blocks, contact lines, the salutation and the signature block.

None of it answers a question ("Piccadilly Gate", "T 0300 ...", "Dear Beate", "Yours sincerely /
Lisa Summers"), yet it sits at the top and bottom of every letter, where it would otherwise be
quoted or cited. It is recognised by the shape of its lines, for any letter, never by the words of
one letterhead:

- a contact line is nothing but a phone number, an email address or a web address (with an
  optional short label such as "T", "Tel:" or "Email");
- an address block is a run of short lines without sentence punctuation ending in a postcode
  line, followed by any contact lines;
- a salutation is a short "Dear ..." line;
- a signature block is a closing line ("Yours sincerely", "Kind regards", ...) and the short
  name-and-role lines after it.

A date line is never furniture: "1 November 2019" answers "when was the letter sent?".
Pure functions over text; spans are character offsets into it, like every other span.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from index.english import MONTH_PATTERN

# A line of an address or a signature: short, few words, not a sentence.
_SHORT_LINE = 60
_SHORT_WORDS = 9
_SENTENCE_END = re.compile(r"[.!?:;][\"”’')\]]*$")
# An address is rarely more than this many lines above its postcode.
_ADDRESS_LINES = 8
# Name, role, organisation: the lines a signature block runs to after the closing line.
_SIGNATURE_LINES = 4

# UK postcodes ("M1 2WD", "WF1 2QW", "SW1A 1AA"), alone or ending a line ("Wakefield WF1 2QW")
_POSTCODE = re.compile(r"(?:^|[\s,])[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}$")
_LABEL = r"(?:[A-Za-z][A-Za-z ]{0,14}[.:]?\s+)?"
_PHONE = re.compile(rf"^{_LABEL}\+?\(?\d[\d ()\-]{{5,}}\d(?:\s*(?:ext\.?|x)\s*\d+)?$", re.I)
_EMAIL = re.compile(rf"^{_LABEL}[\w.+-]+@[\w-]+(?:\.[\w-]+)+$")
_WEB = re.compile(rf"^{_LABEL}(?:https?://|www\.)\S+$", re.I)
_SALUTATION = re.compile(r"^Dear\s+\S[^.!?;:]{0,60}[,]?$")
_CLOSING = re.compile(
    r"^(?:Yours(?:\s+(?:sincerely|faithfully|truly|ever))?|(?:With\s+)?(?:kind(?:est)?|best|warm)\s+(?:regards|wishes)|Regards|Best)[,.!]?$",
    re.I,
)
_DATE_LINE = re.compile(
    rf"^\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{MONTH_PATTERN})\s+\d{{4}}$"
    rf"|^(?:{MONTH_PATTERN})\s+\d{{1,2}},?\s+\d{{4}}$"
    r"|^\d{1,2}/\d{1,2}/\d{2,4}$",
    re.I,
)
# items of a contact line that packs several ("Tel 0300 123 1231 | enquiries@ofsted.gov.uk")
_ITEM_SEPARATOR = re.compile(r"\s+[|•·]\s+|\s{2,}")


def _lines(text: str) -> list[tuple[int, int, str]]:
    """(start, end, stripped text) of each non-empty line, in order."""
    out = []
    for m in re.finditer(r"[^\n]+", text):
        body = m.group()
        stripped = body.strip()
        if stripped:
            lead = len(body) - len(body.lstrip())
            out.append((m.start() + lead, m.start() + lead + len(stripped), stripped))
    return out


def is_contact_line(line: str) -> bool:
    """Nothing but phone numbers, email or web addresses (each perhaps labelled)."""
    items = [item for item in _ITEM_SEPARATOR.split(line.strip()) if item]
    return bool(items) and all(_PHONE.match(i) or _EMAIL.match(i) or _WEB.match(i) for i in items)


def _is_short(line: str) -> bool:
    return len(line) <= _SHORT_LINE and len(line.split()) <= _SHORT_WORDS and not _SENTENCE_END.search(line)


def _is_address_line(line: str) -> bool:
    return _is_short(line) and not _DATE_LINE.match(line) and not _SALUTATION.match(line) and not _CLOSING.match(line)


def letterhead_lines(lines: list[str]) -> set[int]:
    """Indexes of the lines (non-empty, in order) that are a letter's furniture."""
    marked: set[int] = set()
    for i, line in enumerate(lines):
        if is_contact_line(line) or _SALUTATION.match(line):
            marked.add(i)
        elif _POSTCODE.search(line) and _is_short(line):
            marked.add(i)
            j = i - 1
            while j >= 0 and i - j <= _ADDRESS_LINES and j not in marked and _is_address_line(lines[j]):
                marked.add(j)
                j -= 1
        elif _CLOSING.match(line):
            marked.add(i)
            for j in range(i + 1, min(i + 1 + _SIGNATURE_LINES, len(lines))):
                if not _is_address_line(lines[j]):
                    break
                marked.add(j)
    return marked


def letterhead_spans(text: str) -> tuple[tuple[int, int], ...]:
    """(start, end) of each line of `text` that is a letter's furniture, in order."""
    lines = _lines(text)
    marked = letterhead_lines([line for _, _, line in lines])
    return tuple((start, end) for i, (start, end, _) in enumerate(lines) if i in marked)


def covered(spans: Iterable[tuple[int, int]], start: int, end: int, text: str) -> bool:
    """Whether text[start:end] holds nothing but the given spans and white space."""
    rest = list(text[start:end])
    for s, e in spans:
        for k in range(max(s, start), min(e, end)):
            rest[k - start] = " "
    return not "".join(rest).strip()


def trim(spans: tuple[tuple[int, int], ...], start: int, end: int, text: str) -> tuple[int, int]:
    """(start, end) narrowed past furniture lines and white space at either edge; equal when nothing else is left."""
    changed = True
    while changed and start < end:
        changed = False
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        for s, e in spans:
            if s <= start < e:
                start, changed = e, True
            if s < end <= e:
                end, changed = s, True
    return (start, end) if start < end else (start, start)
