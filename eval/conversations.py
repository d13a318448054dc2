"""Conversations through /ask: does a follow-up asked in its conversation do as well as its written-out form?

A conversation file (JSONL) holds one conversation a line: {"id", "turns": [{"question", "standalone",
"follow_up", "answerable", "evidence", "kind"}]}. Each turn is put three ways:

  in conversation   the question as asked, with the earlier turns as `history` (what the chat page sends)
  written out       its standalone form, alone (the target: a follow-up should do as well as this)
  alone             the question as asked, without history (what the service did before follow-ups)

The first half of the conversations is the development half the follow-up rules were written on;
the second half is held out and reported beside it, never tuned on.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from eval.metrics import Judgement, abstention, answer_hit, hit_at, percentile, share
from eval.questions import GoldQuestion, jsonl_rows, parse_question
from eval.scoring import judge
from eval.errors import EvaluationError

KINDS = ("first", "pronoun", "ellipsis", "comparison", "self_contained")


@dataclass(frozen=True)
class ConversationTurn:
    question: GoldQuestion  # the turn as asked, with its gold quotes
    standalone: str  # its written-out form (the question itself for a self-contained turn)
    follow_up: bool


@dataclass(frozen=True)
class Conversation:
    id: str
    turns: tuple[ConversationTurn, ...]


def load_conversations(path: Path) -> list[Conversation]:
    """Every conversation in the JSONL file at `path`, in file order."""
    conversations, seen = [], set()
    for where, row in jsonl_rows(path, "conversations", "--conversations"):
        if not isinstance(row, dict) or not isinstance(row.get("turns"), list) or not row["turns"] or "id" not in row:
            raise EvaluationError(f"{where}: each line must be an object with an 'id' and a non-empty list of 'turns'")
        turns = []
        for i, turn in enumerate(row["turns"], 1):
            if not isinstance(turn, dict) or not isinstance(turn.get("standalone"), str) or not isinstance(turn.get("follow_up"), bool):
                raise EvaluationError(f"{where}, turn {i}: each turn needs 'standalone' (text) and 'follow_up' (true/false)")
            gold = parse_question({**turn, "id": f"{row['id']}.{i}"}, f"{where}, turn {i}")
            turns.append(ConversationTurn(gold, turn["standalone"], turn["follow_up"]))
        if row["id"] in seen:
            raise EvaluationError(f"{where}: id {row['id']!r} appears twice")
        seen.add(row["id"])
        conversations.append(Conversation(str(row["id"]), tuple(turns)))
    if not conversations:
        raise EvaluationError(f"{path} holds no conversations")
    return conversations


def split(conversations: Sequence[Conversation]) -> dict[str, list[Conversation]]:
    """The first half (rounded up) for development, the rest held out."""
    half = math.ceil(len(conversations) / 2)
    return {"development": list(conversations[:half]), "held-out": list(conversations[half:])}


@dataclass(frozen=True)
class TurnResult:
    conversation: str
    kind: str
    follow_up: bool
    answerable: bool
    asked: str
    searched_for: str
    standalone: str
    in_conversation: Judgement
    written_out: Judgement
    alone: Judgement

    @property
    def rewritten(self) -> bool:
        return self.searched_for != self.asked


def run_conversations(system, conversations: Sequence[Conversation], top_k: int, progress: bool = True) -> list[TurnResult]:
    """Each conversation through `system` turn by turn, the history being what /ask answered."""
    results = []
    for conversation in tqdm(conversations, desc="conversations", unit="conv", disable=not progress):
        history: list[dict] = []
        for turn in conversation.turns:
            gold = turn.question
            asked = system.ask_after(gold.question, history, top_k)
            written = system.ask(turn.standalone, top_k) if turn.standalone != gold.question else asked.reply
            alone = system.ask(gold.question, top_k) if history else asked.reply

            def judged(reply):
                return judge(gold, reply, [p.text for p in reply.passages])

            results.append(
                TurnResult(
                    conversation=conversation.id,
                    kind=gold.kind,
                    follow_up=turn.follow_up,
                    answerable=gold.answerable,
                    asked=gold.question,
                    searched_for=asked.searched_for,
                    standalone=turn.standalone,
                    in_conversation=judged(asked.reply),
                    written_out=judged(written),
                    alone=judged(alone),
                )
            )
            history = (history + [asked.history_entry])[-10:]
    return results


def _ways(results: Sequence[TurnResult], top_k: int) -> dict[str, dict]:
    """hit@k, answer hit and abstention over `results`, for each way of asking."""
    out = {}
    for way in ("in_conversation", "written_out", "alone"):
        judged = [getattr(r, way) for r in results]
        answerable = [j for j in judged if j.gold_answerable]
        out[way] = {
            "answerable": len(answerable),
            "unanswerable": len(judged) - len(answerable),
            "hit@k": hit_at([j.first_hit_rank for j in answerable], top_k),
            "answer_hit": answer_hit([bool(j.answer_hit) for j in answerable]),
            "declined": abstention([j.answered for j in judged if not j.gold_answerable]),
        }
    return out


def summarise(results: Sequence[TurnResult], top_k: int) -> dict:
    """The issue's figures over one set of turns."""
    follow_ups = [r for r in results if r.follow_up]
    self_contained_after = [r for r in results if not r.follow_up and r.kind != "first"]
    ways = _ways(follow_ups, top_k)

    def gap(figure: str) -> float | None:
        a, b = ways["in_conversation"][figure], ways["written_out"][figure]
        return None if a is None or b is None else a - b

    return {
        "turns": len(results),
        "follow_ups": len(follow_ups),
        "follow_ups_rewritten": share([r.rewritten for r in follow_ups]),
        "self_contained_after_others": len(self_contained_after),
        "self_contained_rewritten": share([r.rewritten for r in self_contained_after]),
        "follow_up": ways,
        "by_kind": {k: _ways([r for r in follow_ups if r.kind == k], top_k) for k in KINDS if any(r.kind == k for r in follow_ups)},
        "gap_hit@k": gap("hit@k"),
        "gap_answer_hit": gap("answer_hit"),
        "gap_declined": gap("declined"),
        "latency_p50_ms": percentile([r.in_conversation.latency_ms for r in results], 50),
    }


