"""Put every question to every system once and gather replies, judgements and figures."""

from __future__ import annotations

import math
from collections import Counter

from collections.abc import Sequence
from dataclasses import dataclass, field

from tqdm import tqdm

from eval import metrics
from eval.metrics import Judgement
from eval.questions import GoldQuestion
from eval.reply import Reply
from eval.scoring import judge

CURVE_DEPTH = 10  # the hit@k curve runs k = 1..10
_WARM_UP = "What did the inspectors find?"  # not timed: the first call pays for lazy loading


@dataclass(frozen=True)
class Outcome:
    """One question through one system."""

    reply: Reply
    judgement: Judgement


@dataclass(frozen=True)
class SystemResult:
    name: str
    description: str
    gives_answers: bool
    abstain_threshold: float | None
    outcomes: tuple[Outcome, ...]  # in question order
    summary: dict
    by_kind: dict
    hit_curve: list
    problems: dict
    tradeoff: list = field(default_factory=list)  # abstention vs answer rate by threshold, when relevance is known
    tradeoff_agreement: tuple[int, int] | None = None  # questions where relevance >= threshold matched the answer given
    abstention_by_reason: dict = field(default_factory=dict)  # gold reason label -> share declined
    abstention_reasons: dict = field(default_factory=dict)  # the system's own reason -> count, over every question it declined
    calibration: list = field(default_factory=list)  # reliability table, when the system reports confidence
    policy: dict = field(default_factory=dict)  # the answer stage's thresholds (AnswerPolicy), for our pipeline in process


@dataclass(frozen=True)
class EvalRun:
    questions: tuple[GoldQuestion, ...]
    top_k: int
    curve_depth: int
    systems: tuple[SystemResult, ...]


def _ask(system, question: GoldQuestion, top_k: int, curve_depth: int) -> Outcome:
    reply = system.ask(question.question, top_k)
    # the curve needs a deeper list; the headline figures come from the call at top_k alone
    deep = reply if top_k >= curve_depth else system.ask(question.question, curve_depth)
    return Outcome(reply, judge(question, reply, [p.text for p in deep.passages][:curve_depth], system.gives_answers))


def _tradeoff(outcomes: Sequence[Outcome], threshold: float | None):
    judged = [o.judgement for o in outcomes]
    if threshold is None or not judged or any(j.relevance is None for j in judged):
        return [], None
    # A question the system declined although relevant enough was declined by another rule (a
    # "how many" question with no figure in sight): it stays declined at every threshold.
    gated = [j.relevance if j.answered or j.relevance < threshold else -math.inf for j in judged]
    curve = metrics.abstention_tradeoff(
        [g for g, j in zip(gated, judged) if j.gold_answerable],
        [g for g, j in zip(gated, judged) if not j.gold_answerable],
        sorted(set(metrics.threshold_grid([j.relevance for j in judged])) | {threshold}),
    )
    # does "answered exactly when relevance >= threshold" (other rules kept) describe what the system did?
    agree = sum(1 for g, j in zip(gated, judged) if (g >= threshold) == j.answered)
    return curve, (agree, len(judged))


def summarise_system(system, outcomes: Sequence[Outcome], top_k: int, curve_depth: int) -> SystemResult:
    judged = [o.judgement for o in outcomes]
    tradeoff, agreement = _tradeoff(outcomes, system.abstain_threshold)
    return SystemResult(
        name=system.name,
        description=system.description,
        gives_answers=system.gives_answers,
        abstain_threshold=system.abstain_threshold,
        outcomes=tuple(outcomes),
        summary=metrics.summarise(judged, top_k),
        by_kind=metrics.summarise_by_kind(judged, top_k),
        hit_curve=metrics.hit_curve([j.deep_first_hit_rank for j in judged if j.gold_answerable], curve_depth),
        problems=metrics.problem_counts(judged),
        tradeoff=tradeoff,
        tradeoff_agreement=agreement,
        abstention_by_reason=metrics.abstention_by_reason([(j.reason, not j.answered) for j in judged if not j.gold_answerable]),
        abstention_reasons=dict(sorted(Counter(j.abstention or "unsaid" for j in judged if not j.answered).items())),
        calibration=metrics.calibration_table([(j.confidence, metrics.reply_right(j)) for j in judged])
        if judged and all(j.confidence is not None for j in judged)
        else [],
        policy=getattr(system, "policy", {}),
    )


def evaluate(questions: Sequence[GoldQuestion], systems: Sequence, top_k: int, curve_depth: int = CURVE_DEPTH, progress: bool = True) -> EvalRun:
    """Each question to each system in turn (so load drifts hit all systems alike)."""
    for system in systems:
        system.ask(_WARM_UP, top_k)
    outcomes: dict[str, list[Outcome]] = {s.name: [] for s in systems}
    for question in tqdm(questions, desc="questions", unit="q", disable=not progress):
        for system in systems:
            outcomes[system.name].append(_ask(system, question, top_k, curve_depth))
    return EvalRun(
        questions=tuple(questions),
        top_k=top_k,
        curve_depth=curve_depth,
        systems=tuple(summarise_system(s, outcomes[s.name], top_k, curve_depth) for s in systems),
    )
