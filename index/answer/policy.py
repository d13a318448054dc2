"""The answer decision: every threshold in one `AnswerPolicy`, the reasons to decline as ordered pure checks.

The stage (answerer.py) hands over the candidate sentences, measured (features.py) and scored by the
answer model (answer_model.py). `decide` runs the checks in `CHECKS` order; the first that declines gives
the reply's `abstention`, otherwise the best sentence the model believes answers is quoted, with further
sentences only when the model is as sure of them too. A check can be switched off by name
(`Settings.answer_checks_off`, `inspectqa eval --ablation`), so the evaluation measures what each one adds.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

from index.answer.compose import Abstention
from index.answer.constraints import Constraint
from index.answer.features import FIGURE_KINDS, TYPED_KINDS, Candidate, asks_outcome
from index.answer.query import Query


@dataclass(frozen=True)
class AnswerPolicy:
    """Every threshold of the answer decision. `answer_p` and `extra_p` are chosen by training (answer_model.json)."""

    answer_p: float = 0.5  # the best sentence's chance of answering must reach this, else low-support
    extra_p: float = 0.7  # a further sentence joins the answer only at this chance
    relevance_floor: float = 0.5  # below this best relevance nothing is on topic: not-relevant (Settings.abstain_threshold)
    removed_margin: float = 0.15  # removed text leading the kept text by this much: removed-text (Settings.abstain_boilerplate_margin)
    reach: int = 8  # the best sentences (by the model) a check looks at
    pending_reach: int = 3  # an outcome question is declined when one of this many says the outcome is still to come
    candidates: int = 20  # sentences measured and scored per question
    max_sentences: int = 3  # Settings.answer_sentences
    max_chars: int = 450  # further sentences only while the answer stays this short (Settings.answer_max_chars)
    checks_off: tuple[str, ...] = field(default=())  # names of CHECKS not run

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def for_settings(cls, settings, trained: dict) -> "AnswerPolicy":
        override = settings.answer_threshold
        return cls(
            answer_p=float(trained.get("answer_p", cls.answer_p)) if override < 0 else override,
            extra_p=float(trained.get("extra_p", cls.extra_p)),
            relevance_floor=settings.abstain_threshold,
            removed_margin=settings.abstain_boilerplate_margin,
            max_sentences=settings.answer_sentences,
            max_chars=settings.answer_max_chars,
            checks_off=tuple(settings.answer_checks_off),
        )


@dataclass(frozen=True)
class Decline:
    reason: Abstention
    missing: tuple[Constraint, ...] = ()  # not-mentioned: the question's words nothing covers


@dataclass(frozen=True)
class Decision:
    chosen: tuple[Candidate, ...]  # quoted, best first; empty when declined
    decline: Decline | None
    best_p: float  # the model's chance for the best sentence it could quote (what confidence reads)
    related: tuple[Candidate, ...] = ()  # with a decline: the closest sentence, shown apart, never as the answer


Check = Callable[[Query, Sequence[Candidate], AnswerPolicy], Decline | None]


def by_model(candidates: Sequence[Candidate]) -> list[Candidate]:
    return sorted(candidates, key=lambda c: (-c.p, -c.scored.score, c.sentence.sentence_id))


def eligible(query: Query, candidates: Sequence[Candidate]) -> list[Candidate]:
    """The candidates that hold the kind of fact asked for, best by the model first."""
    ranked = by_model(candidates)
    return [c for c in ranked if c.typed] if query.kind in TYPED_KINDS else ranked


def not_relevant(query: Query, candidates: Sequence[Candidate], policy: AnswerPolicy) -> Decline | None:
    """Nothing is on topic at all (or the filters left nothing)."""
    if not candidates or max(c.scored.score for c in candidates) < policy.relevance_floor:
        return Decline(Abstention.NOT_RELEVANT)
    return None


def removed_text(query: Query, candidates: Sequence[Candidate], policy: AnswerPolicy) -> Decline | None:
    """The question is about a teaser or advert cleaning removed from the page, not about the page."""
    return Decline(Abstention.REMOVED_TEXT) if candidates[0].features.removed_lead >= policy.removed_margin else None


def not_mentioned(query: Query, candidates: Sequence[Candidate], policy: AnswerPolicy) -> Decline | None:
    """A name, date, figure or term of the question that no passage uses, or that none of the closest sentences covers."""
    if query.unmentioned:
        return Decline(Abstention.NOT_MENTIONED, query.unmentioned)
    near = by_model(candidates)[: policy.reach]
    uncovered = tuple(c for c in query.constraints if all(c in x.missing for x in near))
    return Decline(Abstention.NOT_MENTIONED, uncovered) if uncovered else None


def pending(query: Query, candidates: Sequence[Candidate], policy: AnswerPolicy) -> Decline | None:
    """The question asks for an outcome the material says is still to come ("the results are expected ..."), in a
    sentence that covers what the question names (its year, its place)."""
    if asks_outcome(query) and any(c.features.pending and not c.missing for c in by_model(candidates)[: policy.pending_reach]):
        return Decline(Abstention.PENDING)
    return None


def wrong_kind(query: Query, candidates: Sequence[Candidate], policy: AnswerPolicy) -> Decline | None:
    """The question wants a kind of fact (a figure, a date, a name, a grade) and no sentence the model believes answers
    holds one: a how-many question is answered by a figure about the thing asked, or declined as no-figure."""
    if query.kind not in TYPED_KINDS or any(c.typed and c.p >= policy.answer_p for c in by_model(candidates)[: policy.reach]):
        return None
    return Decline(Abstention.NO_FIGURE if query.kind in FIGURE_KINDS else Abstention.WRONG_TYPE)


def low_support(query: Query, candidates: Sequence[Candidate], policy: AnswerPolicy) -> Decline | None:
    """On topic, but the model does not believe any sentence answers."""
    best = eligible(query, candidates)
    return Decline(Abstention.LOW_SUPPORT) if not best or best[0].p < policy.answer_p else None


# in order: the first check that declines names the reason
CHECKS: dict[str, Check] = {
    "not-relevant": not_relevant,
    "removed-text": removed_text,
    "not-mentioned": not_mentioned,
    "pending": pending,
    "wrong-kind": wrong_kind,
    "low-support": low_support,
}


# declines on the subject, whose closest sentence is shown apart as related (nothing is on topic for not-relevant,
# the removed text is what the question is about for removed-text, and no-figure's closest sentence holds no figure)
SHOWS_RELATED = frozenset({Abstention.NOT_MENTIONED, Abstention.WRONG_TYPE, Abstention.LOW_SUPPORT, Abstention.PENDING})


def _normalised_words(text: str) -> frozenset[str]:
    return frozenset(re.findall(r"[a-z0-9]+", text.lower()))


def _same_statement(a: str, b: str) -> bool:
    """Two sentences that say the same thing (a news item quoting the letter)."""
    wa, wb = _normalised_words(a), _normalised_words(b)
    return len(wa & wb) >= 0.8 * min(len(wa), len(wb))


def decide(query: Query, candidates: Sequence[Candidate], policy: AnswerPolicy) -> Decision:
    """The reply's one decision: the first check that declines, else the sentences to quote."""
    answering = eligible(query, candidates)
    best_p = answering[0].p if answering else max((c.p for c in candidates), default=0.0)
    for name, check in CHECKS.items():
        if name in policy.checks_off:
            continue
        if (decline := check(query, candidates, policy)) is not None:
            related = tuple(by_model(candidates)[:1]) if decline.reason in SHOWS_RELATED else ()
            return Decision((), decline, best_p, related)
    if not answering:  # every check that could say why is switched off
        return Decision((), Decline(Abstention.LOW_SUPPORT), best_p, tuple(by_model(candidates)[:1]))
    chosen = [answering[0]]
    length = len(answering[0].sentence.text)
    for c in answering[1:]:
        if len(chosen) == policy.max_sentences or c.p < policy.extra_p:
            break
        if length + len(c.sentence.text) > policy.max_chars or any(_same_statement(c.sentence.text, x.sentence.text) for x in chosen):
            continue
        chosen.append(c)
        length += len(c.sentence.text)
    return Decision(tuple(chosen), None, best_p)
