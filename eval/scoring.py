"""Score one reply against one gold question: ranks, quotes found, answer hit, what went wrong."""

from __future__ import annotations

import re
from collections.abc import Sequence

from eval.matching import quote_found
from eval.metrics import Judgement, Rank
from eval.questions import GoldQuestion
from eval.reply import Reply

# "[2]" markers are not source text: a quote spanning two answer sentences must still match.
_CITATION_MARKER = re.compile(r"\s*\[\d+\]")

# Problem tags, most serious first; a question with none went right.
MISS = "miss"  # no gold quote in the top k
LATE_HIT = "late-hit"  # a gold quote, but not in the first passage
PARTIAL_EVIDENCE = "partial-evidence"  # some of several gold quotes missing from the top k
FALSE_ABSTAIN = "false-abstain"  # said answerable: false to an answerable question
ANSWER_MISSED_QUOTE = "answer-missed-quote"  # answered, but the answer holds no gold quote
FALSE_ANSWER = "false-answer"  # answered a question the material does not answer
OK = "ok"


def strip_markers(answer: str) -> str:
    return _CITATION_MARKER.sub("", answer)


def first_gold_rank(quotes: Sequence[str], passages: Sequence[str]) -> Rank:
    """1-based rank of the first passage holding any gold quote, None when none does."""
    for rank, text in enumerate(passages, 1):
        if any(quote_found(q, text) for q in quotes):
            return rank
    return None


def quotes_found_in(quotes: Sequence[str], passages: Sequence[str]) -> int:
    """How many of the gold quotes some passage holds."""
    return sum(1 for q in quotes if any(quote_found(q, text) for text in passages))


def answer_holds_quote(quotes: Sequence[str], answer: str) -> bool:
    text = strip_markers(answer)
    return any(quote_found(q, text) for q in quotes)


def problems(gold_answerable: bool, answered: bool, first_rank: Rank, found: int, total: int, answer_hit: bool | None) -> tuple[str, ...]:
    if not gold_answerable:
        return (FALSE_ANSWER,) if answered else ()
    tags = []
    if first_rank is None:
        tags.append(MISS)
    elif first_rank > 1:
        tags.append(LATE_HIT)
    if first_rank is not None and found < total:
        tags.append(PARTIAL_EVIDENCE)
    if not answered:
        tags.append(FALSE_ABSTAIN)
    elif not answer_hit:
        tags.append(ANSWER_MISSED_QUOTE)
    return tuple(tags)


_MARKER_SPLIT = re.compile(r"\s*\[\d+\]\s*")


def answer_sentences(answer: str, quotes_answer: bool) -> list[str]:
    """The quoted sentences of an extractive answer ("... [1] ... [2]"); a system without answers quotes one passage."""
    if not quotes_answer:
        return [answer] if answer.strip() else []
    return [part for part in _MARKER_SPLIT.split(answer) if part.strip()]


def sentence_supported(sentence: str, quotes: Sequence[str]) -> bool:
    """The sentence holds a gold or supporting quote, or is itself most of one (a quote spanning two sentences)."""
    return any(quote_found(q, sentence) or quote_found(sentence, q) for q in quotes)


def judge(question: GoldQuestion, reply: Reply, deep_passages: Sequence[str], gives_answers: bool = True) -> Judgement:
    """Score `reply`; `deep_passages` is the longer ranking the hit@k curve is drawn from."""
    texts = [p.text for p in reply.passages]
    rank = first_gold_rank(question.quotes, texts) if question.answerable else None
    found = quotes_found_in(question.quotes, texts)
    hit = (reply.answerable and answer_holds_quote(question.quotes, reply.answer)) if question.answerable else None
    sentences = answer_sentences(reply.answer, gives_answers) if reply.answerable else []
    return Judgement(
        kind=question.kind,
        gold_answerable=question.answerable,
        first_hit_rank=rank,
        deep_first_hit_rank=first_gold_rank(question.quotes, deep_passages) if question.answerable else None,
        quotes_found=found,
        quotes_total=len(question.quotes),
        answered=reply.answerable,
        answer_hit=hit,
        answer_chars=len(reply.answer) if reply.answerable else None,
        passage_chars=tuple(len(t) for t in texts),
        latency_ms=reply.latency_ms,
        relevance=reply.relevance,
        reason=question.reason,
        abstention=None if reply.answerable else reply.abstention,
        confidence=reply.confidence,
        answer_sentences=len(sentences),
        answer_sentences_supported=sum(1 for s in sentences if sentence_supported(s, question.quotes + question.support)),
        first_sentence_hit=bool(sentences) and sentence_supported(sentences[0], question.quotes) if question.answerable else None,
        problems=problems(question.answerable, reply.answerable, rank, found, len(question.quotes), hit),
    )
