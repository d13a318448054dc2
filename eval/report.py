"""Turn a run into results.json (every figure and the per-question drill-down), report.md and charts."""

from __future__ import annotations

import datetime as dt
import json
import os
import uuid
from collections import Counter
from pathlib import Path

from eval.matching import MIN_SHARE, quote_found
from eval.metrics import FIGURES
from eval.runner import EvalRun, SystemResult
from eval.scoring import OK

RESULTS_FILE = "results.json"
REPORT_FILE = "report.md"
HIT_CHART = "hit_at_k.png"
TRADEOFF_CHART = "abstention_tradeoff.png"
RELIABILITY_CHART = "reliability.png"

MATCHING_RULE = (
    f"a gold quote is found in a text when, after folding case, curly quotes, dashes and white space, "
    f"the text holds a contiguous run of at least {MIN_SHARE:.0%} of the quote"
)

_HEADERS = {
    "questions": "n",
    "fully_right": "fully right",
    "first_sentence_right": "first sentence right",
    "answerable_declined": "answerable declined",
    "hit@1": "hit@1",
    "hit@3": "hit@3",
    "hit@k": "hit@k",
    "mrr": "MRR",
    "evidence_recall": "evidence recall",
    "answer_hit": "answer hit",
    "abstention": "abstention",
    "answer_rate": "answer rate",
    "false_answer_rate": "false-answer rate",
    "answer_sentence_precision": "answer-sentence precision",
    "calibration_error": "calibration error",
    "median_passage_chars": "median passage chars",
    "median_answer_chars": "median answer chars",
    "latency_p50_ms": "p50 ms",
    "latency_p95_ms": "p95 ms",
}


def _answer_is(system: SystemResult) -> str:
    return "extractive answer" if system.gives_answers else "top passage (the system gives no answer of its own)"


def _passages(system: SystemResult, index: int, quotes: tuple[str, ...]) -> list[dict]:
    reply = system.outcomes[index].reply
    return [
        {
            "rank": rank,
            "source": p.source,
            "score": round(p.score, 4),
            "chars": len(p.text),
            "gold_quotes": [i for i, q in enumerate(quotes) if quote_found(q, p.text)],
            "text": p.text,
        }
        for rank, p in enumerate(reply.passages, 1)
    ]


def results_document(run: EvalRun, questions_file: str, command: str) -> dict:
    """Everything the run measured, as plain JSON."""
    kinds = Counter(q.kind for q in run.questions)
    return {
        "meta": {
            "generated_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "command": command,
            "questions_file": questions_file,
            "questions": len(run.questions),
            "answerable": sum(q.answerable for q in run.questions),
            "unanswerable": sum(not q.answerable for q in run.questions),
            "kinds": dict(sorted(kinds.items())),
            "top_k": run.top_k,
            "curve_depth": run.curve_depth,
            "matching_rule": MATCHING_RULE,
            "notes": [
                "hit@k, MRR, evidence recall, answer hit and answer rate are over answerable questions; abstention over unanswerable ones",
                "evidence recall is the mean over questions of the share of their gold quotes found in the top k",
                "answer hit: the answer, [n] markers removed, holds a gold quote; an abstention holds none",
                "median answer chars is over questions the system answered; median passage chars over every passage returned",
                "latency: wall time of one call at top_k (in process) or the HTTP round trip (--url), after one untimed warm-up call",
                "the hit@k curve comes from a second call at top_k = curve_depth",
            ],
        },
        "systems": [
            {
                "name": s.name,
                "description": s.description,
                "answer_is": _answer_is(s),
                "abstain_threshold": s.abstain_threshold,
                "summary": s.summary,
                "by_kind": s.by_kind,
                "hit_curve": s.hit_curve,
                "problems": s.problems,
                "abstention_tradeoff": s.tradeoff,
                "tradeoff_agreement": list(s.tradeoff_agreement) if s.tradeoff_agreement else None,
                "abstention_by_reason": s.abstention_by_reason,
                "abstention_reasons": s.abstention_reasons,
                "calibration": s.calibration,
                "policy": s.policy,
            }
            for s in run.systems
        ],
        "questions": [
            {
                "id": q.id,
                "question": q.question,
                "kind": q.kind,
                "answerable": q.answerable,
                "gold_quotes": [{"doc": d, "quote": t} for d, t in zip(q.quote_docs, q.quotes)],
                "results": {
                    s.name: {
                        "tag": (s.outcomes[i].judgement.problems or (OK,))[0],
                        "problems": list(s.outcomes[i].judgement.problems),
                        "answerable": s.outcomes[i].reply.answerable,
                        "answer": s.outcomes[i].reply.answer,
                        "answer_hit": s.outcomes[i].judgement.answer_hit,
                        "first_hit_rank": s.outcomes[i].judgement.first_hit_rank,
                        "first_hit_rank_in_curve": s.outcomes[i].judgement.deep_first_hit_rank,
                        "quotes_found": s.outcomes[i].judgement.quotes_found,
                        "quotes_total": s.outcomes[i].judgement.quotes_total,
                        "relevance": s.outcomes[i].judgement.relevance,
                        "abstention": s.outcomes[i].judgement.abstention,
                        "confidence": s.outcomes[i].judgement.confidence,
                        "answer_sentences": s.outcomes[i].judgement.answer_sentences,
                        "answer_sentences_supported": s.outcomes[i].judgement.answer_sentences_supported,
                        "latency_ms": s.outcomes[i].judgement.latency_ms,
                        "passages": _passages(s, i, q.quotes),
                    }
                    for s in run.systems
                },
            }
            for i, q in enumerate(run.questions)
        ],
    }


