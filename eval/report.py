"""Turn a run into results.json (every figure and the per-question drill-down), report.md, report.html and charts."""

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
                "reason": q.reason,
                "gold_quotes": [{"doc": d, "quote": t} for d, t in zip(q.quote_docs, q.quotes)],
                "results": {
                    s.name: {
                        "tag": (s.outcomes[i].judgement.problems or (OK,))[0],
                        "problems": list(s.outcomes[i].judgement.problems),
                        "answerable": s.outcomes[i].reply.answerable,
                        "answer": s.outcomes[i].reply.answer,
                        "answer_hit": s.outcomes[i].judgement.answer_hit,
                        "first_sentence_hit": s.outcomes[i].judgement.first_sentence_hit,
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


# a share figure and the questions it is over: shown as "1 of 6 (0.17)" in the report, where a reader wants counts
_OVER = {
    "fully_right": "all",
    "first_sentence_right": "answerable",
    "answerable_declined": "answerable",
    "hit@1": "answerable",
    "hit@3": "answerable",
    "hit@k": "answerable",
    "answer_hit": "answerable",
    "answer_rate": "answerable",
    "abstention": "unanswerable",
    "false_answer_rate": "unanswerable",
}


def _over(questions: list[dict]) -> dict[str, int]:
    answerable = sum(1 for q in questions if q["answerable"])
    return {"all": len(questions), "answerable": answerable, "unanswerable": len(questions) - answerable}


def _count(value, n: int) -> str:
    """A share of n questions as "k of n (share)"; n/a over none."""
    if value is None or not n:
        return "n/a"
    return f"{round(value * n)} of {n} ({value:.2f})"


def _cell(figure: str, value, over: dict[str, int] | None) -> str:
    return _count(value, over[_OVER[figure]]) if over is not None and figure in _OVER else _fmt(value)


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    return ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|", *("| " + " | ".join(r) + " |" for r in rows)]


def systems_table(doc: dict, counts: bool = False) -> list[str]:
    """Systems x figures; with `counts`, share figures as "k of n (share)"."""
    figures = [f for f in FIGURES if f != "questions"]
    header = ["system", *(_HEADERS[f].replace("hit@k", f"hit@{doc['meta']['top_k']}") for f in figures)]
    over = _over(doc["questions"]) if counts else None
    return _table(header, [[s["name"], *(_cell(f, s["summary"][f], over) for f in figures)] for s in doc["systems"]])


# per figure: (better is higher, the question is won by system a over b); figures without a per-question reading
# (chars, latency, calibration, answer-sentence precision) get no why line
def _rank(r: dict) -> float:
    return r["first_hit_rank"] if r["first_hit_rank"] is not None else float("inf")


def _right(q: dict, r: dict) -> bool:
    return bool(r["first_sentence_hit"]) if q["answerable"] else not r["answerable"]


_WINS = {
    "fully_right": (True, lambda q, a, b: _right(q, a) and not _right(q, b)),
    "first_sentence_right": (True, lambda q, a, b: q["answerable"] and bool(a["first_sentence_hit"]) and not b["first_sentence_hit"]),
    "answerable_declined": (False, lambda q, a, b: q["answerable"] and a["answerable"] and not b["answerable"]),
    "hit@1": (True, lambda q, a, b: q["answerable"] and _rank(a) <= 1 < _rank(b)),
    "hit@3": (True, lambda q, a, b: q["answerable"] and _rank(a) <= 3 < _rank(b)),
    "hit@k": (True, lambda q, a, b: q["answerable"] and a["first_hit_rank"] is not None and b["first_hit_rank"] is None),
    "mrr": (True, lambda q, a, b: q["answerable"] and _rank(a) < _rank(b)),
    "evidence_recall": (True, lambda q, a, b: q["answerable"] and a["quotes_found"] > b["quotes_found"]),
    "answer_hit": (True, lambda q, a, b: q["answerable"] and bool(a["answer_hit"]) and not b["answer_hit"]),
    "answer_rate": (True, lambda q, a, b: q["answerable"] and a["answerable"] and not b["answerable"]),
    "abstention": (True, lambda q, a, b: not q["answerable"] and not a["answerable"] and b["answerable"]),
    "false_answer_rate": (False, lambda q, a, b: not q["answerable"] and not a["answerable"] and b["answerable"]),
}


def anchor(system: str, question_id: str) -> str:
    """The id of a question's row in a system's 'Questions with a problem' table."""
    return "q-" + "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in f"{system}-{question_id}")


def _possessive(name: str) -> str:
    return f"{name}'" if name.endswith("s") else f"{name}'s"


# a baseline never declines: its answer rate is 1 and it declines no answerable question by construction
_BY_CONSTRUCTION = ("answer_rate", "answerable_declined")


def why_lines(doc: dict, shown: int = 8) -> list[str]:
    """One line per figure on which another system beats the first (ours): on which questions it wins, the first
    system's tags on them, and links to their rows in the drill-down below. A baseline's answer rate and
    answerable-declined (it never declines) are left out."""
    if len(doc["systems"]) < 2:
        return []
    ours = doc["systems"][0]
    k = doc["meta"]["top_k"]
    lines = []
    for other in doc["systems"][1:]:
        baseline = other["answer_is"] != ours["answer_is"]
        for figure, (higher, wins) in _WINS.items():
            a, b = other["summary"].get(figure), ours["summary"].get(figure)
            if a is None or b is None or round(a, 2) == round(b, 2) or (a > b) != higher or (baseline and figure in _BY_CONSTRUCTION):
                continue
            won = [q for q in doc["questions"] if wins(q, q["results"][other["name"]], q["results"][ours["name"]])]
            lost = [q for q in doc["questions"] if wins(q, q["results"][ours["name"]], q["results"][other["name"]])]
            tags = Counter(t for q in won for t in q["results"][ours["name"]]["problems"] or ["ok"])
            label = _HEADERS[figure].replace("hit@k", f"hit@{k}")
            line = f"- **{other['name']}** beats **{ours['name']}** on {label} ({_fmt(a)} vs {_fmt(b)}): on {len(won)} questions"
            if won:
                line += f" {other['name']} is right and {ours['name']} is not ({_possessive(ours['name'])} tags there: "
                line += ", ".join(f"`{t}` {n}" for t, n in tags.most_common()) + ")"
            line += f"; {ours['name']} wins {len(lost)} the other way."
            if figure in ("answer_hit", "fully_right", "first_sentence_right") and baseline:
                line += (f" {_possessive(other['name'])} answer is its whole top passage and it never declines (median answer "
                         f"{_fmt(other['summary']['median_answer_chars'])} characters against {_fmt(ours['summary']['median_answer_chars'])}).")
            if won:
                links = [f"[{q['id']}](#{anchor(ours['name'], q['id'])})" if q["results"][ours["name"]]["problems"] else q["id"] for q in won[:shown]]
                line += " Questions: " + ", ".join(links) + (f" and {len(won) - shown} more" if len(won) > shown else "") + "."
            lines.append(line)
    return lines


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
        *systems_table(doc, counts=True),
        "",
        *(f"- **{s['name']}**: {s['description']}. Answer scored: {s['answer_is']}." for s in doc["systems"]),
        *(f"- {note}." for note in meta["notes"]),
        "",
    ]
    why = why_lines(doc)
    if why:
        lines += ["### Where another system beats ours, and why", "", *why, ""]
    lines += [
        f"![hit@k per system]({HIT_CHART})",
        "",
        "## By question kind",
        "",
    ]
    figures = [f for f in FIGURES]
    header = ["kind", "system", *(_HEADERS[f].replace("hit@k", f"hit@{k}") for f in figures)]
    rows = []
    for kind in meta["kinds"]:
        over = _over([q for q in doc["questions"] if q["kind"] == kind])
        rows += [[kind, s["name"], *(_cell(f, s["by_kind"][kind][f], over) for f in figures)] for s in doc["systems"]]
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
    by_reason = Counter(q.get("reason") for q in doc["questions"] if not q["answerable"])
    lines += ["## Abstention by reason", ""]
    lines += [
        "Share of the unanswerable questions declined, by the label the question was written with (`why` where given: "
        "not-mentioned, wrong-type, off-topic; else its kind). False-answer rate = 1 - abstention over all of them.",
        "",
        *_table(["system", *reasons], [[s["name"], *(_count(s["abstention_by_reason"].get(r), by_reason[r]) for r in reasons)] for s in doc["systems"]]),
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
            rows = [[f'<a id="{anchor(s["name"], q["id"])}"></a>{q["id"]}', q["kind"], ", ".join(r["problems"]), _fmt(r["first_hit_rank"]),
                     q["question"].replace("|", "\\|")] for q, r in wrong]
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
    from eval.html_report import HTML_FILE, render_html

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    doc = results_document(run, questions_file, command)
    written = {}
    paths = {"results": out_dir / RESULTS_FILE, "report": out_dir / REPORT_FILE, "hit_chart": out_dir / HIT_CHART}
    _write_atomically(paths["results"], lambda p: p.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"))
    markdown = render_markdown(doc)
    _write_atomically(paths["report"], lambda p: p.write_text(markdown + "\n", encoding="utf-8"))
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
    # last: the page inlines the charts just written
    written["html"] = out_dir / HTML_FILE
    _write_atomically(written["html"], lambda p: p.write_text(render_html(markdown, out_dir), encoding="utf-8"))
    return written
