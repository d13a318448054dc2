"""Read a gold question file (JSONL): one question per line with its evidence quotes and kind."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from eval.errors import EvaluationError
from index.settings import PROJECT_ROOT

# The shared dev set sits beside the repository; eval/gold/ holds a copy of it so the quality gate
# (eval/floors.json) runs on a machine without ../shared. tests/test_quality_gate.py checks they agree.
SHARED_DEV_QUESTIONS = PROJECT_ROOT.parent / "shared" / "eval" / "dev_questions.jsonl"
REPO_DEV_QUESTIONS = PROJECT_ROOT / "eval" / "gold" / "dev_questions.jsonl"
# the repository file holds the shared 40 as its first lines, then the questions issue 13 added
DEV_QUESTIONS = REPO_DEV_QUESTIONS


@dataclass(frozen=True)
class GoldQuestion:
    id: str
    question: str
    answerable: bool
    quotes: tuple[str, ...]  # gold evidence sentences; empty for an unanswerable question
    quote_docs: tuple[str, ...]  # the source file each quote comes from, same order
    answer: str
    kind: str
    support: tuple[str, ...] = ()  # labelled sentences that also answer (beside the gold quotes)
    why: str | None = None  # for an unanswerable question: not-mentioned | wrong-type | off-topic, where labelled

    @property
    def reason(self) -> str:
        """The label abstention is broken down by: `why` where given, else the kind (unanswerable, boilerplate-trap)."""
        return self.why or self.kind


def parse_question(row: object, where: str) -> GoldQuestion:
    if not isinstance(row, dict):
        raise EvaluationError(f"{where}: each line must be a JSON object")
    missing = [key for key in ("id", "question", "answerable", "kind") if key not in row]
    if missing:
        raise EvaluationError(f"{where}: missing {', '.join(missing)}")
    if not isinstance(row["answerable"], bool):
        raise EvaluationError(f"{where}: answerable must be true or false")
    evidence = row.get("evidence") or []
    if not isinstance(evidence, list) or not all(isinstance(e, dict) and isinstance(e.get("quote"), str) and e["quote"].strip() for e in evidence):
        raise EvaluationError(f"{where}: evidence must be a list of objects each with a non-empty 'quote'")
    if row["answerable"] and not evidence:
        raise EvaluationError(f"{where}: an answerable question needs at least one evidence quote to be scored")
    return GoldQuestion(
        id=str(row["id"]),
        question=str(row["question"]),
        answerable=row["answerable"],
        quotes=tuple(e["quote"] for e in evidence),
        quote_docs=tuple(str(e.get("doc", "")) for e in evidence),
        answer=str(row.get("answer") or ""),
        kind=str(row["kind"]),
        support=tuple(e["quote"] for e in row.get("support") or [] if isinstance(e, dict) and isinstance(e.get("quote"), str)),
        why=str(row["why"]) if row.get("why") else None,
    )


def jsonl_rows(path: Path, what: str, flag: str):
    """(where, row) for each non-blank line of the JSONL file at `path`, `where` naming file and line for errors;
    `what` and `flag` name the file's contents and the option that gives it, for the error when it is missing."""
    path = Path(path)
    if not path.is_file():
        raise EvaluationError(f"no {what} file at {path}; pass {flag} FILE (JSONL)")
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path}, line {number}"
        try:
            yield where, json.loads(line)
        except json.JSONDecodeError as exc:
            raise EvaluationError(f"{where}: not valid JSON ({exc.msg})") from None


def load_questions(path: Path) -> list[GoldQuestion]:
    """Every question in the JSONL file at `path`, in file order; blank lines are skipped."""
    questions, seen = [], set()
    for where, row in jsonl_rows(path, "questions", "--questions"):
        question = parse_question(row, where)
        if question.id in seen:
            raise EvaluationError(f"{where}: id {question.id!r} appears twice")
        seen.add(question.id)
        questions.append(question)
    if not questions:
        raise EvaluationError(f"{path} holds no questions")
    return questions
