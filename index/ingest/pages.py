"""Page spans of a document's text: which page an offset is on, and keeping spans true after cleaning."""

from __future__ import annotations

from bisect import bisect_right

PageSpans = tuple[tuple[int, int], ...]  # (start, end) of page 1, 2, ... in the document text


def page_at(pages: PageSpans, offset: int) -> int | None:
    """The 1-based page holding `offset`, or None for a document without pages.

    An offset in the gap between two pages (the paragraph break) belongs to the next page.
    """
    if not pages:
        return None
    starts = [start for start, _ in pages]
    return max(1, bisect_right(starts, offset))


def page_range(pages: PageSpans, start: int, end: int) -> tuple[int, int] | None:
    """(first, last) 1-based pages the text from `start` to `end` lies on, or None without pages.

    A sentence broken by a page break starts on one page and ends on the next: both are named.
    """
    if not pages:
        return None
    first = page_at(pages, start)
    last = page_at(pages, max(start, end - 1))
    return first, max(first, last)


def realign_pages(original: str, pages: PageSpans, cleaned: str) -> PageSpans:
    """Page spans of `original` moved onto `cleaned`, a copy with some lines cut out by cleaning rules.

    Each page is found again by the opening of its text, in order; a page whose opening was cut
    starts where the previous one ends. Spans stay in order and inside the cleaned text.
    """
    if cleaned == original or not pages:
        return pages
    starts: list[int] = []
    cursor = 0
    for start, end in pages:
        probe = original[start:min(end, start + 60)]
        found = cleaned.find(probe, cursor) if probe else -1
        cursor = found if found >= 0 else cursor
        starts.append(cursor)
    ends = starts[1:] + [len(cleaned)]
    return tuple((s, max(s, e)) for s, e in zip(starts, ends))
