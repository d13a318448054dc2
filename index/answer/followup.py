"""Follow-up questions: decide whether a question refers back to the conversation, and if so what to search.

Rule-based and pure (no model, no index): `resolve(question, history)` -> `Resolution`. Three cases count
as referring back, as staff write them:

- a pronoun or demonstrative with nothing in the question it can point at ("who carried it out",
  "that letter", "the same visit", "the inadequate one");
- ellipsis: a question that leans on the one before ("and in 2021?", "what about care leavers?",
  "appointed by who");
- a comparison with the last answer ("was that better than before?", "has it improved since?").

A question with none of these is searched exactly as asked, whatever came before. A follow-up is
rewritten only with words from the conversation: the earlier question's frame with one slot swapped
(its topic, its year, its source) when the follow-up is a fragment filling that slot, otherwise the
follow-up as asked with the earlier question's phrases carried beside it in brackets. "That letter"
and its kind also narrow the search to the document the previous answer cited first.

Earlier turns are resolved in order, so a chain ("who led it?" after "and in 2021?") carries what
the turns before it resolved to. Nothing is kept between calls.

The constraint-like extraction here (years, names, source and topic phrases) is this module's own;
`phrases` is the seam where a shared constraint extractor (query.py's `Query.constraints`) can take over.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from index.english import MONTHS

MAX_TURNS = 10  # earlier turns a caller may send
_MAX_CARRIED_WORDS = 14  # keeps a long chain from swamping the follow-up's own words

_WORD = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)*(?:-[A-Za-z0-9]+)*")
_YEAR = re.compile(r"^(19|20)\d\d$")
_MONTHS = frozenset(MONTHS)

# Words that say nothing about what is asked: question words, auxiliaries, pronouns, prepositions, and
# the verbs every question about a report uses. Grouping the remaining words gives a question's phrases.
_FUNCTION = frozenset(
    """
    a an the and or but so also then than as if of in on at by to for from with without into onto over under about
    regarding after before since between during until up out off there here again else any anything some something
    what whats what's who whom whose when where why how which whether
    is are was were be been being am do does did done doing has have had having will would shall should can could may
    might must not no yes
    it its it's they them their theirs he him his she her hers we us our you your i me my this that these those
    same one ones such other another more most much many very just still only even
    say says said saying tell tells told find finds found mention mentions mentioned think thinks thought talk
    talked look looked like get got give gave go went come came happen happened happens make made
    """.split()
)
_PRONOUNS_IT = frozenset({"it", "its", "it's"})
_PRONOUNS_PLURAL = frozenset({"they", "them", "their", "theirs"})
_PRONOUNS_PERSON = frozenset({"he", "him", "his", "she", "her", "hers"})
_DEMONSTRATIVES = frozenset({"that", "this", "those", "these"})
# after these, "that" is the conjunction or relative pronoun ("said that", "the inspection that judged")
_THAT_POINTS_AFTER = frozenset(
    "is are was were about after before than in on of from since to did does do how so and with like by at for "
    "into between then what when why where will would can could has have had should".split()
)
_LEADS = (("what", "about"), ("how", "about"), ("and", "what", "about"), ("and", "how", "about"), ("and",), ("so",), ("also",), ("but",))
_COMPARE = frozenset(
    "better worse improvement improvements improved improve improving drop dropped fall fell rise rose higher lower "
    "slower faster quicker more less same different compare compared comparison change changed changes worse".split()
)
_ROLES = frozenset(
    "director commissioner leader councillor coun cllr inspector minister mp chair chief executive manager mayor "
    "secretary officer head member".split()
)
# nouns that name where something was said (a document) or the event it reports (an inspection)
_SOURCE_NOUNS = frozenset("letter letters report reports article articles blog post story piece statement express document".split())
_EVENT_NOUNS = frozenset("inspection inspections visit visits".split())
_DOCUMENT_REFS = frozenset("letter report article blog post story piece document".split())


@dataclass(frozen=True)
class Turn:
    """One earlier turn, as the caller sends it."""

    question: str
    answer: str = ""
    cited_doc_ids: tuple[str, ...] = ()  # in citation order


@dataclass(frozen=True)
class Resolution:
    """What to search for a question asked after `history`."""

    searched_for: str  # equals the question when it stood alone
    doc_ids: tuple[str, ...] = ()  # narrow the search to these documents ("that letter"); empty: no narrowing
    why: str = ""  # what referred back and what was brought in; empty when the question stood alone

    @property
    def rewritten(self) -> bool:
        return bool(self.why)


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


def _low(word: str) -> str:
    return word.lower().replace("’", "'")


def _is_year(word: str) -> bool:
    return bool(_YEAR.match(word))


def _content(word: str) -> bool:
    return _low(word) not in _FUNCTION


# ---- does the question refer back? -----------------------------------------------------------


def _lead(words: list[str]) -> tuple[str, ...] | None:
    low = [_low(w) for w in words]
    for lead in _LEADS:
        if tuple(low[: len(lead)]) == lead and len(low) > len(lead):
            return lead
    return None


def _person_antecedent(words: list[str], upto: int) -> bool:
    """A name, a role or two content words in a row before position `upto` ("what did peter dwyer do before he ...")."""
    before = words[:upto]
    if any(w[:1].isupper() and i > 0 and _content(w) for i, w in enumerate(before)):
        return True
    if any(_low(w) in _ROLES for w in before):
        return True
    return any(_content(a) and _content(b) and not _is_year(a) and not _is_year(b) for a, b in zip(before, before[1:]))


def _named_before(words: list[str], upto: int) -> bool:
    """A capitalised word (not the first) before position `upto`: "is Wakefield improving its services"."""
    return any(w[:1].isupper() and i > 0 and _content(w) and not _is_year(w) for i, w in enumerate(words[:upto]))


def _plural_antecedent(words: list[str], upto: int) -> bool:
    """A plural noun or a body before position `upto` ("children taking part in their reviews")."""
    for w in words[:upto]:
        low = _low(w)
        if _content(w) and (low.endswith("s") and not low.endswith("ss") or low in {"children", "people", "staff", "police", "ofsted", "council"}):
            return True
    return False


def references(question: str) -> list[str]:
    """The words by which `question` refers back, in order; empty when it stands alone."""
    words = _words(question)
    low = [_low(w) for w in words]
    found: list[str] = []
    lead = _lead(words)
    if lead:
        found.append(" ".join(lead))
    for i, w in enumerate(low):
        prev = low[i - 1] if i else None
        nxt = low[i + 1] if i + 1 < len(low) else None
        # a pronoun after three content words of the question's own most likely points at them
        bound = sum(1 for x in words[:i] if _content(x)) >= 3
        if w in _PRONOUNS_IT and not bound and not _named_before(words, i):
            found.append(words[i])
        elif w in _PRONOUNS_PLURAL and not bound and not _plural_antecedent(words, i):
            found.append(words[i])
        elif w in _PRONOUNS_PERSON and not bound and not _person_antecedent(words, i):
            found.append(words[i])
        elif w in _DEMONSTRATIVES and (prev is None or prev in _THAT_POINTS_AFTER):
            found.append(" ".join(words[i : i + 2]) if nxt and _content(words[i + 1]) else words[i])
        elif w == "same" and prev == "the":
            found.append("the same")
        elif w in {"one", "ones"} and not bound and "the" in low[max(0, i - 2) : i] and nxt != "of":
            found.append(" ".join(words[max(0, i - 2) : i + 1]))
        elif w in {"then", "since", "before"} and (nxt is None or prev in {"since", "before", "by", "than", "and", "between"}):
            found.append(" ".join(words[i - 1 : i + 1]) if prev in {"than", "since", "by"} else words[i])
        elif w in {"article", "letter", "report", "blog"} and prev == "the" and i >= 2 and low[i - 2] in {"wrote", "in", "from", "of"} and (nxt is None):
            found.append(f"the {words[i]}")  # "who wrote the article?": which article is the one just cited
    if not found and words and _is_fragment(words):
        found.append("(no subject of its own)")
    return found


def _is_fragment(words: list[str]) -> bool:
    """Too little of its own to search: at most two content words, none a name or a year ("appointed by who", "what month?")."""
    content = [w for w in words if _content(w)]
    if len(content) > 2:
        return False
    return not any(_is_year(w) or (w[:1].isupper() and i > 0) for i, w in enumerate(words) if _content(w))


def _is_comparison(words: list[str], refs: list[str]) -> bool:
    low = {_low(w) for w in words}
    return bool(low & _COMPARE) and bool(refs)


# ---- what the earlier turn was about -----------------------------------------------------------


def phrases(text: str) -> list[str]:
    """Runs of content words in `text`, in order ("What did the 2019 monitoring visit find about neglect?" ->
    ["2019 monitoring visit", "neglect"]). The seam for a shared constraint extractor."""
    out = []
    for segment in re.split(r"[()\[\];:,.?!]", text):  # a phrase never runs across punctuation
        run: list[str] = []
        for w in _words(segment) + [""]:
            if w and _content(w):
                run.append(w)
            elif run:
                out.append(" ".join(run))
                run = []
    return out


def _span(words: list[str], text: str, start: int, end: int) -> tuple[int, int]:
    """Character span in `text` of words[start:end] (the words were found in order by _WORD)."""
    positions = [m.span() for m in _WORD.finditer(text)]
    return positions[start][0], positions[end - 1][1]


def _year_spans(words: list[str]) -> list[tuple[int, int]]:
    """Word ranges of each year with its preposition, article and month ("in the 2018", "by october 2019")."""
    spans = []
    low = [_low(w) for w in words]
    for i, w in enumerate(low):
        if not _is_year(w):
            continue
        start = i
        if start and low[start - 1] in _MONTHS:
            start -= 1
        if start and low[start - 1] == "the":
            start -= 1
        if start and low[start - 1] in {"in", "by", "from", "during", "since", "for", "of"}:
            start -= 1
        spans.append((start, i + 1))
    return spans


def _source_span(words: list[str]) -> tuple[int, int] | None:
    """Word range of the first "the ... letter/article/blog/report" phrase, e.g. "the Children First article"."""
    low = [_low(w) for w in words]
    for i, w in enumerate(low):
        if w in _SOURCE_NOUNS:
            start = i
            while start > 0 and low[start - 1] != "the" and _content(words[start - 1]) and i - start < 4:
                start -= 1
            if start > 0 and low[start - 1] == "the":
                return start - 1, i + 1
            return None
    return None


def _topic_start(words: list[str]) -> int | None:
    """Index of the first word of the earlier question's topic: after its last "about", or after "who is"."""
    low = [_low(w) for w in words]
    for i in range(len(low) - 1, -1, -1):
        if low[i] in {"about", "regarding"} and i + 1 < len(low):
            return i + 1
    if len(low) > 2 and low[0] in {"who", "what"} and low[1] in {"is", "was", "are", "were"}:
        return 2
    if "happened" in low and low.index("happened") + 1 < len(low) and low[low.index("happened") + 1] == "to":
        return low.index("happened") + 2
    return None


