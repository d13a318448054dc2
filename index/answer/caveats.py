"""What a reader must know beside an answer: the sources it draws on disagree, or newer material exists.

Runs after `compose`: it reads the claims (index/build/claims.py) of the sentences the answer drew on,
asks index/answer/conflicts.py which disagree, cites every side (adding a citation for a side no
cited passage holds), ends the answer with the one fixed sentence naming the disagreement, and lists
newer dated documents about the first citation's event. Existing citations keep their numbers and
order; added ones come after them.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

import numpy as np

from index.answer.answer_type import AnswerType
from index.answer.compose import Answer, cite
from index.answer.conflicts import anchors_for, disagreement_sentence, find_conflicts, same_event
from index.answer.query import Query
from index.answer.scoring import ScoredSentence
from index.answer.search import RankedPassage, SearchFilters, allowed_passages
from index.english import MONTH_NAMED
from index.build.claims import EVENT_KEYS, Claim, event_keys, years_named
from index.build.store import InspectionIndex


@dataclass(frozen=True)
class NewerSource:
    doc_id: str
    published: str
    start: int  # the sentence about the same event, as document offsets
    end: int


_YEAR_ONLY = re.compile(r"\b(?:what|which) year\b", re.I)
_FIGURE_ASKED = re.compile(r"\b(?:what|which) (?:is|was|are|were) the (?:average|mean|median|number|rate|share|proportion)\b|\bwhat (?:share|proportion|percentage)\b", re.I)
_MONTH_NAMED = MONTH_NAMED


def asked_kind(query: Query) -> str | None:
    """Which disagreements matter to a question: "date" when it asks when (to the month or finer: a
    question asking only the year is answered alike by every side of a month dispute), "figure" when it
    asks how many / how much / how long, None otherwise."""
    if query.answer_type in (AnswerType.COUNT, AnswerType.AMOUNT, AnswerType.DURATION, AnswerType.PERCENT):
        return "figure"
    if _FIGURE_ASKED.search(query.text):
        return "figure"  # "what is the average caseload ...?", "what share of the workforce ...?"
    if query.answer_type is AnswerType.DATE and not _YEAR_ONLY.search(query.text):
        return "date"
    if query.answer_type is None and len(_MONTH_NAMED.findall(query.text)) >= 2:
        return "date"  # "was it July or September?"
    return None


def reached_documents(scored: list[ScoredSentence], allowed: set[str] | None) -> set[str]:
    """The documents a question's claims are looked for in: those its retrieval reached (every sentence of the
    fused pool is scored), that the caller's filters let through.

    Not the whole corpus: across a national corpus another council's inspection in the same year is a
    different event, not a source that disagrees, and a key such as "inspection" has hundreds of thousands
    of claims at a million passages; what retrieval reached is a few dozen documents whatever the corpus size."""
    reached = {s.sentence.doc_id for s in scored}
    return reached if allowed is None else reached & allowed


def claims_in_play(
    index: InspectionIndex, query: Query, scored: list[ScoredSentence], margin: float, docs: set[str]
) -> tuple[list[Claim], list[Claim]]:
    """(anchors, pool): the claims an answer is about, and the claims they are checked against.

    Anchors are the claims of the retrieved sentences scoring within `margin` of the best one (only those
    about an event the question names, when it names one), and the retrieved claims about an event the
    question names (in a year it names, when it names one). The pool is the retrieved claims, then every
    other claim on the anchors' events in `docs` (`reached_documents`): a side that retrieval ranked low
    is still a side."""
    if not scored:
        return [], []
    # each sentence's claims made once: conflicts tell a claim in the pool by the object itself
    of = index.sentence_claims.many(s.sentence.sentence_id for s in scored)
    retrieved = [c for s in scored for c in of.get(s.sentence.sentence_id, [])]
    floor = scored[0].score - margin
    top = [c for s in scored if s.score >= floor for c in of.get(s.sentence.sentence_id, [])]
    keys = event_keys(query.text)
    if keys:
        # a question naming its event: a top sentence's date of some other event is not what it asks
        # ("the third monitoring visit since ... the inspection in July 2018" for "when were the monitoring visits?")
        # a figure's measure key holds the event word ("average caseload personal advisers" is about "caseload")
        top = [c for c in top if any(same_event(c.about, k) or _measures(c, k) for k in keys)]
    anchors = top + anchors_for(keys, years_named(query.text), retrieved)
    seen = {(c.sentence_id, c.value_start) for c in retrieved}
    # a date clashes, or sides with one, only in its own year (conflicts.py): other years' dates are not made
    years = {a.year for a in anchors if a.kind == "date" and a.year is not None}
    rest = [c for c in claims_on(index, {a.about for a in anchors}, docs, years) if (c.sentence_id, c.value_start) not in seen]
    return anchors, retrieved + rest


def _measures(claim: Claim, key: str) -> bool:
    """A figure claim whose measure (index.build.claims.measure_key) names the one-word event key `key`."""
    if claim.kind != "figure" or " " in key:
        return False
    return key.rstrip("s") in {w.rstrip("s") for w in claim.about.split()}


def claims_on(index: InspectionIndex, keys: set[str], docs: set[str], date_years: set[int] | None = None) -> list[Claim]:
    """The claims of `docs` about the same event as one of `keys` (its dates only those of `date_years`, when
    given): by key, in the order keys first appear in the index, then in sentence order. Only the rows of
    `docs` are read, and only the kept ones made into claims."""
    table = index.claims
    rows = table.rows_in_documents(docs)
    about = table.about_of(rows)
    names = table.strings["about"]
    related = [code for code in np.unique(about).tolist() if any(same_event(names[code], key) for key in keys)]
    keep = np.isin(about, related)
    if date_years is not None:
        keep &= ~table.is_date(rows) | np.isin(table.years_of(rows), list(date_years))
    rows = rows[keep]
    return table.claims(rows[np.argsort(table.about_of(rows), kind="stable")])


def allowed_docs(index: InspectionIndex, filters: SearchFilters) -> set[str] | None:
    """The doc_ids `filters` let through; None when nothing is filtered."""
    allowed = allowed_passages(index, filters)
    return None if allowed is None else set(index.passage_doc_ids[allowed].tolist())


def _is_primary(index: InspectionIndex):
    return lambda c: index.is_primary(c.doc_id)


def _authority_of(index: InspectionIndex):
    return lambda c: index.documents.metadata(c.doc_id).authority


def authorities_named(index: InspectionIndex, text: str, docs: set[str]) -> set[str]:
    """The authorities of `docs` a question names ("When was Brackenridge judged inadequate?"), as whole words."""
    held = {a for d in docs if (a := index.documents.metadata(d).authority)}
    return {a for a in held if re.search(rf"(?<![\w-]){re.escape(a)}(?![\w-])", text, re.I)}


def conflicts_for(
    index: InspectionIndex, query: Query, scored: list[ScoredSentence], margin: float, docs: set[str]
) -> list:
    """The disagreements, of the kind the question asks (`asked_kind`), among the claims in play: within one authority
    and one event only. A question naming an authority looks at that authority's documents alone; one naming none
    looks at each authority apart (find_conflicts never pairs claims of two authorities)."""
    kind = asked_kind(query)
    if kind is None:
        return []
    named = authorities_named(index, query.text, docs)
    if named:
        docs = {d for d in docs if index.documents.metadata(d).authority in named}
        scored = [s for s in scored if s.sentence.doc_id in docs]
    anchors, pool = claims_in_play(index, query, scored, margin, docs)
    return [c for c in find_conflicts(anchors, pool, _is_primary(index), _authority_of(index)) if c.kind == kind]


def _cited_with(index: InspectionIndex, query: Query, answer: Answer, ranked: list[RankedPassage], conflicts: list) -> Answer:
    """`answer` citing every side of `conflicts` (a side no ranked passage holds is cited after the others), the fixed
    sentence naming them appended to its text."""
    ranked = list(ranked)
    citing: dict[int, int] = {}  # sentence id -> the first citation whose passage holds it

    def cited(n: int, pid: int) -> None:
        for sid in index.passage_sentences[pid]:
            citing.setdefault(sid, n)

    for n, r in enumerate(ranked, 1):
        cited(n, r.passage.passage_id)

    def marker(claim: Claim) -> int:
        if (n := citing.get(claim.sentence_id)) is not None:
            return n
        # no cited passage holds this side: cite the passage that does, after the others
        pid = index.sentence_passage[claim.sentence_id]
        # not retrieved by rank: no fused or BM25 score, but its cosine with the question is real
        ranked.append(RankedPassage(index.passages[pid], 0.0, float(index.passage_vectors[pid] @ query.vector), 0.0))
        cited(len(ranked), pid)
        return len(ranked)

    ending = disagreement_sentence(conflicts, marker)
    for c in conflicts:
        for side in c.sides:
            for claim in side:
                marker(claim)
    extra = cite(index, ranked[len(answer.citations):])
    added = tuple(dataclasses.replace(c, n=len(answer.citations) + i, for_disagreement=True) for i, c in enumerate(extra, 1))
    return dataclasses.replace(answer, answer=f"{answer.answer} {ending}", citations=answer.citations + added, conflicts=tuple(conflicts))


def with_conflicts(
    index: InspectionIndex,
    query: Query,
    answer: Answer,
    ranked: list[RankedPassage],
    scored: list[ScoredSentence],
    margin: float,
    docs: set[str],
) -> Answer:
    """`answer` with its conflicts among `docs` (`reached_documents`): every side cited, and the fixed sentence
    naming them appended. A decline stays a decline (answerable false, its abstention kept) but is not a bare one:
    when the closest passages disagree on the date or figure asked, it names the sides too ("When was the focused
    visit?" declined, yet two sources give two months: the reader is shown both rather than nothing)."""
    conflicts = conflicts_for(index, query, scored, margin, docs)
    if not conflicts:
        return answer
    return _cited_with(index, query, answer, ranked, conflicts)


def newer_sources(index: InspectionIndex, answer: Answer, docs: set[str]) -> tuple[NewerSource, ...]:
    """Dated documents of `docs` (`reached_documents`) about the first citation's authority, newer than it, that speak
    of the same event or measure (one sentence each)."""
    if not answer.citations:
        return ()
    first = answer.citations[0]
    published = index.documents.metadata(first.passage.doc_id).published
    if published is None:
        return ()  # an undated source: nothing can be shown to be newer than it
    sids = index.passage_sentences[first.passage.passage_id]
    if first.highlights:
        sids = [sid for sid in sids if (index.sentences[sid].start, index.sentences[sid].end) in first.highlights]
    # the first citation's events, by vocabulary key (a fallback word says too little to match documents on)
    of = index.sentence_claims.many(sids)
    events = [c for sid in sids for c in of.get(sid, []) if c.about in EVENT_KEYS and c.resolved != "unresolved"]
    if not events:
        return ()

    def same_thing(c: Claim) -> bool:
        # the same event: its key, and for a date the same year (the 2021 visit is not the 2019 one)
        return any(c.kind == e.kind and same_event(c.about, e.about) and (c.kind == "figure" or c.year == e.year) for e in events)

    found: dict[str, NewerSource] = {}
    # of the same authority: another council's later letter is not newer material on this council's event
    own = index.documents.metadata(first.passage.doc_id).authority
    newer = {d for d in docs if (m := index.documents.metadata(d)).published is not None and m.published > published and m.authority == own}
    # in document order, so each newer document is represented by its first sentence on the event
    years = {e.year for e in events if e.kind == "date"}
    for claim in sorted(claims_on(index, {e.about for e in events}, newer, years), key=lambda c: c.sentence_id):
        if claim.doc_id in found or not same_thing(claim):
            continue
        doc = index.documents.metadata(claim.doc_id)
        found[claim.doc_id] = NewerSource(claim.doc_id, doc.published.isoformat(), claim.start, claim.end)
    return tuple(sorted(found.values(), key=lambda n: n.published, reverse=True))
