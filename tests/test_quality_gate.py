"""The quality gate of `make test`: the dev set, and the held-out set, through our pipeline and the naive
baseline in one run each, every headline figure of ours held against the floors recorded in
eval/floors.json and eval/floors_heldout.json."""

import json

import pytest

from cli.eval import run
from eval.gate import FLOORS_FILE, QualityFloors, check_floors, load_floors
from index.settings import PROJECT_ROOT
from eval.questions import REPO_DEV_QUESTIONS, SHARED_DEV_QUESTIONS
from cli.main import build_parser
from eval.errors import EvaluationError
from eval.gold_check import missing_quotes, read_rows
from index.ingest.corpus import load_corpus
from index.settings import Settings

HELDOUT_FLOORS_FILE = PROJECT_ROOT / "eval" / "floors_heldout.json"
HELDOUT_QUESTIONS = PROJECT_ROOT / "eval" / "gold" / "heldout_questions.jsonl"


def test_the_repository_dev_set_starts_with_the_shared_one_unchanged():
    if not SHARED_DEV_QUESTIONS.is_file():
        pytest.skip("only the repository's dev set (eval/gold/dev_questions.jsonl) is here: nothing to compare it with")
    shared = SHARED_DEV_QUESTIONS.read_text(encoding="utf-8").splitlines()
    repo = REPO_DEV_QUESTIONS.read_text(encoding="utf-8").splitlines()
    assert repo[: len(shared)] == shared
    assert len(repo) >= 150  # issue 13: the dev set grew past the shared 40


@pytest.mark.parametrize("gold", [REPO_DEV_QUESTIONS, HELDOUT_QUESTIONS], ids=["dev", "heldout"])
def test_every_gold_quote_is_in_the_clean_text_of_its_document(gold):
    texts = {d.source_file: d.text for d in load_corpus(Settings().corpus_dir)}
    rows = read_rows(gold)
    assert missing_quotes(rows, texts) == []
    unanswerable = [r for r in rows if not r["answerable"]]
    assert len(unanswerable) >= 0.3 * len(rows)  # issue 13: at least 30 % of each set unanswerable


def test_check_floors_names_every_shortfall():
    gate = QualityFloors(REPO_DEV_QUESTIONS, 5, {"hit@1": 0.7, "mrr": 0.8}, {"median_answer_chars": 400}, 0.1)
    good = {"hit@1": 0.75, "mrr": 0.8, "median_answer_chars": 300}
    assert check_floors(gate, good, {"hit@1": 0.6}) == []
    failures = check_floors(gate, {"hit@1": 0.65, "mrr": None, "median_answer_chars": 401}, {"hit@1": 0.6})
    assert failures == [
        "hit@1 0.650 is below its floor 0.7",
        "mrr: not measured (the floor is 0.8)",
        "median_answer_chars 401 is above its ceiling 400",
        "hit@1 0.650 is only +0.050 over naive (0.600); the floor is +0.1",
    ]
    assert check_floors(gate, good, None) == ["hit@1 over naive: the naive baseline was not run (add it to --systems)"]


def test_a_floors_file_that_is_not_json_is_a_clear_error(tmp_path):
    bad = tmp_path / "floors.json"
    bad.write_text("{floors: 1", encoding="utf-8")
    with pytest.raises(EvaluationError, match="is not valid"):
        load_floors(bad)


def test_floors_set_on_other_questions_are_refused(tmp_path, settings, encoder):
    other = tmp_path / "other.jsonl"
    other.write_text(REPO_DEV_QUESTIONS.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    args = build_parser().parse_args(["eval", "--questions", str(other), "--floors", "--out", str(tmp_path), "--quiet"])
    with pytest.raises(EvaluationError, match="were set on"):
        run(args, settings=settings, encoder=encoder)


@pytest.mark.parametrize("floors_file", [FLOORS_FILE, HELDOUT_FLOORS_FILE], ids=["dev", "heldout"])
def test_figures_stay_at_or_above_their_floors(floors_file, tmp_path, settings, encoder, built_index, capsys):
    gate = load_floors(floors_file)
    argv = ["eval", "--questions", str(gate.questions), "--systems", "ours,naive", "--floors", str(floors_file)]
    args = build_parser().parse_args([*argv, "--out", str(tmp_path), "--quiet"])
    status = run(args, settings=settings, encoder=encoder)
    printed = capsys.readouterr().out
    summary = {s["name"]: s["summary"] for s in json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))["systems"]}
    print(printed)  # shown by pytest on failure: the table and the figures below their floors
    assert status == 0, printed
    assert "quality gate passed" in printed
    assert summary["ours"]["questions"] == len(gate.questions.read_text(encoding="utf-8").splitlines())


def test_a_figure_below_its_floor_fails_the_run(tmp_path, settings, encoder, built_index, capsys):
    few = tmp_path / "few.jsonl"
    few.write_text("".join(REPO_DEV_QUESTIONS.read_text(encoding="utf-8").splitlines(keepends=True)[:4]), encoding="utf-8")
    floors = tmp_path / "floors.json"
    floors.write_text(json.dumps({"questions": str(few), "floors": {"hit@1": 1.01}}), encoding="utf-8")
    args = build_parser().parse_args(["eval", "--questions", str(few), "--systems", "ours", "--floors", str(floors), "--out", str(tmp_path), "--quiet"])
    assert run(args, settings=settings, encoder=encoder) == 1
    printed = capsys.readouterr().out
    assert "quality gate FAILED:\n  hit@1 " in printed and "is below its floor 1.01" in printed