def _strip_lead(question: str) -> str:
    words = _words(question)
    lead = _lead(words)
    if not lead:
        return question.strip()
    _, end = _span(words, question, 0, len(lead))  # everything after the lead words, punctuation and all
    return question[end:].strip(" ,")


def _swap(text: str, span: tuple[int, int], new: str) -> str:
    words = _words(text)
    a, b = _span(words, text, *span)
    return (text[:a] + new + text[b:]).strip()


def _main_part(text: str) -> str:
    """An earlier resolved question without the bracketed context it carried."""
    return re.sub(r"\s*\([^()]*\)\s*$", "", text).strip()


def _fill_slot(fragment: str, previous: str) -> tuple[str, str] | None:
    """The earlier question with one slot swapped for `fragment`, when `fragment` is only a topic, a year or a source."""
    words = _words(fragment)
    if not words or any(_low(w) in {"what", "whats", "what's", "who", "when", "where", "why", "how", "which", "is", "was", "did", "does", "do", "has"} for w in words):
        return None  # a question of its own ("and what did the audits show"): nothing to slot in
    if any(_low(w) in _PRONOUNS_IT | _PRONOUNS_PLURAL | _PRONOUNS_PERSON | _DEMONSTRATIVES for w in words):
        return None
    base = _main_part(previous)
    base_words = _words(base)
    content = [w for w in words if _content(w)]
    years = [w for w in words if _is_year(w)]
    prev_years = _year_spans(base_words)
    names_source = any(_low(w) in _SOURCE_NOUNS for w in words)
    if years and prev_years and all(_is_year(w) or _low(w) in _EVENT_NOUNS | _MONTHS | {"monitoring", "focused"} for w in content):
        # "and in 2021?", "and by the 2019 monitoring visit?": the same question about another time
        if all(_is_year(w) or _low(w) in _MONTHS for w in content):  # only a time: swap it, keep "the ... visit" around it
            start, end = prev_years[-1]
            while start < end and not (_is_year(base_words[start]) or _low(base_words[start]) in _MONTHS):
                start += 1
            return _swap(base, (start, end), " ".join(content)), "the year"
        return _swap(base, prev_years[-1], fragment.rstrip("?. ")), "the year"
    if names_source and not years and (span := _source_span(base_words)):
        # "and the recruiter blog?": the same question put to another source
        return _swap(base, span, fragment.rstrip("?. ")), "the source"
    start = _topic_start(base_words)
    if start is None:
        return None
    new = base[: _span(base_words, base, start, start + 1)[0]] + fragment.rstrip("?. ")
    if years:  # the fragment names its own time: the earlier one goes
        head_words = _words(base[: _span(base_words, base, start, start + 1)[0]])
        for span in reversed(_year_spans(head_words)):
            new = _swap(new, span, "")
        new = re.sub(r"\s{2,}", " ", new)
    return new.rstrip() + "?", "the topic"


