"""Issue 28 item 5: the evaluation report reads as a person wants it: counts, a 'why' where a baseline beats
ours (linked to the questions), trade-off labels that do not overlap, and report.html opened with one command."""

from __future__ import annotations

import subprocess
import sys

from eval.charts import tradeoff_figure
from eval.html_report import render_html
from eval.report import anchor, why_lines
from index.settings import PROJECT_ROOT


def _result(answerable: bool, hit: bool | None, rank: int | None, problems: list[str]) -> dict:
    return {"answerable": answerable, "answer_hit": hit, "first_sentence_hit": hit, "first_hit_rank": rank,
            "quotes_found": 1 if rank else 0, "problems": problems}


def _doc() -> dict:
    # bm25 never declines: it "answers" q1-q3 with its top passage, which holds the quote; ours declines q1 and q2
    questions = [
        {"id": "q1", "answerable": True, "results": {"ours": _result(False, False, 1, ["false-abstain"]), "bm25": _result(True, True, 1, [])}},
        {"id": "q2", "answerable": True, "results": {"ours": _result(False, False, 2, ["false-abstain", "late-hit"]), "bm25": _result(True, True, 1, [])}},
        {"id": "q3", "answerable": True, "results": {"ours": _result(True, True, 1, []), "bm25": _result(True, True, 1, [])}},
        {"id": "q4", "answerable": False, "results": {"ours": _result(False, None, None, []), "bm25": _result(True, None, None, ["false-answer"])}},
    ]
    summary = lambda hit, chars: {"answer_hit": hit, "median_answer_chars": chars, "hit@1": 1.0}  # noqa: E731
    return {
        "meta": {"top_k": 5},
        "systems": [
            {"name": "ours", "answer_is": "extractive answer", "summary": summary(1 / 3, 90)},
            {"name": "bm25", "answer_is": "top passage", "summary": summary(1.0, 410)},
        ],
        "questions": questions,
    }


def test_a_baseline_that_beats_ours_gets_a_why_line_naming_and_linking_the_questions():
    [line] = why_lines(_doc())
    assert line.startswith("- **bm25** beats **ours** on answer hit (1.00 vs 0.33): on 2 questions")
    assert "`false-abstain` 2" in line and "`late-hit` 1" in line
    assert "its whole top passage and it never declines" in line  # the why: a whole passage, never declined and "410 characters against 90" in line
    assert f"[q1](#{anchor('ours', 'q1')})" in line and f"[q2](#{anchor('ours', 'q2')})" in line
    # equal figures (hit@1 1.00 both) and figures ours wins get no line
    assert "hit@1" not in line


def test_the_html_page_links_the_why_line_to_the_question_row_and_escapes_question_text(tmp_path):
    markdown = "\n".join([
        "# Evaluation report", "", "- see [q1](#q-ours-q1)", "",
        "| id | question |", "| --- | --- |",
        '| <a id="q-ours-q1"></a>q1 | Is <script>alert(1)</script> \\| safe? |', "",
        "![missing chart](nowhere.png)",
    ])
    page = render_html(markdown, tmp_path)
    assert '<a href="#q-ours-q1">q1</a>' in page and '<span id="q-ours-q1"></span>q1' in page
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; | safe?" in page
    assert "missing chart: chart not written in this run" in page


def test_trade_off_labels_do_not_overlap():
    # a dense sweep: thresholds every 0.025 whose points crowd together, as a real run's do
    rows = [{"threshold": round(0.1 + 0.025 * i, 3), "answer_rate": max(0.0, 1 - 0.03 * i), "abstention": min(1.0, 0.02 * i)} for i in range(36)]
    fig = tradeoff_figure({"ours": (rows, 0.3), "ours[variant]": ([{**r, "abstention": r["abstention"] + 0.01} for r in rows], 0.325)})
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in fig.axes[0].texts]
    assert len(boxes) >= 6, "too few thresholds labelled to read the chart"
    overlapping = [(i, j) for i in range(len(boxes)) for j in range(i + 1, len(boxes)) if boxes[i].overlaps(boxes[j])]
    assert not overlapping, f"{len(overlapping)} pairs of threshold labels overlap"
    assert {t.get_text() for t in fig.axes[0].texts} >= {"0.3", "0.325"}  # both configured thresholds labelled


def test_make_report_opens_the_page_or_says_to_run_the_eval_first(tmp_path):
    missing = subprocess.run([sys.executable, "-m", "eval.html_report", str(tmp_path)], cwd=PROJECT_ROOT, capture_output=True, text=True)
    assert missing.returncode == 2 and "run `make eval`" in missing.stderr and "Traceback" not in missing.stderr
    (tmp_path / "report.html").write_text("<!doctype html><title>r</title>", encoding="utf-8")
    found = subprocess.run([sys.executable, "-m", "eval.html_report", str(tmp_path)], cwd=PROJECT_ROOT, capture_output=True, text=True,
                           env={"PATH": "/usr/bin:/bin", "BROWSER": "true"})
    assert found.returncode == 0 and found.stdout.strip() == str((tmp_path / "report.html").resolve())
