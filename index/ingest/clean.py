"""Strip web-capture chrome from a document, keeping its body text and paragraph breaks.

Which lines are chrome differs by site, so the rules live in corpus/documents.yaml
beside each document; this module only knows how to apply them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_SENTENCE_END = tuple('.!?:;"”’)')


@dataclass(frozen=True)
class CleaningRules:
    """Per-document rules. Patterns are Python regexes matched against one stripped line."""

    start_at: str | None = None  # body starts at the first line matching this
    end_before: str | None = None  # body ends before the first later line matching this
    drop_lines: tuple[str, ...] = ()  # whole lines to drop anywhere in the body
    remove: tuple[str, ...] = ()  # spans to cut out of lines (e.g. a teaser glued to a sentence)
    join_broken_paragraphs: bool = False  # rejoin a sentence split by a page break

    @classmethod
    def from_mapping(cls, data: dict | None) -> "CleaningRules":
        data = dict(data or {})
        unknown = set(data) - {f for f in cls.__dataclass_fields__}
        if unknown:
            raise ValueError(f"unknown cleaning rule(s): {', '.join(sorted(unknown))}")
        for key in ("drop_lines", "remove"):
            data[key] = tuple(data.get(key) or ())
        rules = cls(**data)
        for pattern in [rules.start_at, rules.end_before, *rules.drop_lines, *rules.remove]:
            if pattern is not None:
                re.compile(pattern)  # fail at load time, naming the bad pattern
        return rules


def _normalise_lines(raw: str) -> list[str]:
    text = raw.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ").replace("\t", " ")
    return [re.sub(r" {2,}", " ", line).strip() for line in text.split("\n")]


def _body_bounds(lines: list[str], rules: CleaningRules) -> tuple[int, int]:
    start = 0
    if rules.start_at:
        start = next((i for i, line in enumerate(lines) if re.search(rules.start_at, line)), 0)
    end = len(lines)
    if rules.end_before:
        end = next((i for i in range(start + 1, len(lines)) if re.search(rules.end_before, lines[i])), end)
    return start, end


def _paragraphs(lines: list[str]) -> list[str]:
    """Group lines into paragraphs at blank lines; lines inside one paragraph keep their newline."""
    paragraphs, current = [], []
    for line in lines:
        if line:
            current.append(line)
        elif current:
            paragraphs.append("\n".join(current))
            current = []
    if current:
        paragraphs.append("\n".join(current))
    return paragraphs


def _join_broken(paragraphs: list[str]) -> list[str]:
    joined: list[str] = []
    for para in paragraphs:
        if joined and not joined[-1].endswith(_SENTENCE_END) and para[:1].islower():
            joined[-1] = f"{joined[-1]} {para}"
        else:
            joined.append(para)
    return joined


def _apply_rules(raw: str, rules: CleaningRules) -> tuple[list[str], list[str]]:
    """(body lines kept, pieces removed): lines outside the body, removed spans and dropped lines, in order."""
    lines = _normalise_lines(raw)
    start, end = _body_bounds(lines, rules)
    kept: list[str] = []
    removed = [line for line in lines[:start] if line]
    for line in lines[start:end]:
        for pattern in rules.remove:
            removed += [m.group().strip() for m in re.finditer(pattern, line) if m.group().strip()]
            line = re.sub(pattern, "", line).strip()
        if any(re.search(p, line) for p in rules.drop_lines):
            removed += [line] if line else []
        else:
            kept.append(line)
    return kept, removed + [line for line in lines[end:] if line]


def clean_text(raw: str, rules: CleaningRules) -> str:
    """Return the body text: chrome dropped, white space tidied, paragraphs split by one blank line."""
    paragraphs = _paragraphs(_apply_rules(raw, rules)[0])
    if rules.join_broken_paragraphs:
        paragraphs = _join_broken(paragraphs)
    return "\n\n".join(paragraphs)


def removed_text(raw: str, rules: CleaningRules) -> list[str]:
    """What `clean_text` leaves out, in order: lines outside the body, removed spans, dropped lines.

    Kept because a question can be about this chrome (a teaser for another story, a headline
    in the sidebar): the answerer uses it to recognise such questions, never to answer them.
    """
    return _apply_rules(raw, rules)[1]