# ---- resolution ----------------------------------------------------------------------------------


def _carried(previous: str, question: str, keep_years: bool) -> list[str]:
    """The earlier question's phrases the follow-up lacks, most recent last, within the word budget."""
    own = {_low(w) for w in _words(question)}
    own_years = any(_is_year(w) for w in _words(question))
    out = []
    for phrase in phrases(previous):
        words = [w for w in phrase.split() if keep_years or not own_years or not _is_year(w)]
        words = [w for w in words if _low(w) not in own]
        if words and not all(_low(w) in _MONTHS | _COMPARE for w in words):
            out.append(" ".join(words))
    seen, unique = set(), []
    for p in out:
        if _low(p) not in seen:
            seen.add(_low(p))
            unique.append(p)
    budget, kept = _MAX_CARRIED_WORDS, []
    for p in reversed(unique):  # the latest context first: earlier turns' phrases come in at the end
        n = len(p.split())
        if n > budget:
            break
        kept.insert(0, p)
        budget -= n
    return kept


# capitalised English words that begin bodies, not people; the corpus's own places and bodies ("Wakefield") come from
# the index (`not_people`: index.answer.features.corpus_subjects), never from a list here
_NOT_PEOPLE = frozenset("council children send labour conservative county hall".split())


def latest_name(texts: Sequence[str], not_people: frozenset[str] = frozenset()) -> str | None:
    """The most recent person's name in `texts` (two or more capitalised words in a row, not a source or a body;
    `not_people`: lower-case words that name the corpus's own subject): what "he" or "she" points at, even past a
    question about something else."""
    for text in reversed(texts):
        words = _words(text)
        runs: list[list[str]] = []
        for i, w in enumerate(words):
            capital = i > 0 and w[:1].isupper() and _content(w) and not _is_year(w)
            if capital and runs and runs[-1] and words[i - 1] is runs[-1][-1]:
                runs[-1].append(w)
            elif capital:
                runs.append([w])
        names = [r for r in runs if len(r) >= 2 and not any(_low(w) in _SOURCE_NOUNS | _NOT_PEOPLE | not_people for w in r)]
        if names:
            return " ".join(names[-1])
    return None


