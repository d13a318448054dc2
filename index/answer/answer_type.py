"""What kind of fact a question asks for, and whether a sentence holds one.

"How many ...", "how much ...", "when ..." questions are answered by a figure or a date. A
sentence that is on topic but holds no figure does not answer them; and when the material has
no such sentence at all, the honest answer is none (the count of foster carers is not in it).
"""

from __future__ import annotations

import enum
import re

from index.english import MONTH_PATTERN, ORDINALS, number_words_pattern


class AnswerType(enum.Enum):
    COUNT = "count"  # how many
    AMOUNT = "amount"  # how much (money or share)
    DATE = "date"  # when, what date, what year
    DURATION = "duration"  # how long
    # issue 13: the kinds of fact beyond figures; the support check (support.py) holds sentences to them
    MONEY = "money"  # a salary, a budget, a cost
    PERCENT = "percent"  # what percentage, what rate
    PERSON = "person"  # who holds a post, who led, the name of someone
    WHO = "who"  # any other who-question: answered by a sentence naming a person or a body
    PLACE = "place"  # which organisation, body or place
    GRADE = "grade"  # outstanding / good / requires improvement / inadequate
    YES_NO = "yes-no"
    REASON = "reason"
    LIST = "list"
    DESCRIPTION = "description"  # any other question: an open description


# The types a figure or date answers: a sentence without one is never the answer ("no-figure").
FIGURE_TYPES = frozenset({AnswerType.COUNT, AnswerType.AMOUNT, AnswerType.DATE, AnswerType.DURATION})


_MONTHS = MONTH_PATTERN
# "one of the main issues" picks out a member, it counts nothing
_NUMBER_WORDS = number_words_pattern()
_ORDINALS = "|".join(ORDINALS)
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
    # "what is the average caseload?" wants a figure as much as "how many" does
    (re.compile(r"\bhow many\b|(?<!a )(?<!small )(?<!large )\bnumber of\b|\b(?:what|which)(?:'s| is| was| are| were)? (?:the )?(?:average|mean|median|typical|total)\b|\b(?:average|mean) (?:number|caseload|case load|size|time|wait)\b", re.I), AnswerType.COUNT),
    (re.compile(r"\bhow much\b", re.I), AnswerType.AMOUNT),
    # "When risk goes up, is a meeting held?" is a yes/no question with a condition, not a date question
    (re.compile(r"^\s*when\b(?![^?]*,\s*(?:is|are|do|does|did|was|were|has|have|will|should)\b)|\bwhat (?:date|day|month|year)\b|\bwhich (?:date|day|month|year)\b|\bwhen (?:was|were|did|is|will)\b", re.I), AnswerType.DATE),
]


# Asked before the figure patterns: "how much money", "what salary" want money, not any amount.
_MONEY_QUESTION = re.compile(r"\b(?:how much (?:money|funding|cash)|salary|salaries|paid|pay|wages?|budget|cost|costs|spend|spent|funding|invest(?:ed|ment)?|cut from)\b", re.I)
_PERCENT_QUESTION = re.compile(r"\b(?:what|which) (?:percentage|proportion|share|rate)\b|\bturnover rate\b|\bper ?cent(?:age)?\b", re.I)
_KIND_QUESTIONS = [
    (re.compile(r"\b(?:what|which) (?:overall |final |new |latest )?(?:grade|judgement|judgment|rating|rated|verdict)\b|\bwhat was (?:it|\w+) (?:rated|judged|graded)\b|\bgraded\b", re.I), AnswerType.GRADE),
    (re.compile(r"\bname of\b|\bwhat(?:'s| is|s)? (?:his|her|their|the) names?\b|^\s*who(?:'s| is| was)? (?:the |a )?(?:head|chair|leader|director|inspector|hmi|manager|mp|recruiter|author)\b|^\s*who (?:chairs|chaired|leads|led|heads|headed|replaced|wrote|runs|ran)\b|\bwhich (?:\w+ )?(?:inspectors?|hmi|person|people|officer|director|manager|councillor|mp|recruiter|social worker)\b", re.I), AnswerType.PERSON),
    (re.compile(r"^\s*(?:who|whom|whose)\b|\bwho (?:was|is|were|are) (?:responsible|in charge|blamed)\b", re.I), AnswerType.WHO),
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


def holds_answer_type(sentence: str, answer_type: AnswerType, not_names: frozenset[str] = frozenset()) -> bool:
    """Whether `sentence` holds a fact of the kind asked for; `not_names` are capitalised words that name the corpus's
    own subject (found from the index: index.answer.features.corpus_subjects), never the person or body asked for."""
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
        return names_person(sentence, not_names)
    if answer_type is AnswerType.PLACE:
        return names_body(sentence)
    if answer_type is AnswerType.WHO:
        return names_person(sentence, not_names) or names_body(sentence)
    return True  # places, reasons, lists, yes/no and descriptions: any statement may answer


_CURRENCY = re.compile(r"[£$€]\s?\d|\b\d[\d,.]*\s?(?:pounds|million|billion|k)\b|\bpounds\b", re.I)
_PERCENTAGE = re.compile(r"\d\s?(?:per ?cent|%)|\b(?:half|quarter|third|most|majority|minority)\b", re.I)
# "which police force?" is answered by a named body or place ("West Yorkshire Police"), not by "the police"
_CAPITALISED = re.compile(r"(?<=[a-z,;:(] )[A-Z][A-Za-z]+")
_NOT_PLACES = frozenset(
    "Her His Majesty Majesty's Inspector Inspectors Cabinet Councillor Council Corporate Director Chief Executive Children "
    "Children's Service Services Social Care MP Mr Mrs Ms Dr Cllr".split()
)
_GRADE = re.compile(r"\b(?:outstanding|good|requires? improvement|inadequate)\b", re.I)
_TITLED = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Dr|Cllr|Councillor|Sir|Dame|Professor)\.?\s+[A-Z][a-z]+")
# two capitalised words, not at the start of the sentence: "Lisa Summers", "Beate Wagner"
_TWO_NAMES = re.compile(r"(?<=[a-z,;:] )([A-Z][a-z]+(?:[A-Z][a-z]+)?) ([A-Z][a-z]+(?:[A-Z][a-z]+)?)\b")
# words capitalised as parts of a body's or a post's title, never of a person's name (English, not this corpus)
_TITLE_WORDS = frozenset(
    "Her His The Children Children's Social Local Council Service Services Corporate Chief Majesty Care Authority Partnership "
    "Board Team Director Executive Cabinet Member Young People Safeguarding Department Education Health".split()
)


def names_person(sentence: str, not_names: frozenset[str] = frozenset()) -> bool:
    """A titled name ("Ms Beate Wagner") or two capitalised words that are neither a title's nor the corpus's own subject."""
    if _TITLED.search(sentence):
        return True
    excluded = _TITLE_WORDS | not_names
    return any(a not in excluded and b not in excluded for a, b in _TWO_NAMES.findall(sentence))


def names_body(sentence: str) -> bool:
    """A capitalised name inside the sentence that is not a title word: "West Yorkshire Police", "the DfE". The corpus's
    own subject counts ("Which council was judged inadequate?" is answered by "Wakefield")."""
    return any(m.group() not in _NOT_PLACES for m in _CAPITALISED.finditer(sentence))