def report(results: Sequence[TurnResult], conversations: Sequence[Conversation], top_k: int) -> dict:
    halves = split(conversations)
    ids = {name: {c.id for c in convs} for name, convs in halves.items()}
    return {
        "top_k": top_k,
        "splits": {name: summarise([r for r in results if r.conversation in ids[name]], top_k) for name in halves},
        "turns": [
            {
                "conversation": r.conversation,
                "kind": r.kind,
                "asked": r.asked,
                "searched_for": r.searched_for,
                "standalone": r.standalone,
                "answerable": r.answerable,
                "in_conversation": _brief(r.in_conversation),
                "written_out": _brief(r.written_out),
                "alone": _brief(r.alone),
            }
            for r in results
        ],
    }


def _brief(j: Judgement) -> dict:
    return {"first_hit_rank": j.first_hit_rank, "answered": j.answered, "answer_hit": j.answer_hit}


def _fmt(value) -> str:
    return "n/a" if value is None else f"{value:.2f}" if isinstance(value, float) else str(value)


def _signed(value) -> str:
    return "n/a" if value is None else f"{value:+.2f}"


def render(doc: dict, command: str) -> str:
    """The figures as a markdown report: development and held-out halves side by side."""
    k = doc["top_k"]
    names = list(doc["splits"])
    lines = ["# Follow-up questions: conversations through /ask", "", f"Command: `{command}`", ""]
    header = "| figure | " + " | ".join(names) + " |"
    lines += [header, "|---|" + "---|" * len(names)]

    def row(label, get):
        lines.append(f"| {label} | " + " | ".join(get(doc["splits"][n]) for n in names) + " |")

    row("conversations' turns / follow-ups", lambda s: f"{s['turns']} / {s['follow_ups']}")
    for way, label in (("in_conversation", "in conversation"), ("written_out", "written out"), ("alone", "alone, no history")):
        row(f"follow-up hit@{k}, {label}", lambda s, w=way: _fmt(s["follow_up"][w]["hit@k"]))
    row(f"gap hit@{k} (in conversation - written out)", lambda s: _signed(s["gap_hit@k"]))
    for way, label in (("in_conversation", "in conversation"), ("written_out", "written out"), ("alone", "alone, no history")):
        row(f"follow-up answer hit, {label}", lambda s, w=way: _fmt(s["follow_up"][w]["answer_hit"]))
    row("gap answer hit", lambda s: _signed(s["gap_answer_hit"]))
    for way, label in (("in_conversation", "in conversation"), ("written_out", "written out")):
        row(f"unanswerable follow-ups declined, {label}", lambda s, w=way: f"{_fmt(s['follow_up'][w]['declined'])} of {s['follow_up'][w]['unanswerable']}")
    row("follow-ups rewritten", lambda s: _fmt(s["follow_ups_rewritten"]))
    row("self-contained questions after others rewritten", lambda s: f"{_fmt(s['self_contained_rewritten'])} of {s['self_contained_after_others']}")
    row("/ask p50 ms in conversation", lambda s: f"{s['latency_p50_ms']:.1f}" if s["latency_p50_ms"] is not None else "n/a")
    lines += ["", "By kind of follow-up (hit@k in conversation / written out / alone):", ""]
    kinds = sorted({kind for s in doc["splits"].values() for kind in s["by_kind"]})
    lines += ["| kind | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for kind in kinds:
        cells = []
        for n in names:
            w = doc["splits"][n]["by_kind"].get(kind)
            cells.append("n/a" if not w else " / ".join(_fmt(w[x]["hit@k"]) for x in ("in_conversation", "written_out", "alone")))
        lines.append(f"| {kind} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def write(doc: dict, command: str, out_dir: Path) -> dict[str, Path]:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"results": out_dir / "conversations.json", "report": out_dir / "conversations.md"}
    paths["results"].write_text(json.dumps({**doc, "command": command}, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    paths["report"].write_text(render(doc, command), encoding="utf-8")
    return paths
