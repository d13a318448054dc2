"""What a question makes part of what it asks: the names, dates, figures and specific terms an answer must cover.

"Which HMI led the November 2021 re-inspection?" is not answered by a sentence about the 2019
visit, however close its wording: "November", "2021" and "HMI" are constraints. Everyday words are
not ("Were the kids okay?", "Who got blamed?"): a word is a constraint only when the question
writes it as a name (capitalised after the first word, or in capitals), when English rarely uses
it (wordfreq's Zipf frequency), or when it is a year, a month or a figure. Pure functions; the
corpus's own subject ("Wakefield", "Ofsted" in most passages) is dropped by the caller, which
knows the index.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from functools import lru_cache

from index.english import MONTHS, ORDINALS
from index.build.lexical import token_set, tokenize

# Below this Zipf frequency (about once per 10 million words) a lower-case word is a specific term
# ("camhs", "kirklees", "surestart"), above it an everyday word ("kids" 5.3, "blamed" 3.9) or a
# common misspelling ("werent" 2.9, "recieved" 2.8).
RARE_ZIPF = 2.5
# A capitalised first word is a name only when it is this rare ("Ofsted told ...", not "Which ...").
FIRST_WORD_ZIPF = 3.5

_ORDINALS = frozenset(ORDINALS)
# words capitalised for grammar or habit, never a name
_NOT_NAMES = frozenset({"i", "i'm", "i've", "i'd", "ok", "okay", "mr", "mrs", "ms", "dr", "cllr", "councillor", "sir", "dame"})
_WORD = re.compile(r"[A-Za-z][A-Za-z'’\-]*[A-Za-z]|[A-Za-z]|\d[\d,./]*\d|\d")
_FIGURE = re.compile(r"\d[\d,./]*\d|\d")


class ConstraintKind(str, enum.Enum):
    NAME = "name"  # a person, place, body or named thing
    YEAR = "year"
    MONTH = "month"
    NUMBER = "number"  # a figure or an ordinal ("72 hours", "the third visit")
    TERM = "term"  # a rare word the question makes part of what it asks


@dataclass(frozen=True)
class Constraint:
    text: str  # as the question writes it, for the abstention sentence
    kind: ConstraintKind
    tokens: tuple[str, ...]  # what a sentence must hold: stemmed words (tokenize) or the figure itself


@lru_cache(maxsize=50_000)
def zipf(word: str) -> float:
    from wordfreq import zipf_frequency  # bundled word lists, no download

    return zipf_frequency(word, "en")


def _bare(word: str) -> str:
    word = word.replace("’", "'")
    return word[:-2] if word.lower().endswith("'s") else word.rstrip("'")


def _kind(word: str, first: bool) -> ConstraintKind | None:
    low = word.lower()
    if re.fullmatch(r"(?:19|20)\d\d", word):
        return ConstraintKind.YEAR
    if word[0].isdigit():
        return ConstraintKind.NUMBER
    if low in MONTHS and (low != "may" or word[0].isupper()):
        return ConstraintKind.MONTH
    if low in _ORDINALS:
        return ConstraintKind.NUMBER
    if low in _NOT_NAMES or not tokenize(word):  # a stop word is never a constraint
        return None
    if len(word) > 1 and word.isupper():
        return ConstraintKind.NAME  # "HMI", "MASH", "SEND"
    if word[0].isupper() and (not first or zipf(low) < FIRST_WORD_ZIPF):
        return ConstraintKind.NAME
    if zipf(low) < RARE_ZIPF:
        return ConstraintKind.TERM
    return None


def question_constraints(question: str) -> tuple[Constraint, ...]:
    """The constraints of `question`, in order; consecutive name words form one ("Peter Box")."""
    found: list[Constraint] = []
    previous_end, previous_name = -2, False
    for i, match in enumerate(_WORD.finditer(question)):
        word = _bare(match.group())
        kind = _kind(word, first=i == 0) if word else None
        if kind is None:
            previous_name = False
            continue
        tokens = tuple(tokenize(word)) if kind in (ConstraintKind.NAME, ConstraintKind.TERM, ConstraintKind.MONTH) else (word.lower().replace(",", ""),)
        adjacent = question[previous_end : match.start()].strip() == ""
        if kind is ConstraintKind.NAME and previous_name and adjacent:
            last = found.pop()
            found.append(Constraint(f"{last.text} {word}", kind, last.tokens + tokens))
        elif tokens and all(c.tokens != tokens for c in found):
            found.append(Constraint(word, kind, tokens))
        previous_end, previous_name = match.end(), kind is ConstraintKind.NAME
    return tuple(found)


@lru_cache(maxsize=100_000)  # the same sentences are checked question after question
def text_terms(text: str) -> frozenset[str]:
    """What a text offers to cover constraints: its stemmed words and its figures as written."""
    return token_set(text) | figures_written(text) | (set(re.findall(r"[a-z]+", text.lower())) & _ORDINALS)


def figures_written(text: str) -> set[str]:
    """The figures of `text` as written, thousands commas dropped: the numbers `_WORD` finds (a letter run never
    holds a digit, so the digit runs alone are the same matches)."""
    return {m.replace(",", "") for m in _FIGURE.findall(text)}


def covered(constraint: Constraint, terms: frozenset[str]) -> bool:
    return all(t in terms for t in constraint.tokens)


_SKIPPED_IN_INITIALS = frozenset({"of", "and", "the", "for", "&", "in", "on"})


def initialisms(text: str, longest: int = 6) -> frozenset[str]:
    """Every initialism of a run of 2..`longest` words in `text`, small words skipped: "director of children's
    services" gives "dcs", "social workers" gives "sw". An acronym a question uses is known when the text spells it out."""
    words = [w for w in re.findall(r"[a-z][a-z'’\-]*", text.lower()) if w not in _SKIPPED_IN_INITIALS]
    found = set()
    for i in range(len(words)):
        for n in range(2, longest + 1):
            if i + n <= len(words):
                found.add("".join(w[0] for w in words[i : i + n]))
    return frozenset(found)


def acronym_key(word: str) -> str:
    """"SWs" -> "sw", "CAMHS" -> "camhs": the letters an initialism must spell."""
    return word[:-1].lower() if len(word) > 2 and word.endswith("s") and word[:-1].isupper() else word.lower()


def is_acronym(word: str) -> bool:
    return len(word) > 1 and acronym_key(word).upper() == (word[:-1] if word.endswith("s") and word[:-1].isupper() else word)