def _fmt(value) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, int):
        return str(value)
    return f"{value:.2f}" if abs(value) < 10 else f"{value:.0f}"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    return ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|", *("| " + " | ".join(r) + " |" for r in rows)]


def systems_table(doc: dict) -> list[str]:
    figures = [f for f in FIGURES if f != "questions"]
    header = ["system", *(_HEADERS[f].replace("hit@k", f"hit@{doc['meta']['top_k']}") for f in figures)]
    return _table(header, [[s["name"], *(_fmt(s["summary"][f]) for f in figures)] for s in doc["systems"]])


def render_markdown(doc: dict) -> str:
    meta = doc["meta"]
    k = meta["top_k"]
    lines = [
        "# Evaluation report",
        "",
        f"{meta['questions']} questions from `{meta['questions_file']}` ({meta['answerable']} answerable, "
        f"{meta['unanswerable']} unanswerable), top_k {k}, generated {meta['generated_at']}.",
        "",
        f"Command: `{meta['command']}`",
        "",
        f"Matching rule: {meta['matching_rule']}.",
        "",
        "## Systems",
        "",
        *systems_table(doc),
        "",
        *(f"- **{s['name']}**: {s['description']}. Answer scored: {s['answer_is']}." for s in doc["systems"]),
        *(f"- {note}." for note in meta["notes"]),
        "",
        f"![hit@k per system]({HIT_CHART})",
        "",
        "## By question kind",
        "",
    ]
    figures = [f for f in FIGURES]
    header = ["kind", "system", *(_HEADERS[f].replace("hit@k", f"hit@{k}") for f in figures)]
    rows = [
        [kind, s["name"], *(_fmt(s["by_kind"][kind][f]) for f in figures)]
        for kind in meta["kinds"]
        for s in doc["systems"]
    ]
    lines += [*_table(header, rows), ""]

    tags = sorted({t for s in doc["systems"] for t in s["problems"]})
    lines += ["## What went wrong (questions per tag)", ""]
    lines += [*_table(["system", *tags], [[s["name"], *(str(s["problems"].get(t, 0)) for t in tags)] for s in doc["systems"]]), ""]
    lines += [
        "Tags: `miss` no gold quote in the top k; `late-hit` first gold passage below rank 1; `partial-evidence` some gold quotes "
        "of a multi-part question missing; `false-abstain` declined an answerable question; `answer-missed-quote` answered "
        "without a gold quote; `false-answer` answered an unanswerable question.",
        "",
    ]

    reasons = sorted({r for s in doc["systems"] for r in s["abstention_by_reason"]})
    lines += ["## Abstention by reason", ""]
    lines += [
        "Share of the unanswerable questions declined, by the label the question was written with (`why` where given: "
        "not-mentioned, wrong-type, off-topic; else its kind). False-answer rate = 1 - abstention over all of them.",
        "",
        *_table(["system", *reasons], [[s["name"], *(_fmt(s["abstention_by_reason"].get(r)) for r in reasons)] for s in doc["systems"]]),
        "",
    ]
    own = sorted({r for s in doc["systems"] for r in s["abstention_reasons"]})
    if own:
        lines += ["What each system said when it declined (every question, answerable or not):", ""]
        lines += [*_table(["system", *own], [[s["name"], *(str(s["abstention_reasons"].get(r, 0)) for r in own)] for s in doc["systems"]]), ""]
    calibrated = [s for s in doc["systems"] if s["calibration"]]
    if calibrated:
        lines += ["## Calibration", ""]
        lines += [
            "Reliability table: replies grouped by their `confidence`; 'right' is the share that were right (an answer holding a "
            "gold quote, or an abstention on an unanswerable question). Calibrated means right ≈ mean confidence in each row.",
            "",
        ]
        for s in calibrated:
            rows = [[f"{r['low']:.1f}–{r['high']:.1f}", str(r["n"]), _fmt(r["mean_confidence"]), _fmt(r["right"])] for r in s["calibration"]]
            lines += [f"**{s['name']}**", "", *_table(["confidence", "replies", "mean confidence", "right"], rows), ""]
        lines += [f"![reliability diagram]({RELIABILITY_CHART})", ""]

    sweeps = [s for s in doc["systems"] if s["abstention_tradeoff"]]
    if sweeps:
        lines += ["## Abstention trade-off", ""]
        lines += [
            "Had the pipeline answered exactly when its best-sentence relevance reaches the threshold, computed from the relevance "
            "of each answer in this run without re-running; a question declined by another rule (a figure or date question with "
            "no figure or date near the top, a question about a teaser or advert cleaning removed) stays declined. "
            "The configured threshold is in bold.",
            "",
        ]
        for s in sweeps:
            agree, total = s["tradeoff_agreement"]
            lines += [f"**{s['name']}** (configured threshold {s['abstain_threshold']:g}; the rule matches what it did on {agree} of {total} questions)", ""]
            rows = []
            for r in s["abstention_tradeoff"]:
                cells = [f"{r['threshold']:g}", _fmt(r["abstention"]), _fmt(r["answer_rate"])]
                rows.append([f"**{c}**" for c in cells] if r["threshold"] == s["abstain_threshold"] else cells)
            lines += [*_table(["threshold", "abstention", "answer rate"], rows), ""]
        lines += [f"![abstention trade-off]({TRADEOFF_CHART})", ""]

    lines += ["## Questions with a problem", ""]
    for s in doc["systems"]:
        wrong = [(q, q["results"][s["name"]]) for q in doc["questions"] if q["results"][s["name"]]["problems"]]
        lines += [f"**{s['name']}**: {len(wrong)} of {len(doc['questions'])}", ""]
        if wrong:
            rows = [[q["id"], q["kind"], ", ".join(r["problems"]), _fmt(r["first_hit_rank"]), q["question"].replace("|", "\\|")] for q, r in wrong]
            lines += [*_table(["id", "kind", "problems", "first hit", "question"], rows), ""]
    return "\n".join(lines)


