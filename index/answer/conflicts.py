"""When sources disagree: claims about the same event or measure whose values cannot both be true.

Pure: claims in, conflicts out. Two claims are about the same event when their keys match (equal,
or one is a kind of the other: "focused visit" is a visit, "judged inadequate" happens at an
inspection; see `same_event`). Their values conflict only when, stated at a grain both share,
they cannot both hold:
- dates: same year, and month ranges (or, within one month, day ranges) that do not meet. Different
  years are taken to be different events (the 2016 and the 2018 inspections), and a coarser date
  never conflicts with a finer one inside it ("2018" and "July 2018"; "summer 2018" and "July 2018").
- figures: same unit, different numbers, neither hedged ("around 10 per cent" agrees with 9 or 11).
Claims from one sentence never conflict with each other, and unresolved dates (no year) take no part.
"""

from __future__ import annotations

from dataclasses import dataclass

from index.build.claims import EVENT_KEYS, KEY_FAMILY, Claim

_HEDGE_SHARE = 0.25  # a hedged figure agrees with values within this share of it


@dataclass(frozen=True)
class Conflict:
    about: str  # the event or measure key
    kind: str  # "date" | "figure"
    sides: tuple[tuple[Claim, ...], ...]  # claims grouped by value: one group per distinct value


def same_event(a: str, b: str) -> bool:
    """Keys name the same event: equal, or one is the family of the other ("visit" / "focused visit").
    Two different specific kinds ("focused visit" / "monitoring visit") are different events."""
    if not a or not b:
        return False
    if a == b or KEY_FAMILY.get(a) == b or KEY_FAMILY.get(b) == a:
        return True
    return same_measure(a, b)


_MEASURE_OVERLAP = 0.6  # share of their words two figure keys must have in common (Jaccard) to be one measure


def same_measure(a: str, b: str) -> bool:
    """Two figure keys (index.build.claims.measure_key: the words of a figure's clause) name one measure:
    at least two words each and most of them shared ("average caseload personal advisers" said two ways).
    Event keys from the vocabulary are matched exactly only ("focused visit" is not "monitoring visit")."""
    if a in EVENT_KEYS or b in EVENT_KEYS:
        return False
    wa, wb = set(a.split()), set(b.split())
    if len(wa) < 2 or len(wb) < 2:
        return False
    return len(wa & wb) / len(wa | wb) >= _MEASURE_OVERLAP


def _dates_clash(a: Claim, b: Claim) -> bool:
    if a.year is None or b.year is None or a.year != b.year:
        return False
    if a.month_lo is None or b.month_lo is None:
        return False  # a year-grain date holds every month of its year
    if a.month_hi < b.month_lo or b.month_hi < a.month_lo:
        return True
    if a.month_lo == a.month_hi == b.month_lo == b.month_hi and a.day_lo and b.day_lo:
        return a.day_hi < b.day_lo or b.day_hi < a.day_lo
    return False


def _figures_clash(a: Claim, b: Claim) -> bool:
    if a.year is not None and b.year is not None and a.year != b.year:
        return False  # another period: last year's caseload is not this year's
    if a.unit != b.unit or a.grain != b.grain or a.number is None or b.number is None or a.number == b.number:
        return False
    hedged = [c for c in (a, b) if c.approximate]
    return not any(abs(a.number - b.number) <= _HEDGE_SHARE * c.number for c in hedged)


def clash(a: Claim, b: Claim) -> bool:
    """`a` and `b` speak about the same event or measure and cannot both be right."""
    if a.kind != b.kind or a.sentence_id == b.sentence_id or a.resolved == "unresolved" or b.resolved == "unresolved":
        return False
    if not same_event(a.about, b.about):
        return False
    return _dates_clash(a, b) if a.kind == "date" else _figures_clash(a, b)


def _value_key(c: Claim) -> tuple:
    return (c.year, c.month_lo, c.month_hi, c.day_lo, c.day_hi) if c.kind == "date" else (c.number, c.unit)


def anchors_for(question_keys: set[str], question_years: set[int], claims: list[Claim]) -> list[Claim]:
    """Claims about what a question asks of: an event it names (or a kind of it: "visit" takes in "focused
    visit", not the other way round), in a year it names when it names any."""
    return [
        c for c in claims
        if (c.about in question_keys or KEY_FAMILY.get(c.about) in question_keys)
        and (not question_years or c.year in question_years)
    ]


def find_conflicts(anchors: list[Claim], pool: list[Claim], is_primary=lambda c: False, authority_of=lambda c: None) -> list[Conflict]:
    """The disagreements of `anchors` (claims the answer is about) with `pool` (every claim retrieved).

    Each conflict groups the clashing claims by value; the group holding a primary source comes
    first, then groups in the order their first claim appears in the pool. Claims of the same value as
    a side join it; a claim that clashes with nothing is left out even when it shares the key (a
    coarser date agrees with every side). Claims are paired only within one authority (`authority_of(claim)`,
    its document's: another council's inspection in the same month is another event). Documents whose
    authority was not found (None) are paired with each other only, never with a named one: a corpus that
    names no council is compared as it always was.
    """
    conflicts: list[Conflict] = []
    order = {id(c): i for i, c in enumerate(pool)}
    used: set[tuple] = set()

    def ident(c: Claim) -> tuple:
        return (c.sentence_id, c.value_start)

    for a in anchors:
        if ident(a) in used:
            continue
        own = authority_of(a)
        partners = [b for b in pool if ident(b) not in used and authority_of(b) == own and clash(a, b)]
        if not partners:
            continue
        members = {ident(a): a, **{ident(b): b for b in partners}}
        values = {_value_key(c) for c in members.values()}
        for b in pool:
            if ident(b) not in members and ident(b) not in used and b.kind == a.kind and authority_of(b) == own and b.resolved != "unresolved" \
                    and _value_key(b) in values and any(same_event(b.about, m.about) for m in members.values()):
                members[ident(b)] = b
        used.update(members)
        groups: dict[tuple, list[Claim]] = {}
        for c in sorted(members.values(), key=lambda c: order.get(id(c), -1)):
            groups.setdefault(_value_key(c), []).append(c)
        sides = sorted(groups.values(), key=lambda g: (not any(is_primary(c) for c in g), order.get(id(g[0]), -1)))
        for side in sides:
            side.sort(key=lambda c: not is_primary(c))
        keys = [c.about for c in members.values()]
        conflicts.append(Conflict(about=max(keys, key=keys.count), kind=a.kind, sides=tuple(tuple(s) for s in sides)))
    return conflicts


def disagreement_sentence(conflicts: list[Conflict], marker) -> str:
    """The one fixed sentence naming the disagreements: "Sources disagree on the date: July 2018 [1], June 2018 [3]."
    `marker(claim)` is the citation number of a claim's sentence."""
    what = {c.kind for c in conflicts}
    noun = "the date" if what == {"date"} else "the figure" if what == {"figure"} else "the dates and figures"
    parts = []
    for conflict in conflicts:
        parts.append(", ".join(f"{side[0].value} [{marker(side[0])}]" for side in conflict.sides))
    return f"Sources disagree on {noun}: {'; '.join(parts)}."
