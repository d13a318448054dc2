"""`inspectqa eval` end to end on a few dev questions: files written, figures that match the pipeline,
the same figures over HTTP as in process, and clear errors for bad input."""

import json
import os
import subprocess
import sys

import pytest

from cli.eval import parse_config, run
from eval.matching import quote_found
from index.answer.answerer import QuestionAnswerer
from eval.errors import EvaluationError
from index.settings import PROJECT_ROOT
from cli.main import build_parser

PICK = ("d001", "d003", "d004", "d006")  # lookup, numeric, multi (4 quotes), unanswerable
CONFIG = "chunk_size=400,chunk_overlap=100"
FIGURES = ("hit@1", "hit@3", "hit@k", "mrr", "evidence_recall", "answer_hit", "abstention", "answer_rate")


@pytest.fixture(scope="module")
def question_file(tmp_path_factory, dev_questions):
    rows = [q for q in dev_questions if q["id"] in PICK]
    assert len(rows) == len(PICK)
    path = tmp_path_factory.mktemp("questions") / "few.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _eval(argv, settings, encoder):
    args = build_parser().parse_args(["eval", *argv, "--quiet"])
    assert run(args, settings=settings, encoder=encoder) == 0
    return json.loads((args.out / "results.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def in_process(tmp_path_factory, question_file, settings, encoder, built_index):
    out = tmp_path_factory.mktemp("eval-out")
    return out, _eval(["--questions", str(question_file), "--out", str(out), "--config", CONFIG], settings, encoder)


def test_eval_writes_json_markdown_and_charts(in_process):
    out, results = in_process
    names = [s["name"] for s in results["systems"]]
    assert names == ["ours", "naive", "bm25", f"ours[{CONFIG}]"]
    report = (out / "report.md").read_text(encoding="utf-8")
    for name in names:
        assert f"| {name} |" in report
    assert "| system | fully right | first sentence right | answerable declined | hit@1 | hit@3 | hit@5 | MRR |" in report
    for chart in ("hit_at_k.png", "abstention_tradeoff.png"):
        data = (out / chart).read_bytes()
        assert data.startswith(b"\x89PNG") and len(data) > 5000
    assert not list(out.glob(".*tmp"))  # no half-written files left behind
    assert results["meta"]["questions"] == 4 and results["meta"]["answerable"] == 3
    for s in results["systems"]:
        assert set(s["summary"]) >= set(FIGURES) | {"median_passage_chars", "median_answer_chars", "latency_p50_ms", "latency_p95_ms"}
        assert set(s["by_kind"]) == {"lookup", "numeric", "multi", "unanswerable"}
        assert len(s["hit_curve"]) == 10


def test_figures_agree_with_the_drill_down(in_process):
    _, results = in_process
    for s in results["systems"]:
        rows = [q["results"][s["name"]] for q in results["questions"] if q["answerable"]]
        ranks = [r["first_hit_rank"] for r in rows]
        assert s["summary"]["hit@k"] == sum(r is not None and r <= 5 for r in ranks) / len(rows)
        assert s["summary"]["hit@1"] == sum(r == 1 for r in ranks) / len(rows)
        for r in rows:
            assert len(r["passages"]) <= 5
            expected = next((p["rank"] for p in r["passages"] if p["gold_quotes"]), None)
            assert r["first_hit_rank"] == expected
            assert r["tag"] == (r["problems"] or ["ok"])[0]


def test_ours_reports_what_the_pipeline_does(in_process, settings, encoder, built_index):
    """The drill-down of `ours` is the pipeline's own answer and citations, in rank order."""
    _, results = in_process
    answerer = QuestionAnswerer(built_index, encoder, settings)
    for q in results["questions"]:
        answer = answerer.answer(q["question"], 5)
        row = q["results"]["ours"]
        assert row["answer"] == answer.answer and row["answerable"] == answer.answerable
        assert [p["text"] for p in row["passages"]] == [c.passage.text for c in answer.citations]
        quotes = [g["quote"] for g in q["gold_quotes"]]
        hits = [n for n, c in enumerate(answer.citations, 1) if any(quote_found(t, c.passage.text) for t in quotes)]
        assert row["first_hit_rank"] == (hits[0] if hits else None)


def test_baselines_are_what_they_claim(in_process):
    _, results = in_process
    naive = [p for q in results["questions"] for p in q["results"]["naive"]["passages"]]
    # raw source files, chunks of at most 1000 characters
    assert all(p["source"].endswith(".txt") and p["chars"] <= 1000 for p in naive)
    for q in results["questions"]:
        for name in ("naive", "bm25"):
            row = q["results"][name]
            assert row["answerable"] is True and row["answer"] == row["passages"][0]["text"]
    bm25 = [p["score"] for q in results["questions"] for p in q["results"]["bm25"]["passages"]]
    assert all(score > 0 for score in bm25)


def test_a_config_variant_gets_its_own_index(in_process):
    _, results = in_process
    systems = {s["name"]: s for s in results["systems"]}
    variant = systems[f"ours[{CONFIG}]"]
    assert "chunk_size 400, overlap 100" in variant["description"]
    assert variant["summary"]["median_passage_chars"] < systems["ours"]["summary"]["median_passage_chars"]
    # the trade-off sweep exists for in-process pipelines and describes what they did
    for s in (systems["ours"], variant):
        assert s["abstention_tradeoff"] and s["tradeoff_agreement"][0] == s["tradeoff_agreement"][1] == 4
    assert systems["naive"]["abstention_tradeoff"] == []


def test_http_gives_the_same_figures_as_in_process(in_process, question_file, live_server, settings, encoder, tmp_path):
    _, local = in_process
    remote = _eval(["--questions", str(question_file), "--out", str(tmp_path), "--url", live_server.url, "--systems", "ours"], settings, encoder)
    assert [s["name"] for s in remote["systems"]] == ["ours"]
    assert remote["systems"][0]["description"] == f"POST {live_server.url}/ask"
    ours_local = next(s for s in local["systems"] if s["name"] == "ours")
    for figure in FIGURES:
        assert remote["systems"][0]["summary"][figure] == ours_local["summary"][figure], figure
    assert remote["systems"][0]["hit_curve"] == ours_local["hit_curve"]
    for q_local, q_remote in zip(local["questions"], remote["questions"]):
        a, b = q_local["results"]["ours"], q_remote["results"]["ours"]
        assert (a["first_hit_rank"], a["quotes_found"], a["answer"]) == (b["first_hit_rank"], b["quotes_found"], b["answer"])
    # the HTTP reply carries no relevance, so there is no sweep, and no stale chart from before
    assert remote["systems"][0]["abstention_tradeoff"] == []
    assert not (tmp_path / "abstention_tradeoff.png").exists()


# ---------------------------------------------------------------- bad input


def test_config_names_and_values_are_checked():
    assert parse_config(" chunk_size=400 , abstain_threshold=0.5").overrides == {"chunk_size": "400", "abstain_threshold": "0.5"}
    with pytest.raises(EvaluationError, match="unknown setting 'chunk_sise'"):
        parse_config("chunk_sise=400")
    with pytest.raises(EvaluationError, match="not NAME=VALUE"):
        parse_config("chunk_size")
    with pytest.raises(EvaluationError, match="index_dir"):
        parse_config("index_dir=/tmp/x")


def test_a_bad_config_value_fails_before_any_work(question_file, settings, encoder, tmp_path):
    args = build_parser().parse_args(["eval", "--questions", str(question_file), "--out", str(tmp_path), "--config", "chunk_size=tiny", "--quiet"])
    with pytest.raises(EvaluationError, match="chunk_size"):
        run(args, settings=settings, encoder=encoder)
    assert not (tmp_path / "results.json").exists()


def test_an_unreachable_server_is_a_clear_error(question_file, settings, tmp_path):
    from tests.conftest import free_port

    args = build_parser().parse_args(
        ["eval", "--questions", str(question_file), "--out", str(tmp_path), "--url", f"http://127.0.0.1:{free_port()}", "--systems", "ours", "--quiet"]
    )
    with pytest.raises(EvaluationError, match="cannot reach"):
        run(args, settings=settings)
    assert not (tmp_path / "results.json").exists()


def test_a_malformed_question_file_names_the_line(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "question": "q?", "answerable": false, "kind": "unanswerable"}\n\n{"id": "b", "question": "q?"\n', encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "cli", "eval", "--questions", str(bad), "--out", str(tmp_path / "out")],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120, env=os.environ.copy(),
    )
    assert result.returncode == 2
    assert "line 3: not valid JSON" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()