def _write_atomically(path: Path, write) -> None:
    """Write through a temporary file and rename: a reader never sees half a file."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_outputs(run: EvalRun, out_dir: Path, questions_file: str, command: str) -> dict[str, Path]:
    from eval.charts import hit_at_k_chart, reliability_chart, tradeoff_chart

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    doc = results_document(run, questions_file, command)
    written = {}
    paths = {"results": out_dir / RESULTS_FILE, "report": out_dir / REPORT_FILE, "hit_chart": out_dir / HIT_CHART}
    _write_atomically(paths["results"], lambda p: p.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"))
    _write_atomically(paths["report"], lambda p: p.write_text(render_markdown(doc) + "\n", encoding="utf-8"))
    _write_atomically(paths["hit_chart"], lambda p: hit_at_k_chart({s.name: s.hit_curve for s in run.systems}, p, run.top_k))
    written.update(paths)
    tables = {s.name: s.calibration for s in run.systems if s.calibration}
    if tables:
        written["reliability_chart"] = out_dir / RELIABILITY_CHART
        _write_atomically(written["reliability_chart"], lambda p: reliability_chart(tables, p))
    else:
        (out_dir / RELIABILITY_CHART).unlink(missing_ok=True)
    sweeps = {s.name: (s.tradeoff, s.abstain_threshold) for s in run.systems if s.tradeoff}
    if sweeps:
        written["tradeoff_chart"] = out_dir / TRADEOFF_CHART
        _write_atomically(written["tradeoff_chart"], lambda p: tradeoff_chart(sweeps, p))
    else:
        (out_dir / TRADEOFF_CHART).unlink(missing_ok=True)  # a chart from an earlier run would not describe this one
    return written
