"""Dated and numbered claims in a sentence: what date or figure it states, and which event or measure
that value is about, as a short key made from the sentence's own words.

Pure: text and a document date in, frozen `Claim`s out. The builder runs it on every sentence at build
time and the store writes the result as arrays (index/build/claim_table.py); conflict detection (index/answer/conflicts.py)
and the timeline read it back.

Dates come at four grains: year ("2018"), season ("summer of 2018": June-August), month ("July 2018")
and day ("9 and 10 October 2019", a day range). Relative forms are resolved against a date:
- in a DATED document, against its publication date: a bare month ("in February", "November 8") is
  the latest such month on or before the publication month; "last November" the one before that
  when the document is itself from November; "this year", "last year", "three years ago" count
  back from its year.
- in an UNDATED document nothing is guessed from outside it. The latest fully stated month in the
  document (e.g. "April 2017") stands in for its date, on the rule that a text is written after the
  things it reports: a bare month becomes the first such month AFTER that latest stated month
  ("in February" after "April 2017" -> February 2018), and the claim is marked `inferred` (shown as
  "February (2018)"). Where the document states no month with a year, relative dates stay
  unresolved: they are kept, with no year, and never take part in a conflict or the timeline.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass

from index.english import MONTH_NUMBERS
from index.english import NUMBER_WORDS as ENGLISH_NUMBER_WORDS

# Raised whenever the extraction rules change what they extract: an index built with other rules is out of date.
RULES_VERSION = 3  # 3: figures keyed by the words of their clause, with a period, and bare figures ("is 21")

MONTHS = dict(MONTH_NUMBERS)
MONTHS.update({m[:3]: i for m, i in list(MONTHS.items())} | {"sept": 9})
MONTH_NAMES = ["", "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
# UK seasons, as the month ranges they cover
SEASONS = {"spring": (3, 5), "summer": (6, 8), "autumn": (9, 11), "winter": (12, 12)}
NUMBER_WORDS = {w: n for w, n in ENGLISH_NUMBER_WORDS.items() if n <= 20}

# Event and measure words, with the key they are filed under. Ordered longest first so "focused visit"
# is found before "visit". These are the words Ofsted material and reporting on it use for its events
# and judgements; nothing here is specific to one council.
EVENT_TERMS: list[tuple[str, str]] = [
    (r"focus(?:ed|sed) visits?", "focused visit"),
    (r"monitoring visits?", "monitoring visit"),
    (r"joint targeted area inspections?|jtai", "joint targeted area inspection"),
    (r"(?:local area )?send inspections?", "send inspection"),
    (r"re-?inspect(?:ion|ed|s)?", "re-inspection"),
    (r"inspect(?:ion|ions|ed|s)?", "inspection"),
    (r"visit(?:s|ed)?", "visit"),
    (r"(?:judged |rated |found |classed as |deemed )?inadequate", "judged inadequate"),
    (r"requires? improvement|required improvement|requiring improvement", "judged requires improvement"),
    (r"(?:judged|rated|found) (?:to be )?outstanding", "judged outstanding"),
    (r"(?:judged|rated|found) (?:to be )?good", "judged good"),
    (r"audits?", "audit"),
    (r"letters?", "letter"),
    (r"appoint(?:ed|ment)", "appointment"),
    (r"(?:had )?left|resign(?:ed|ation)|depart(?:ed|ure)", "departure"),
    (r"vacan(?:t|cy|cies)", "vacancy"),
    (r"caseloads?", "caseload"),
    (r"referrals?", "referrals"),
]
EVENT_KEYS = frozenset(key for _, key in EVENT_TERMS)  # keys from the vocabulary, not a fallback word
_EVENT_RES = [(re.compile(rf"\b(?:{pattern})\b", re.IGNORECASE), key) for pattern, key in EVENT_TERMS]
# Keys that are a kind of another: "focused visit" is a visit; a judgement is given at an inspection.
KEY_FAMILY = {
    "focused visit": "visit",
    "monitoring visit": "visit",
    "joint targeted area inspection": "inspection",
    "send inspection": "inspection",
    "re-inspection": "inspection",
    "judged inadequate": "inspection",
    "judged requires improvement": "inspection",
    "judged good": "inspection",
    "judged outstanding": "inspection",
}

STOPWORDS = frozenset(
    "a an the and or but of in on at to for from by with since after before during until as is was were be been being has have had "
    "this that these those it its their there then than which who whom whose what when where how our we they he she his her them "
    "into over under about around nearly almost more less most least some all any each every other another not no so also only "
    "last latest next recent recently year years month months week weeks day days ago early late mid end start beginning".split()
)

_M = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
_Y = r"(?:19[5-9]\d|20[0-4]\d)"
_D = r"(?:[0-3]?\d)(?:st|nd|rd|th)?"
# most specific first; each match consumes its text so a later pattern does not see it again
_DATE_RES: list[tuple[str, re.Pattern]] = [
    ("dmy", re.compile(rf"\b(?P<d1>{_D})(?:\s*(?:-|–|and|to)\s*(?P<d2>{_D}))?\s+(?P<m>{_M})\.?,?\s+(?P<y>{_Y})\b", re.I)),
    ("mdy", re.compile(rf"\b(?P<m>{_M})\.?\s+(?P<d1>{_D})(?:\s*(?:-|–|and|to)\s*(?P<d2>{_D}))?,?\s+(?P<y>{_Y})\b", re.I)),
    ("my", re.compile(rf"\b(?P<m>{_M})\.?,?\s+(?:of\s+)?(?P<y>{_Y})\b", re.I)),
    ("sy", re.compile(rf"\b(?P<s>spring|summer|autumn|winter)\s+(?:of\s+)?(?P<y>{_Y})\b", re.I)),
    ("dm", re.compile(rf"\b(?P<d1>{_D})(?:\s*(?:-|–|and|to)\s*(?P<d2>{_D}))?\s+(?P<m>{_M})\b(?!\s*\d)", re.I)),
    ("md", re.compile(rf"\b(?P<m>{_M})\s+(?P<d1>[0-3]?\d)(?:st|nd|rd|th)?\b(?!\s*(?:\d|,\s*\d))", re.I)),
    ("rel_m", re.compile(rf"\b(?P<rel>in|last|this|since|during|until|by|from|early|late|mid-?)\s+(?P<m>{_M})\b(?!\s*\d)", re.I)),
    ("y", re.compile(rf"(?<![\d£$.,/:-])\b(?P<y>{_Y})\b(?![\d%/:-]|\.\d|\s*(?:per ?cent|percent))", re.I)),
    ("rel_y", re.compile(r"\b(?:(?P<n>\d+|one|two|three|four|five|six|seven|eight|nine|ten) years? ago|(?P<this>this|last) year)\b", re.I)),
]
# Month words that are ordinary words too, or abbreviations: a month only when capitalised.
_AMBIGUOUS_MONTHS = {"may", "march", "mar", "jan", "feb", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"}

_APPROX = re.compile(r"\b(?:around|about|approximately|nearly|almost|roughly|some|over|more than|fewer than|less than|up to|at least|just under|just over|circa|c\.)\s*$", re.I)
_FIGURE_RE = re.compile(
    r"(?P<money>£\s?\d[\d,]*(?:\.\d+)?\s?(?:m|bn|k|million|billion)?\b)"
    r"|(?P<pct>\b\d+(?:\.\d+)?\s?(?:%|per ?cent\b|percent\b))"
    r"|(?P<count>(?<![\d:/£.-])\b(?:\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?|"
    + "|".join(w for w in NUMBER_WORDS if NUMBER_WORDS[w] >= 2)
    + r")\b(?:-| )(?=[a-z'‘’\"“”])(?P<unit>))",
    re.I,
)
# a figure closing its clause after a verb or "to": "The average caseload of personal advisers is 21."
_BARE_FIGURE = re.compile(
    r"\b(?:is|was|were|are|at|to|of|reached|totall?ed|stands? at|stood at)\s+(?:about\s+|around\s+)?"
    r"(?P<n>(?<![\d£$.,/:-])(?:\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?))(?=\s*(?:[.,;:)]|$|\s(?:and|but|which|this|last|in|on)\b))",
    re.I,
)
# the words of a figure's clause that name its measure: not these, nor a name in capitals inside the clause
_MEASURE_STOP = STOPWORDS | frozenset(
    "now said says say according council councils local authority authority's inspectors inspector found find report letter published "
    "week its own us also still just make makes made up are has have had".split()
)
_CLAUSE_END = re.compile(r"[.;:!?,()\u201c\u201d\"]|\s(?:and|but|which|while|whereas|according|said|says)\s", re.I)
_LABEL_BEFORE = re.compile(r"\b(?:section|sections|regulation|paragraph|page|chapter|part|schedule|article|level|stage|year|tier|step|room|no\.?|number)\s*$", re.I)
_PHONE_LIKE = re.compile(r"\d[\d ]{6,}\d")
_TIME_UNITS = {"day", "week", "month", "year", "hour", "minute"}
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]+")


@dataclass(frozen=True)
class Claim:
    """One date or figure a sentence states, and what it is about."""

    sentence_id: int
    doc_id: str
    start: int  # the sentence, as offsets into the document's clean text
    end: int
    kind: str  # "date" | "figure"
    about: str  # normalised key of the event or measure ("" when the sentence names none)
    value: str  # as shown to a reader: "July 2018", "February (2018)", "10%", "66 cases"
    value_start: int  # the words that state the value, as document offsets
    value_end: int
    # dates: year, months lo..hi (season, single month, or both None at year grain), days lo..hi
    year: int | None = None
    month_lo: int | None = None
    month_hi: int | None = None
    day_lo: int | None = None
    day_hi: int | None = None
    grain: str = ""  # year | season | month | day (dates); count | percent | money (figures)
    resolved: str = "stated"  # stated | document-date | inferred | unresolved
    # figures
    number: float | None = None
    unit: str = ""
    approximate: bool = False

    def to_json(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_json(cls, row: dict) -> "Claim":
        return cls(**row)

    @property
    def sort_key(self) -> tuple:
        """Oldest first; a coarser date sorts before the finer ones inside it."""
        return (self.year or 0, self.month_lo or 0, self.day_lo or 0, self.month_hi or 0)


def _month(word: str) -> int:
    w = word.lower().rstrip(".")
    return MONTHS[w] if w in MONTHS else MONTHS[w[:3]]


def _day(text: str | None) -> int | None:
    return int(re.match(r"\d+", text).group()) if text else None


def reference_month(text: str, published: dt.date | None) -> tuple[int, int, str] | None:
    """(year, month, how) relative dates in this document are counted from: its publication date, or for an
    undated document the latest month it states with a year (see the module docstring); None when neither."""
    if published:
        return published.year, published.month, "document-date"
    latest = None
    for name in ("dmy", "mdy", "my"):
        for m in dict(_DATE_RES)[name].finditer(text):
            ym = (int(m["y"]), _month(m["m"]))
            latest = max(latest or ym, ym)
    return (latest[0], latest[1], "inferred") if latest else None


def _key_near(sentence: str, lo: int, hi: int, taken: list[tuple[int, int]]) -> str:
    """The event or measure a value at sentence[lo:hi] is about: the nearest event word in the sentence,
    else the nearest content word before it (so every key is made of the sentence's own words)."""
    best: tuple[int, int, str] | None = None
    for rx, key in _EVENT_RES:
        for m in rx.finditer(sentence):
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue
            gap = lo - m.end() if m.end() <= lo else m.start() - hi if m.start() >= hi else 0
            if gap < 0:
                continue
            # prefer the more specific term on a tie ("focused visit" over "visit")
            cand = (gap, -len(m.group()), key)
            if best is None or cand < best:
                best = cand
    if best is not None:
        return best[2]
    words = [(m.start(), m.group().lower()) for m in _WORD.finditer(sentence[:lo])]
    for _, w in reversed(words):
        if w not in STOPWORDS and w not in MONTHS and w not in SEASONS and len(w) > 3:
            return w
    return ""


def event_keys(text: str) -> set[str]:
    """The event keys a text names (a question: "when was the focused visit" -> {"focused visit"}), without a key
    that is only the family of another one named ("inspection" beside "judged inadequate")."""
    keys = set()
    taken: list[tuple[int, int]] = []
    for rx, key in _EVENT_RES:  # longest terms first: "focused visit" takes its words before "visit"
        for m in rx.finditer(text):
            if not any(a < m.end() and m.start() < b for a, b in taken):
                keys.add(key)
                taken.append((m.start(), m.end()))
    return {k for k in keys if not any(KEY_FAMILY.get(other) == k for other in keys)}


def years_named(text: str) -> set[int]:
    return {int(y) for y in re.findall(rf"\b{_Y}\b", text)}


def _date_claims(sentence: str, base: int, ref: tuple[int, int, str] | None, taken: list[tuple[int, int]]) -> list[dict]:
    found = []
    for name, rx in _DATE_RES:
        for m in rx.finditer(sentence):
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue
            groups = m.groupdict()
            mword = groups.get("m")
            if mword and mword[0].islower() and mword.lower().rstrip(".") in _AMBIGUOUS_MONTHS:
                continue  # "we may", "to march on", "since jan": a month is written with a capital
            year = int(groups["y"]) if groups.get("y") else None
            month = _month(mword) if mword else None
            d1, d2 = _day(groups.get("d1")), _day(groups.get("d2"))
            if d1 is not None and not 1 <= d1 <= 31 or d2 is not None and not 1 <= d2 <= 31:
                continue
            resolved = "stated"
            lo_m = hi_m = month
            grain = "day" if d1 else "month" if month else "year"
            if groups.get("s"):
                lo_m, hi_m = SEASONS[groups["s"].lower()]
                grain = "season"
            if name == "rel_y":
                if ref is None or ref[2] != "document-date":
                    year, resolved = None, "unresolved"  # "three years ago" in an undated text: from when?
                else:
                    back = 0 if groups.get("this") == "this" else 1 if groups.get("this") else (
                        int(groups["n"]) if groups["n"].isdigit() else NUMBER_WORDS[groups["n"].lower()])
                    year, resolved = ref[0] - back, "document-date"
                grain = "year"
            elif year is None:  # a month without a year
                rel = (groups.get("rel") or "").lower()
                if ref is None:
                    resolved = "unresolved"
                elif ref[2] == "document-date":
                    # the latest such month on or before the document's; "last November" in November: a year back
                    year = ref[0] if month <= ref[1] else ref[0] - 1
                    if rel == "last" and month == ref[1]:
                        year -= 1
                    resolved = "document-date"
                else:
                    # first such month after the latest the undated text states: it reports what came after
                    year = ref[0] if month > ref[1] else ref[0] + 1
                    resolved = "inferred"
            if d1 and month and year:
                try:
                    dt.date(year, month, max(d1, d2 or d1))
                except ValueError:
                    continue  # "31 February": not a date
            found.append(dict(
                value_start=base + m.start(), value_end=base + m.end(), lo=m.start(), hi=m.end(), kind="date",
                year=year, month_lo=lo_m, month_hi=hi_m, day_lo=d1, day_hi=d2 or d1, grain=grain, resolved=resolved,
            ))
            taken.append((m.start(), m.end()))
    return found


def _figure_claims(sentence: str, base: int, taken: list[tuple[int, int]]) -> list[dict]:
    phones = [(m.start(), m.end()) for m in _PHONE_LIKE.finditer(sentence)]
    found = []
    pos = 0
    while (m := _FIGURE_RE.search(sentence, pos)) is not None:
        # one character on, not past the match: a skipped "2019 two ..." must not hide "two social workers"
        pos = m.start() + 1
        if any(a < m.end() and m.start() < b for a, b in taken + phones):
            continue
        if m["money"]:
            raw, grain, unit = m["money"], "money", "GBP"
            digits = re.search(r"\d[\d,]*(?:\.\d+)?", raw).group().replace(",", "")
            scale = {"m": 1e6, "million": 1e6, "bn": 1e9, "billion": 1e9, "k": 1e3}.get(re.sub(r"[^a-z]", "", raw.lower()), 1)
            number = float(digits) * scale
            end = m.end("money")
        elif m["pct"]:
            raw, grain, unit = m["pct"], "percent", "%"
            number = float(re.match(r"\d+(?:\.\d+)?", raw).group())
            end = m.end("pct")
        else:
            if _LABEL_BEFORE.search(sentence[: m.start()]):
                continue  # "section 47 enquiries", "Year 6 pupils": a name with a number in it, not a count
            head = re.match(r"[\d,.]+|\w+", m["count"]).group()
            number = float(head.replace(",", "")) if head[0].isdigit() else float(NUMBER_WORDS[head.lower()])
            # the words after the number: what it counts, or the unit of a duration
            following = sentence[m.start("unit") : m.start("unit") + 80]
            words = [w.lower() for w in _WORD.findall(following)][:4]
            content = [w for w in words if w not in STOPWORDS]
            if not content:
                continue
            # what is counted is usually the first plural among the next words ("two social workers", "66 'closed for
            # review' cases"), else the first content word ("45 children")
            plural = [w for w in content[:3] if w.endswith("s") and not w.endswith("ss")]
            unit = words[0] if words[0].rstrip("s") in _TIME_UNITS else plural[0] if plural else content[0]
            unit_word = unit
            if unit in MONTHS or unit in SEASONS or unit in ("pm", "am"):
                continue
            grain = "count"
            # the value's words end with its unit word
            unit_at = next(w for w in _WORD.finditer(following) if w.group().lower() == unit_word)
            unit = unit.rstrip("s") if unit.rstrip("s") in _TIME_UNITS else unit
            end = m.start("unit") + unit_at.end()
        found.append(dict(
            value_start=base + m.start(), value_end=base + end, kind="figure",
            number=number, unit=unit, grain=grain, approximate=bool(_APPROX.search(sentence[: m.start()])),
        ))
        taken.append((m.start(), end))
    for m in _BARE_FIGURE.finditer(sentence):
        if any(a < m.end("n") and m.start("n") < b for a, b in taken + phones):
            continue
        found.append(dict(
            value_start=base + m.start("n"), value_end=base + m.end("n"), kind="figure", number=float(m["n"].replace(",", "")),
            unit="", grain="count", approximate=bool(re.search(r"\b(?:about|around)\s+$", sentence[m.start() : m.start("n")], re.I)),
        ))
        taken.append((m.start("n"), m.end("n")))
    return found


def measure_key(sentence: str, lo: int, hi: int, number_end: int, money: bool = False) -> str:
    """What a figure at sentence[lo:hi] measures: the content words of its clause, in order ("average caseload
    personal advisers" for "The average caseload of personal advisers is 21."; "children care" for "486 children in
    care"). Names in capitals inside the clause, numbers and reporting words ("said", "according") are left out, so a
    letter and a news report stating the same measure get the same key whoever they name as saying it. A sum is
    keyed by what it is for, the words after it (an "extra" and an "additional" £4m "into children's services")."""
    before = sentence[:lo]
    cut = [m.end() for m in _CLAUSE_END.finditer(before)]
    begin = cut[-1] if cut else 0
    stop = _CLAUSE_END.search(sentence, number_end)
    end = stop.start() if stop else len(sentence)
    spans = ((number_end, end),) if money else ((begin, lo), (number_end, end))
    words = []
    for a, b in spans:
        for w in _WORD.finditer(sentence, a, b):
            word = w.group()
            initial = not sentence[: w.start()].strip()
            following = sentence[w.end() : w.end() + 2]
            if word[0].isupper() and (not initial or following[:1] == " " and following[1:2].isupper()):
                continue  # Brackenridge, Ofsted, "Northmoor County Council": who, not what
            low = word.lower().replace("\u2019", "'")
            if low not in _MEASURE_STOP and low not in MONTHS and low not in NUMBER_WORDS and len(low) > 1:
                words.append(low)
    return " ".join(dict.fromkeys(words))


def date_label(year: int | None, month_lo: int | None, month_hi: int | None, day_lo: int | None, day_hi: int | None, inferred: bool = False) -> str:
    """"9-10 October 2019", "July 2018", "summer 2018", "2016"; an inferred year in brackets."""
    y = "" if year is None else f"({year})" if inferred else str(year)
    if month_lo is None:
        return y or "unknown year"
    if month_lo != month_hi:
        season = next((s for s, r in SEASONS.items() if r == (month_lo, month_hi)), f"{MONTH_NAMES[month_lo]}-{MONTH_NAMES[month_hi]}")
        return f"{season} {y}".strip()
    days = "" if day_lo is None else f"{day_lo}-{day_hi} " if day_hi and day_hi != day_lo else f"{day_lo} "
    return f"{days}{MONTH_NAMES[month_lo]} {y}".strip()


def value_shown(kind: str, resolved: str, approximate: bool, words: str, year: int | None = None, month_lo: int | None = None,
                month_hi: int | None = None, day_lo: int | None = None, day_hi: int | None = None) -> str:
    """A claim's value as shown to a reader, from its fields and `words` (the text its value offsets cover): a
    resolved date by its label, anything else in the source's own words ("about" kept: the hedge is part of
    what the source says). The index stores only values this does not give (index/build/claim_table.py)."""
    if kind == "date" and resolved != "unresolved":
        return date_label(year, month_lo, month_hi, day_lo, day_hi, resolved == "inferred")
    return f"about {words}" if approximate else words


def sentence_claims(sentence_id: int, doc_id: str, start: int, text: str, ref: tuple[int, int, str] | None) -> list[Claim]:
    """Every date and figure `text` (a sentence starting at document offset `start`) states. A figure's `year` is
    its period: the year the sentence states, else the year of the document's date (`reference_month`), else None."""
    taken: list[tuple[int, int]] = []
    raw = _date_claims(text, start, ref, taken)
    stated = [r["year"] for r in raw if r["year"] is not None]
    period = stated[0] if stated else ref[0] if ref else None
    raw += _figure_claims(text, start, taken)
    # event words used to state a value are not its key ("inadequate" in "judged inadequate" stays usable)
    claims = []
    for r in sorted(raw, key=lambda r: r["value_start"]):
        lo, hi = r["value_start"] - start, r["value_end"] - start
        about = _key_near(text, lo, hi, [])
        if r["kind"] == "date":
            value = value_shown("date", r["resolved"], False, text[lo:hi], r["year"], r["month_lo"], r["month_hi"], r["day_lo"], r["day_hi"])
            claims.append(Claim(
                sentence_id, doc_id, start, start + len(text), "date", about, value, r["value_start"], r["value_end"],
                r["year"], r["month_lo"], r["month_hi"], r["day_lo"], r["day_hi"], r["grain"], r["resolved"],
            ))
        else:
            if r["grain"] == "count" and r["unit"] in _TIME_UNITS:
                # a duration ("two-week visit", "12-week standard") is about what lasts
                nxt = [w.lower() for w in _WORD.findall(text[hi:hi + 60]) if w.lower() not in STOPWORDS]
                about = nxt[0] if nxt else about
            else:
                # a count, share or sum is about the measure its clause names ("children in care" is not "children
                # subject to a child protection plan"), falling back to what is counted
                # a count's own words after its number ("children" of "486 children in care") are part of what it measures
                number_end = lo + len(re.match(r"[\d,.]+|\w+", text[lo:hi]).group()) if r["grain"] == "count" else hi
                about = measure_key(text, lo, hi, number_end, r["grain"] == "money") or (r["unit"] if r["grain"] == "count" else _after_of(text, hi)) or about
            value = value_shown("figure", "stated", r["approximate"], text[lo:hi])
            claims.append(Claim(
                sentence_id, doc_id, start, start + len(text), "figure", about, value, r["value_start"], r["value_end"],
                year=period, grain=r["grain"], number=r["number"], unit=r["unit"], approximate=r["approximate"],
            ))
    return claims


def _after_of(sentence: str, hi: int) -> str:
    """"10 per cent of referrals" -> "referrals": what a percentage is a share of."""
    m = re.match(r"\s+of\s+(?:the\s+|all\s+|its\s+|their\s+)?([A-Za-z][\w'’-]+)", sentence[hi:])
    return m.group(1).lower() if m else ""


def document_claims(doc_id: str, text: str, published: dt.date | None, sentences: list[tuple[int, int, int]]) -> list[Claim]:
    """The claims of every sentence of one document; `sentences` are (sentence_id, start, end)."""
    ref = reference_month(text, published)
    out: list[Claim] = []
    for sid, start, end in sentences:
        out += sentence_claims(sid, doc_id, start, text[start:end], ref)
    return out
