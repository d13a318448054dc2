"""The English every stage reads dates and figures in: months, number words, ordinals, in one place.

Question analysis, the sentence checks, follow-ups, the timeline and claim extraction all read these;
none keeps a list of its own (they used to, and disagreed on "may" and on which ordinals count).
"""

from __future__ import annotations

import re

MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december")
MONTH_NUMBERS = {name: i for i, name in enumerate(MONTHS, 1)}
MONTH_PATTERN = "|".join(MONTHS)
MONTH_NAMED = re.compile(rf"\b(?:{MONTH_PATTERN})\b", re.I)

# number words as figures: "three areas", "twenty-one cases"
NUMBER_WORDS = {
    word: value
    for value, word in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen "
        "eighteen nineteen twenty".split()
    )
} | {"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "thousand": 1000, "million": 1_000_000}
# words that count without naming a figure ("half of the cases", "a dozen")
QUANTITY_WORDS = ("half", "quarter", "dozen", "several")
# "the third monitoring visit" counts; "first" is left out: it mostly means "at first" or "the first since"
ORDINALS = ("second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth", "eleventh", "twelfth")

YEAR = re.compile(r"\b(?:19|20)\d\d\b")

# A sentence saying an outcome is still to come: "the report is expected in the new year", "will be published".
PENDING = re.compile(
    r"\b(?:is|are|was|were) (?:expected|due|awaited|anticipated|yet to)\b|\bwill (?:be (?:published|announced|released|known|confirmed|revealed)|publish|announce)\b"
    r"|\b(?:awaiting|not yet (?:known|published|been published)|yet to be (?:published|announced|decided|confirmed))\b"
    r"|\b(?:later this (?:year|month)|in the new year|in the coming (?:weeks|months))\b",
    re.I,
)


def number_words_pattern(exclude_one_of: bool = True) -> str:
    """The number and quantity words as a regex alternation; "one of the issues" picks out a member and counts nothing."""
    words = [w for w in NUMBER_WORDS if w != "one"] + list(QUANTITY_WORDS)
    return ("one(?!\\s+(?:of|another)\\b)|" if exclude_one_of else "one|") + "|".join(words)
