"""`inspectqa eval --conflicts` end to end on the repository's labelled set and the real index."""

from __future__ import annotations

import argparse
import json

import pytest

from cli.eval import register, run
from eval.errors import EvaluationError
from index.settings import PROJECT_ROOT


def _args(*argv):
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    return parser.parse_args(["eval", *argv])


def test_conflict_mode_reports_recall_and_precision_over_the_target(settings, encoder, built_index, tmp_path, capsys):
    args = _args("--conflicts", str(PROJECT_ROOT / "eval" / "gold" / "conflicts.jsonl"), "--out", str(tmp_path), "--quiet")
    assert run(args, settings, encoder) == 0
    figures = json.loads((tmp_path / "conflicts.json").read_text())["figures"]
    assert (figures["contested"], figures["agreed"], figures["distinct"]) == (9, 19, 16)
    assert figures["precision"] >= 0.9 and figures["recall"] >= 0.85
    assert figures["distinct_pairs_flagged"] == 0 and figures["agreed_split"] == 0
    assert "| conflict recall |" in capsys.readouterr().out


def test_conflict_mode_errors_say_what_to_do(settings, encoder, tmp_path):
    with pytest.raises(EvaluationError, match="no conflict set"):
        run(_args("--conflicts", str(tmp_path / "missing.jsonl")), settings, encoder)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "type": "maybe", "question": "q", "sides": []}\n')
    with pytest.raises(EvaluationError, match="bad.jsonl:1"):
        run(_args("--conflicts", str(bad), "--out", str(tmp_path)), settings, encoder)
    with pytest.raises(EvaluationError, match="drop --url"):
        run(_args("--conflicts", str(bad), "--url", "http://127.0.0.1:1"), settings, encoder)