def _narrowing(question: str, previous: Turn | None) -> tuple[str, ...]:
    """ "that letter", "the same report", "who wrote the article?": the document the previous answer cited first."""
    if previous is None or not previous.cited_doc_ids:
        return ()
    low = [_low(w) for w in _words(question)]
    for i, w in enumerate(low):
        if w in _DOCUMENT_REFS and i and (low[i - 1] in {"that", "this", "same"} or (low[i - 1] == "the" and i + 1 == len(low))):
            return (previous.cited_doc_ids[0],)
    return ()


def resolve(question: str, history: Sequence[Turn], not_people: frozenset[str] = frozenset()) -> Resolution:
    """What to search for `question` asked after `history` (oldest first); `not_people` as for `latest_name`."""
    return _resolve(question.strip(), history, _resolved_text(history, not_people), not_people)


def _resolve(question: str, history: Sequence[Turn], resolved_before: list[str], not_people: frozenset[str] = frozenset()) -> Resolution:
    if not history:
        return Resolution(question)
    refs = references(question)
    if not refs:
        return Resolution(question)
    previous = resolved_before[-1]
    doc_ids = _narrowing(question, history[-1])
    said = ", ".join(f"'{r}'" for r in refs)
    if _lead(_words(question)) and not _is_comparison(_words(question), refs[1:]):
        filled = _fill_slot(_strip_lead(question), previous)
        if filled:
            text, slot = filled
            return Resolution(text, doc_ids, f"refers back ({said}): the previous question with {slot} changed")
    elif refs == ["(no subject of its own)"]:
        filled = None if _low(_words(question)[0]) in {"who", "what", "whats", "when", "where", "how", "why", "which"} else _fill_slot(question, previous)
        if filled:
            text, slot = filled
            return Resolution(text, doc_ids, f"refers back (no subject of its own): the previous question with {slot} changed")
    person = {_low(r) for r in refs} <= _PRONOUNS_PERSON and latest_name([t.question for t in history], not_people)
    if person and _low(person) not in question.lower():
        carried = [person]  # "why did he leave?": the last person named, even before a turn about something else
    else:
        comparison = _is_comparison(_words(question), refs)
        # a comparison is with what came before the last answer too ("so that was a drop?" after 2016, then 2018)
        context = " ; ".join(resolved_before[-2:]) if comparison else previous
        carried = _carried(context, question, keep_years=comparison)
    if not carried:
        if doc_ids:
            return Resolution(question, doc_ids, f"refers back ({said}): searched in the document the last answer cited first")
        return Resolution(question)
    text = f"{question.rstrip()} ({'; '.join(carried)})"
    return Resolution(text, doc_ids, f"refers back ({said}): brought in {'; '.join(carried)} from the conversation")


def _resolved_text(history: Sequence[Turn], not_people: frozenset[str] = frozenset()) -> list[str]:
    """Each earlier turn as it was searched, each resolved against the turns before it."""
    out: list[str] = []
    for i, turn in enumerate(history):
        out.append(_resolve(turn.question.strip(), history[:i], out[:i], not_people).searched_for)
    return out
