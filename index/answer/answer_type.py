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
    # issue 13: the kinds of fact beyond figures; the support check (support.py) holds sentences to them
    MONEY = "money"  # a salary, a budget, a cost
    PERCENT = "percent"  # what percentage, what rate
    PERSON = "person"  # who holds a post, who led, the name of someone
    PLACE = "place"  # which organisation, body or place
    GRADE = "grade"  # outstanding / good / requires improvement / inadequate
    YES_NO = "yes-no"
    REASON = "reason"
    LIST = "list"
    DESCRIPTION = "description"  # any other question: an open description


# The types a figure or date answers: a sentence without one is never the answer ("no-figure").
FIGURE_TYPES = frozenset({AnswerType.COUNT, AnswerType.AMOUNT, AnswerType.DATE, AnswerType.DURATION})


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
    # "a small number of children" counts nothing the question asks for
    (re.compile(r"\bhow many\b|(?<!a )(?<!small )(?<!large )\bnumber of\b", re.I), AnswerType.COUNT),
    (re.compile(r"\bhow much\b", re.I), AnswerType.AMOUNT),
    # "When risk goes up, is a meeting held?" is a yes/no question with a condition, not a date question
    (re.compile(r"^\s*when\b(?![^?]*,\s*(?:is|are|do|does|did|was|were|has|have|will|should)\b)|\bwhat (?:date|day|month|year)\b|\bwhich (?:date|day|month|year)\b|\bwhen (?:was|were|did|is|will)\b", re.I), AnswerType.DATE),
]


# Asked before the figure patterns: "how much money", "what salary" want money, not any amount.
_MONEY_QUESTION = re.compile(r"\b(?:how much (?:money|funding|cash)|salary|salaries|paid|pay|wages?|budget|cost|costs|spend|spent|funding|invest(?:ed|ment)?|cut from)\b", re.I)
_PERCENT_QUESTION = re.compile(r"\b(?:what|which) (?:percentage|proportion|share|rate)\b|\bturnover rate\b|\bper ?cent(?:age)?\b", re.I)
_KIND_QUESTIONS = [
    (re.compile(r"\b(?:what|which) (?:grade|judgement|judgment|rating|rated|verdict)\b|\bwhat was (?:it|\w+) (?:rated|judged|graded)\b|\bgraded\b", re.I), AnswerType.GRADE),
    (re.compile(r"\bname of\b|\bwhat(?:'s| is|s)? (?:his|her|their|the) names?\b|^\s*who(?:'s| is| was)? (?:the |a )?(?:head|chair|leader|director|inspector|hmi|manager|mp|recruiter|author)\b|^\s*who (?:chairs|chaired|leads|led|heads|headed|replaced|wrote|runs|ran)\b|\bwhich (?:inspectors?|hmi|person|people|officer|director|manager|councillor|mp|recruiter|social worker)\b", re.I), AnswerType.PERSON),
    (re.compile(r"\bwhich (?:council|authority|agency|organisation|organization|company|firm|body|police|party|force|area|town|city|school|team)\b|^\s*where (?:is|was|are|were|did|do|does)\b", re.I), AnswerType.PLACE),
    (re.compile(r"^\s*why\b|\bwhat (?:was|were|is|are) the reasons?\b|\bwhat caused\b|\bhow come\b", re.I), AnswerType.REASON),
    (re.compile(r"\bwhat (?:were|are) (?:the|some of the)? ?(?:main |key )?(?:areas|things|issues|problems|actions|weaknesses|strengths|findings|concerns|improvements|recommendations|groups)\b|\blist\b", re.I), AnswerType.LIST),
    (re.compile(r"^\s*(?:is|are|was|were|did|does|do|has|have|had|can|could|will|would|should)\b|[–-]\s*(?:had|has|did|was|were|is|are)\b", re.I), AnswerType.YES_NO),
]


def expected_answer_type(question: str) -> AnswerType | None:
    """The figure or date `question` asks for, or None for questions of any other kind (see `question_kind`)."""
    for pattern, answer_type in _QUESTIONS:
        if pattern.search(question):
            return answer_type
    return None


def question_kind(question: str) -> AnswerType:
    """The kind of fact `question` asks for, among every `AnswerType`; DESCRIPTION when nothing narrower fits."""
    if _MONEY_QUESTION.search(question):
        return AnswerType.MONEY
    if _PERCENT_QUESTION.search(question):
        return AnswerType.PERCENT
    figure = expected_answer_type(question)
    if figure is not None:
        return figure
    for pattern, answer_type in _KIND_QUESTIONS:
        if pattern.search(question):
            return answer_type
    return AnswerType.DESCRIPTION


def holds_answer_type(sentence: str, answer_type: AnswerType) -> bool:
    """Whether `sentence` holds a fact of the kind asked for."""
    if answer_type is AnswerType.COUNT:
        return bool(_NUMBER.search(_DAY_OF_MONTH.sub(" ", sentence)))
    if answer_type is AnswerType.AMOUNT:
        return bool(_MONEY.search(sentence))
    if answer_type is AnswerType.DURATION:
        # "how many months was it vacant?" is answered by "vacant since April 2017" too
        return bool(_DURATION.search(sentence))
    if answer_type is AnswerType.DATE:
        return bool(_DATE.search(sentence))
    if answer_type is AnswerType.MONEY:
        return bool(_CURRENCY.search(sentence))
    if answer_type is AnswerType.PERCENT:
        return bool(_PERCENTAGE.search(sentence))
    if answer_type is AnswerType.GRADE:
        return bool(_GRADE.search(sentence))
    if answer_type is AnswerType.PERSON:
        return bool(_PERSON.search(sentence))
    if answer_type is AnswerType.PLACE:
        return any(m.group() not in _NOT_PLACES for m in _CAPITALISED.finditer(sentence))
    return True  # places, reasons, lists, yes/no and descriptions: any statement may answer


_CURRENCY = re.compile(r"[£$€]\s?\d|\b\d[\d,.]*\s?(?:pounds|million|billion|k)\b|\bpounds\b", re.I)
_PERCENTAGE = re.compile(r"\d\s?(?:per ?cent|%)|\b(?:half|quarter|third|most|majority|minority)\b", re.I)
# "which police force?" is answered by a named body or place ("West Yorkshire Police"), not by "the police"
_CAPITALISED = re.compile(r"(?<=[a-z,;:(] )[A-Z][A-Za-z]+")
_NOT_PLACES = frozenset(
    "Her His Majesty Majesty's Inspector Inspectors Cabinet Councillor Council Corporate Director Chief Executive Children "
    "Children's Service Services Social Care Ofsted MP Mr Mrs Ms Dr Cllr".split()
)
_GRADE = re.compile(r"\b(?:outstanding|good|requires? improvement|inadequate)\b", re.I)
# a titled or two-word capitalised name, not at the start of the sentence: "Ms Beate Wagner", "Lisa Summers"
_PERSON = re.compile(
    r"\b(?:Mr|Mrs|Ms|Miss|Dr|Cllr|Councillor|Sir|Dame|Professor)\.?\s+[A-Z][a-z]+|(?<=[a-z,;:] )(?!(?:Her|His|The|Children|Social|Local|Ofsted|Wakefield|Council|Service|Services|Corporate|Chief|Majesty)\b)[A-Z][a-z]+ (?!(?:Children|Social|Council|Services?|Care|Authority|Partnership|Board|Team|Express|Ofsted)\b)[A-Z][a-z]+\b"
)
