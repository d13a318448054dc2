"""When does a passage (or an answer) hold a gold quote?

Rule: after folding case, curly quotes and dashes, and collapsing white space, the text must hold
a contiguous run of the quote at least MIN_SHARE of its length long. Chunk edges may cut a quote,
so the whole quote is not required; most of it is.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

MIN_SHARE = 0.6

_FOLD = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\u00a0": " "})


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text.translate(_FOLD).lower()).strip()


def longest_shared_run(quote: str, text: str) -> int:
    """Length of the longest run of normalised `quote` found contiguously in normalised `text`."""
    q, t = normalise(quote), normalise(text)
    if not q or not t:
        return 0
    if q in t:
        return len(q)
    match = SequenceMatcher(None, q, t, autojunk=False).find_longest_match(0, len(q), 0, len(t))
    return match.size


def quote_found(quote: str, text: str, min_share: float = MIN_SHARE) -> bool:
    """True when `text` holds at least `min_share` of `quote` in one contiguous run."""
    q = normalise(quote)
    return bool(q) and longest_shared_run(quote, text) >= min_share * len(q)
