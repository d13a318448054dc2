"""What kind of fact a question asks for, and whether a sentence holds one.

"How many ...", "how much ...", "when ..." questions are answered by a figure or a date. A
sentence that is on topic but holds no figure does not answer them; and when the material has
no such sentence at all, the honest answer is none (the count of foster carers is not in it).
"""

from __future__ import annotations

import enum
import re


class AnswerType(enum.Enum):
    COUNT = "count"  # how many
    AMOUNT = "amount"  # how much (money or share)
    DATE = "date"  # when, what date, what year
    DURATION = "duration"  # how long


_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
# "one of the main issues" picks out a member, it counts nothing
_NUMBER_WORDS = (
    r"one(?!\s+(?:of|another)\b)|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
    r"|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|million"
    "|half|quarter|dozen|several"
)
# "the third monitoring visit" answers "how many visits?"; "first" is left out: it mostly means "at first"
# or "the first since", which counts nothing
_ORDINALS = "second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth"
# a count, not a year: "66 cases", "10 per cent", "three areas"
_NUMBER = re.compile(rf"\b(?!(?:19|20)\d\d\b)\d[\d,.]*\b|\b(?:{_NUMBER_WORDS}|{_ORDINALS})\b", re.I)
# "9 and 10 October 2019", "1 November": days of a month are dates, not counts
_DAY_OF_MONTH = re.compile(rf"\b\d{{1,2}}(?:st|nd|rd|th)?(?:\s*(?:and|-|–|to)\s*\d{{1,2}}(?:st|nd|rd|th)?)?\s+(?:{_MONTHS})\b", re.I)
_MONEY = re.compile(r"[£$€]\s?\d|\d\s?(?:per ?cent|%)|\b(?:pounds|million|billion|budget|cost)\b", re.I)
_DATE = re.compile(
    rf"\b(?:{_MONTHS})\b|\b(?:19|20)\d\d\b|\b\d{{1,2}}/\d{{1,2}}/\d{{2,4}}\b"
    r"|\b(?:this|last|next) (?:week|month|year|spring|summer|autumn|winter)\b|\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b",
    re.I,
)
_DURATION = re.compile(
    rf"\b(?:\d+|{_NUMBER_WORDS})[- ](?:day|week|month|year|hour)s?\b|\bsince (?:{_MONTHS}|(?:19|20)\d\d)\b", re.I
)

_QUESTIONS = [
    (re.compile(r"\bhow (?:many|long) (?:days|weeks|months|years)\b|\bhow long\b", re.I), AnswerType.DURATION),
    (re.compile(r"\bhow many\b|\bnumber of\b", re.I), AnswerType.COUNT),
    (re.compile(r"\bhow much\b", re.I), AnswerType.AMOUNT),
    (re.compile(r"^\s*when\b|\bwhat (?:date|day|month|year)\b|\bwhich (?:date|day|month|year)\b|\bwhen (?:was|were|did|is|will)\b", re.I), AnswerType.DATE),
]


def expected_answer_type(question: str) -> AnswerType | None:
    """The kind of fact `question` asks for, or None for questions of any other kind."""
    for pattern, answer_type in _QUESTIONS:
        if pattern.search(question):
            return answer_type
    return None


def holds_answer_type(sentence: str, answer_type: AnswerType) -> bool:
    """Whether `sentence` holds a fact of the kind asked for."""
    if answer_type is AnswerType.COUNT:
        return bool(_NUMBER.search(_DAY_OF_MONTH.sub(" ", sentence)))
    if answer_type is AnswerType.AMOUNT:
        return bool(_MONEY.search(sentence))
    if answer_type is AnswerType.DURATION:
        # "how many months was it vacant?" is answered by "vacant since April 2017" too
        return bool(_DURATION.search(sentence))
    return bool(_DATE.search(sentence))
