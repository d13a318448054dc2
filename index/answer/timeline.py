"""The dated events of the material, oldest first: each with the sentence that dates it and the other
sources that agree or disagree (claims from index/build/claims.py, compared by index/answer/conflicts.py).

Pure over a loaded index. Only dates about a named event (a key from the event vocabulary in claims.py,
not a fallback word) and with a resolved year are events; the rest stay in the index's claims.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from index.answer.conflicts import clash, same_event
from index.build.claim_table import ABOUT, ABSENT, KIND, RESOLVED, YEAR, ClaimTable
from index.build.claims import EVENT_KEYS, Claim
from index.build.store import InspectionIndex


@dataclass(frozen=True)
class TimelineEntry:
    claim: Claim  # the citation: the primary source's sentence first where there is one
    agree: tuple[Claim, ...]  # same event, a value compatible with it (the same, coarser or finer)
    disagree: tuple[Claim, ...]  # same event, a value that cannot also be right


def is_event(claim: Claim) -> bool:
    return claim.kind == "date" and claim.year is not None and claim.resolved != "unresolved" and claim.about in EVENT_KEYS


def event_rows(table: ClaimTable, rows: np.ndarray) -> np.ndarray:
    """The `rows` of `table` that are events (`is_event`), told from the columns: a timeline over many documents
    makes a `Claim` only of its events, not of every figure and undated month too."""
    codes = {name: {text: n for n, text in enumerate(table.strings[name])} for name in ("kind", "resolved")}
    columns = table.columns[rows]
    keep = (columns[:, KIND] == codes["kind"].get("date", -2)) & (columns[:, YEAR] != ABSENT)
    keep &= columns[:, RESOLVED] != codes["resolved"].get("unresolved", -2)
    keep &= np.isin(columns[:, ABOUT], [n for key, n in table.about_code.items() if key in EVENT_KEYS])
    return rows[keep]


def sort_date(claim: Claim) -> dt.date:
    return dt.date(claim.year, claim.month_lo or 1, claim.day_lo or 1)


def _compatible(a: Claim, b: Claim) -> bool:
    """Same event, same year, and not clashing: one of the values holds the other, or they are equal."""
    return a.year == b.year and same_event(a.about, b.about) and not clash(a, b)


def _one_per_document(claims: list[Claim], own_doc: str) -> list[Claim]:
    seen = {own_doc}
    return [c for c in claims if not (c.doc_id in seen or seen.add(c.doc_id))]


def build_timeline(index: InspectionIndex, claims: list[Claim], among: list[Claim]) -> list[TimelineEntry]:
    """An entry per distinct (authority, event, date) of `claims`, compared with the claims of `among` about the same
    authority (another council's inspection is another event); oldest first."""
    primary = lambda c: index.is_primary(c.doc_id)  # noqa: E731
    authority = lambda c: index.documents.metadata(c.doc_id).authority  # noqa: E731
    events = [c for c in claims if is_event(c)]
    others: dict[str | None, list[Claim]] = {}
    for c in among:
        if is_event(c):
            others.setdefault(authority(c), []).append(c)
    groups: dict[tuple, list[Claim]] = {}
    for c in events:
        groups.setdefault((authority(c), c.about, c.year, c.month_lo, c.month_hi, c.day_lo, c.day_hi), []).append(c)
    entries = []
    for group in groups.values():
        group.sort(key=lambda c: (not primary(c), c.doc_id, c.start))
        head = group[0]
        same = others.get(authority(head), [])  # documents with no authority found only with each other
        # other documents only, one sentence each: a source agrees or disagrees once
        agree = _one_per_document([c for c in group[1:] + [c for c in same if _compatible(head, c)]], head.doc_id)
        disagree = _one_per_document([c for c in same if clash(head, c)], head.doc_id)
        entries.append(TimelineEntry(head, tuple(agree), tuple(disagree)))
    return sorted(entries, key=lambda e: (sort_date(e.claim), e.claim.month_hi or 12, e.claim.about))
