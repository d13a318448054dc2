"""The figures of an evaluation, as pure functions of per-question judgements.

Conventions: a rank is 1-based, None when no gold quote was retrieved. A figure over an empty
set of questions is None (shown as n/a), never 0: a run without unanswerable questions says
nothing about abstention.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

Rank = int | None


@dataclass(frozen=True)
class Judgement:
    """One question put to one system, scored against its gold quotes (see eval/scoring.py)."""

    kind: str
    gold_answerable: bool
    first_hit_rank: Rank  # within the top k the system returned
    deep_first_hit_rank: Rank  # within the deeper list the hit@k curve is drawn from
    quotes_found: int  # gold quotes held by some passage in the top k
    quotes_total: int
    answered: bool  # the system said answerable: true
    answer_hit: bool | None  # the answer holds a gold quote; None for an unanswerable question
    answer_chars: int | None  # None when the system abstained
    passage_chars: tuple[int, ...]
    latency_ms: float
    relevance: float | None  # the pipeline's abstention score, where the system reports one
    problems: tuple[str, ...]
    reason: str = ""  # the gold label abstention is broken down by (GoldQuestion.reason)
    abstention: str | None = None  # the system's own reason for declining, where it says
    confidence: float | None = None
    answer_sentences: int = 0  # sentences in the answer (the top passage counts as one for a system without answers)
    answer_sentences_supported: int = 0  # of those, sentences holding a gold quote or a labelled supporting sentence
    first_sentence_hit: bool | None = None  # the answer's first quoted sentence holds (or is most of) a gold quote


def hit_at(ranks: Sequence[Rank], k: int) -> float | None:
    """Share of questions with a gold quote in the first k passages."""
    if not ranks:
        return None
    return sum(1 for r in ranks if r is not None and r <= k) / len(ranks)


def mean_reciprocal_rank(ranks: Sequence[Rank]) -> float | None:
    """Mean of 1/rank of the first gold passage, 0 for a question where none was retrieved."""
    if not ranks:
        return None
    return sum(1.0 / r for r in ranks if r is not None) / len(ranks)


def evidence_recall(found_of_total: Sequence[tuple[int, int]]) -> float | None:
    """Mean over questions of the share of their gold quotes found in the top k.

    Averaged per question, so a multi-part question missing one of its three quotes costs a third
    of a question, where hit@k would count it as a full hit.
    """
    shares = [found / total for found, total in found_of_total if total > 0]
    return sum(shares) / len(shares) if shares else None


def share(flags: Sequence[bool]) -> float | None:
    return sum(1 for f in flags if f) / len(flags) if flags else None


def answer_hit(answer_holds_quote: Sequence[bool]) -> float | None:
    """Share of answerable questions whose answer holds a gold quote (an abstention holds none)."""
    return share(answer_holds_quote)


def abstention(answered_unanswerable: Sequence[bool]) -> float | None:
    """Share of unanswerable questions the system declined (answerable: false)."""
    return share([not a for a in answered_unanswerable])


def answer_rate(answered_answerable: Sequence[bool]) -> float | None:
    """Share of answerable questions the system answered (answerable: true)."""
    return share(answered_answerable)


def median(values: Iterable[float]) -> float | None:
    ordered = sorted(values)
    if not ordered:
        return None
    mid = len(ordered) // 2
    return float(ordered[mid]) if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def percentile(values: Iterable[float], p: float) -> float | None:
    """The p-th percentile (0-100), interpolating linearly between the two nearest values."""
    ordered = sorted(values)
    if not ordered:
        return None
    position = (len(ordered) - 1) * p / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def hit_curve(ranks: Sequence[Rank], depth: int) -> list[float | None]:
    """hit@1 .. hit@depth."""
    return [hit_at(ranks, k) for k in range(1, depth + 1)]


def threshold_grid(relevances: Sequence[float], step: float = 0.025) -> list[float]:
    """Thresholds every `step` from just below the lowest relevance to just above the highest."""
    if not relevances:
        return []
    low = math.floor(min(relevances) / step) * step
    high = (math.floor(max(relevances) / step) + 1) * step  # the first threshold at which every question abstains
    return [round(low + i * step, 4) for i in range(int(round((high - low) / step)) + 1)]


def abstention_tradeoff(
    relevance_answerable: Sequence[float], relevance_unanswerable: Sequence[float], thresholds: Sequence[float]
) -> list[dict]:
    """Abstention and answer rate had the system answered exactly when relevance >= threshold."""
    return [
        {
            "threshold": t,
            "abstention": abstention([r >= t for r in relevance_unanswerable]),
            "answer_rate": answer_rate([r >= t for r in relevance_answerable]),
        }
        for t in thresholds
    ]


def false_answer_rate(answered_unanswerable: Sequence[bool]) -> float | None:
    """Share of unanswerable questions the system answered anyway (1 - abstention)."""
    return share(answered_unanswerable)


def answer_sentence_precision(supported_of_total: Sequence[tuple[int, int]]) -> float | None:
    """Share of all answer sentences, pooled over questions, that hold a gold quote or a labelled supporting
    sentence. Pooled, so a three-sentence answer with one wrong sentence weighs three sentences."""
    total = sum(t for _, t in supported_of_total)
    return sum(s for s, _ in supported_of_total) / total if total else None


def abstention_by_reason(declined_by_reason: Sequence[tuple[str, bool]]) -> dict[str, float]:
    """Abstention per gold reason label (not-mentioned, wrong-type, off-topic, boilerplate-trap, ...)."""
    reasons = sorted({r for r, _ in declined_by_reason})
    return {r: share([d for rr, d in declined_by_reason if rr == r]) for r in reasons}


def calibration_table(confidence_right: Sequence[tuple[float, bool]], bins: int = 5) -> list[dict]:
    """Reliability table: replies grouped by confidence into `bins` equal-width bins over [0, 1]; each row
    has the bin, how many replies fell in it, their mean confidence and the share that were right."""
    rows = []
    for b in range(bins):
        low, high = b / bins, (b + 1) / bins
        inside = [(c, r) for c, r in confidence_right if low <= c < high or (b == bins - 1 and c == 1.0)]
        rows.append(
            {
                "low": round(low, 3),
                "high": round(high, 3),
                "n": len(inside),
                "mean_confidence": sum(c for c, _ in inside) / len(inside) if inside else None,
                "right": share([r for _, r in inside]),
            }
        )
    return rows


def expected_calibration_error(table: Sequence[dict]) -> float | None:
    """Mean gap between confidence and share right, weighted by the replies in each bin."""
    n = sum(row["n"] for row in table)
    if not n:
        return None
    return sum(row["n"] * abs(row["mean_confidence"] - row["right"]) for row in table if row["n"]) / n


def reply_right(j: "Judgement") -> bool:
    """An answer holding a gold quote, or an abstention on a question the material does not answer."""
    return bool(j.answer_hit) if j.gold_answerable else not j.answered


FIGURES = (
    "questions",
    "fully_right",
    "first_sentence_right",
    "answerable_declined",
    "hit@1",
    "hit@3",
    "hit@k",
    "mrr",
    "evidence_recall",
    "answer_hit",
    "abstention",
    "answer_rate",
    "false_answer_rate",
    "answer_sentence_precision",
    "calibration_error",
    "median_passage_chars",
    "median_answer_chars",
    "latency_p50_ms",
    "latency_p95_ms",
)


def summarise(judgements: Sequence[Judgement], top_k: int) -> dict[str, float | int | None]:
    """Every headline figure over `judgements` (hit figures over answerable questions only)."""
    answerable = [j for j in judgements if j.gold_answerable]
    unanswerable = [j for j in judgements if not j.gold_answerable]
    ranks = [j.first_hit_rank for j in answerable]
    return {
        "questions": len(judgements),
        "hit@1": hit_at(ranks, 1),
        # a hit@3 of a run that returned fewer than 3 passages would be a hit@k under another name
        "hit@3": hit_at(ranks, 3) if top_k >= 3 else None,
        "hit@k": hit_at(ranks, top_k),
        "mrr": mean_reciprocal_rank(ranks),
        "evidence_recall": evidence_recall([(j.quotes_found, j.quotes_total) for j in answerable]),
        "answer_hit": answer_hit([bool(j.answer_hit) for j in answerable]),
        # issue 25: an answerable question answered with the right sentence first, or an unanswerable one declined
        "fully_right": share([bool(j.first_sentence_hit) if j.gold_answerable else not j.answered for j in judgements]),
        "first_sentence_right": share([bool(j.first_sentence_hit) for j in answerable]),
        "answerable_declined": share([not j.answered for j in answerable]),
        "abstention": abstention([j.answered for j in unanswerable]),
        "answer_rate": answer_rate([j.answered for j in answerable]),
        "false_answer_rate": false_answer_rate([j.answered for j in unanswerable]),
        "answer_sentence_precision": answer_sentence_precision(
            [(j.answer_sentences_supported, j.answer_sentences) for j in answerable if j.answered]
        ),
        "calibration_error": expected_calibration_error(calibration_table([(j.confidence, reply_right(j)) for j in judgements]))
        if judgements and all(j.confidence is not None for j in judgements)
        else None,
        "median_passage_chars": median(c for j in judgements for c in j.passage_chars),
        "median_answer_chars": median(j.answer_chars for j in judgements if j.answer_chars is not None),
        "latency_p50_ms": percentile([j.latency_ms for j in judgements], 50),
        "latency_p95_ms": percentile([j.latency_ms for j in judgements], 95),
    }


def summarise_by_kind(judgements: Sequence[Judgement], top_k: int) -> dict[str, dict]:
    kinds = sorted({j.kind for j in judgements})
    return {kind: summarise([j for j in judgements if j.kind == kind], top_k) for kind in kinds}


def problem_counts(judgements: Sequence[Judgement]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for j in judgements:
        for p in j.problems:
            counts[p] = counts.get(p, 0) + 1
    return counts
