"""`inspectqa eval --conversations`: conversations through /ask in process and over HTTP, figures that match
the drill-down, both halves reported, and clear errors for a malformed file."""

from __future__ import annotations

import json

import pytest

from cli.eval import run
from eval.conversations import load_conversations, split
from eval.errors import EvaluationError
from index.settings import PROJECT_ROOT
from cli.main import build_parser

GOLD = PROJECT_ROOT / "eval" / "gold" / "conversations.jsonl"
PICK = ("v001", "v004", "v025", "v045")  # two from each half: ellipsis, pronoun, self-contained, comparison


@pytest.fixture(scope="module")
def conversation_file(tmp_path_factory):
    rows = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    picked = [r for r in rows if r["id"] in PICK]
    path = tmp_path_factory.mktemp("conversations") / "few.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in picked), encoding="utf-8")
    return path


def _eval(argv, settings, encoder):
    args = build_parser().parse_args(["eval", *argv, "--quiet"])
    assert run(args, settings=settings, encoder=encoder) == 0
    return json.loads((args.out / "conversations.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def in_process(tmp_path_factory, conversation_file, settings, encoder, built_index):
    out = tmp_path_factory.mktemp("conv-out")
    return out, _eval(["--conversations", str(conversation_file), "--out", str(out)], settings, encoder)


def test_the_gold_set_loads_and_splits_in_two_halves():
    conversations = load_conversations(GOLD)
    halves = split(conversations)
    assert len(conversations) >= 40 and [len(h) for h in halves.values()] == [24, 24]
    assert all(2 <= len(c.turns) <= 4 for c in conversations)
    assert all(t.standalone for c in conversations for t in c.turns)


def test_both_halves_are_reported_with_figures_that_match_the_turns(in_process):
    out, doc = in_process
    assert set(doc["splits"]) == {"development", "held-out"}
    assert (out / "conversations.md").read_text(encoding="utf-8").count("held-out") >= 1
    turns = doc["turns"]
    assert [t["conversation"] for t in turns][:3] == ["v001"] * 3
    dev = [t for t in turns if t["conversation"] in ("v001", "v004") and t["kind"] not in ("first", "self_contained")]
    answerable = [t for t in dev if t["answerable"]]
    hits = sum(1 for t in answerable if t["in_conversation"]["first_hit_rank"] is not None)
    assert doc["splits"]["development"]["follow_up"]["in_conversation"]["hit@k"] == pytest.approx(hits / len(answerable))
    # a first turn is searched as asked; follow-ups are not
    assert all(t["searched_for"] == t["asked"] for t in turns if t["kind"] == "first")
    assert any(t["searched_for"] != t["asked"] for t in turns if t["kind"] != "first")


def test_http_gives_the_same_turns_as_in_process(in_process, conversation_file, live_server, settings, encoder, tmp_path):
    _, local = in_process
    remote = _eval(["--conversations", str(conversation_file), "--out", str(tmp_path), "--url", live_server.url], settings, encoder)
    for a, b in zip(local["turns"], remote["turns"]):
        assert a["searched_for"] == b["searched_for"]
        assert a["in_conversation"] == b["in_conversation"], a["asked"]


def test_a_malformed_conversation_file_names_the_line_and_turn(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "x", "turns": [{"question": "q", "answerable": false, "kind": "first"}]}\n', encoding="utf-8")
    with pytest.raises(EvaluationError, match=r"line 1, turn 1: .*standalone"):
        load_conversations(path)
    path.write_text('{"id": "x", "turns": []}\n', encoding="utf-8")
    with pytest.raises(EvaluationError, match="non-empty list of 'turns'"):
        load_conversations(path)
