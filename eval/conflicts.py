"""`inspectqa eval --conflicts FILE`: does /ask flag the disagreements in the material, and only those?

The gold file (eval/gold/conflicts.jsonl) holds three kinds of line: `contested` questions with the sides
the sources take, `agreed` questions whose sources agree, and `distinct` pairs of different events that
must not be flagged as one. Each side is {value, doc (source file), quote}.

A reply conflict is a list of sides, each a list of (doc_id, sentence) claims. A gold side is *matched*
by a claim of the same document whose sentence holds the quote (eval/matching.py's rule). A reply
conflict *is* a gold disagreement when each gold side is matched on a different side of it.

Figures (pure functions below, hand-worked in tests/test_conflict_metrics.py):
- recall: contested questions whose reply flags their disagreement.
- precision: flagged conflicts, over every question, that are one of the disagreements the gold file
  names (a genuine disagreement flagged on another question still counts as right).
- strict precision: flagged conflicts that are the asked question's own disagreement.
- distinct pairs flagged / agreed questions split: gold sides of a `distinct` or `agreed` line that a
  flagged conflict puts on different sides (both should be 0).
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

from eval.matching import quote_found
from eval.errors import EvaluationError

Claim = tuple[str, str]  # (doc_id, sentence text)
ReplyConflict = list[list[Claim]]  # sides
GoldSide = tuple[str, str]  # (doc_id, quote)


@dataclass(frozen=True)
class GoldItem:
    id: str
    type: str  # contested | agreed | distinct
    question: str
    sides: tuple[GoldSide, ...]


def load_gold(path: Path, doc_ids_by_file: dict[str, str]) -> list[GoldItem]:
    items = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            sides = tuple((doc_ids_by_file.get(s["doc"], s["doc"]), s["quote"]) for s in row["sides"])
            if row["type"] not in ("contested", "agreed", "distinct"):
                raise ValueError(f"type {row['type']!r} is not contested, agreed or distinct")
            items.append(GoldItem(row["id"], row["type"], row["question"], sides))
        except (ValueError, KeyError, TypeError) as exc:
            raise EvaluationError(f"{path}:{n}: not a conflict-set line ({exc})") from None
    return items


def side_of(conflict: ReplyConflict, gold: GoldSide) -> int | None:
    """The index of the first side of `conflict` with a claim matching `gold`, or None."""
    for i, side in enumerate(conflict):
        if any(doc == gold[0] and quote_found(gold[1], text) for doc, text in side):
            return i
    return None


def splits(conflict: ReplyConflict, sides: tuple[GoldSide, ...]) -> bool:
    """Some two gold sides are matched on different sides of `conflict`."""
    found = {side_of(conflict, g) for g in sides} - {None}
    return len(found) >= 2


def is_disagreement(conflict: ReplyConflict, sides: tuple[GoldSide, ...]) -> bool:
    """Every gold side is matched, each on a different side of `conflict`."""
    found = [side_of(conflict, g) for g in sides]
    return None not in found and len(set(found)) == len(found)


def cross_authority(conflict: ReplyConflict, authority_of: dict[str, str | None]) -> bool:
    """The conflict pairs claims of documents about different authorities (or of one about none)."""
    found = {authority_of.get(doc) for side in conflict for doc, _ in side}
    return len(found) > 1 or None in found


def conflict_figures(items: list[GoldItem], replies: dict[str, list[ReplyConflict]], authority_of: dict[str, str | None] | None = None) -> dict:
    """Recall, precision and the rest from the gold items and each item's flagged conflicts (by id); with
    `authority_of` (doc_id -> authority) also the flagged conflicts pairing two authorities."""
    contested = [i for i in items if i.type == "contested"]
    genuine = [i.sides for i in contested]
    flagged = [(item, c) for item in items for c in replies.get(item.id, [])]
    found = [i for i in contested if any(is_disagreement(c, i.sides) for c in replies.get(i.id, []))]
    right = [c for _, c in flagged if any(is_disagreement(c, g) for g in genuine)]
    own = [c for item, c in flagged if item.type == "contested" and is_disagreement(c, item.sides)]

    def share(a: int, b: int) -> float | None:
        return round(a / b, 3) if b else None

    return {
        "contested": len(contested),
        "agreed": sum(i.type == "agreed" for i in items),
        "distinct": sum(i.type == "distinct" for i in items),
        "recall": share(len(found), len(contested)),
        "precision": share(len(right), len(flagged)),
        "strict_precision": share(len(own), len(flagged)),
        "flagged": len(flagged),
        "distinct_pairs_flagged": sum(1 for i in items if i.type == "distinct" and any(splits(c, i.sides) for c in replies.get(i.id, []))),
        "agreed_split": sum(1 for i in items if i.type == "agreed" and any(splits(c, i.sides) for c in replies.get(i.id, []))),
        "cross_authority_pairs": None if authority_of is None else sum(cross_authority(c, authority_of) for _, c in flagged),
        "missed": [i.id for i in contested if i not in found],
        "questions_flagged": sorted({item.id for item, _ in flagged}),
    }


def reply_conflicts(index, answer) -> list[ReplyConflict]:
    """An in-process Answer's conflicts as sides of (doc_id, sentence text)."""
    return [[[(c.doc_id, index.sentences[c.sentence_id].text) for c in side] for side in conflict.sides] for conflict in answer.conflicts]


def run_conflicts(path: Path | tuple[Path, ...], answerer, out: Path, top_k: int) -> dict:
    """Put every gold question of `path` (one file or several) to `answerer`, score its conflicts, write conflicts.json into `out`."""
    from index.ingest.corpus import read_entries

    index = answerer.index
    by_file = {str(e.get("file")): str(e.get("doc_id")) for e in read_entries(answerer.settings.corpus_dir) if isinstance(e, dict)}
    items = [item for p in ((path,) if isinstance(path, (str, Path)) else path) for item in load_gold(p, by_file)]
    replies = {}
    for item in items:
        replies[item.id] = reply_conflicts(index, answerer.answer(item.question, top_k))
    figures = conflict_figures(items, replies, {d: index.documents.metadata(d).authority for d in index.documents})
    out.mkdir(parents=True, exist_ok=True)
    detail = {"figures": figures, "questions": {i.id: {"question": i.question, "type": i.type, "conflicts": replies[i.id]} for i in items}}
    tmp = out / "conflicts.json.tmp"
    tmp.write_text(json.dumps(detail, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(out / "conflicts.json")
    return figures


def print_figures(figures: dict, file=None) -> None:
    file = file or sys.stdout  # looked up per call, so a redirected stdout is honoured
    rows = [
        ("conflict recall", figures["recall"], f"{figures['contested']} contested questions"),
        ("conflict precision", figures["precision"], f"{figures['flagged']} conflicts flagged over all questions"),
        ("strict precision", figures["strict_precision"], "flagged conflicts that are the asked question's own"),
        ("distinct pairs flagged", figures["distinct_pairs_flagged"], f"of {figures['distinct']}"),
        ("agreed questions split", figures["agreed_split"], f"of {figures['agreed']}"),
    ]
    if figures.get("cross_authority_pairs") is not None:
        rows.append(("cross-authority pairs", figures["cross_authority_pairs"], "flagged conflicts pairing two authorities"))
    print("| figure | value | over |\n| --- | --- | --- |", file=file)
    for name, value, over in rows:
        print(f"| {name} | {value if value is not None else 'n/a'} | {over} |", file=file)
    if figures["missed"]:
        print(f"\nmissed: {', '.join(figures['missed'])}", file=file)
