"""`inspectqa ask --chat`: a conversation in the terminal. Each question is answered with the turns before it as
history, so "and in 2021?" or "who led it?" is searched with what it refers to; a rewritten question is shown
with a "Searched for:" line, as on the chat page. The history lives in this loop only."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterable

from index.answer.followup import MAX_TURNS, Turn

HELP = "Type a question and press Enter. Follow-ups such as 'and in 2021?' use the questions before them.\n" "Commands: /new starts a new topic (forgets the earlier questions), /quit or Ctrl-D leaves."


def format_turn(answer, resolution) -> list[str]:
    """The lines printed for one answered turn."""
    lines = []
    if resolution.rewritten:
        where = " (only in the document just cited)" if resolution.doc_ids else ""
        lines.append(f"Searched for: {resolution.searched_for}{where}")
    lines.append(textwrap.fill(answer.answer, width=100))
    lines.append("Sources:" if answer.answerable else "Closest passages (not an answer):")
    for c in answer.citations:
        lines.append(f"  [{c.n}] {c.title} ({c.kind}, {c.published or 'undated'}) chars {c.passage.start}-{c.passage.end}, score {c.score:.2f}")
    return lines


def chat(answerer, questions: Iterable[str], write: Callable[[str], None], top_k: int | None = None, echo: bool = False) -> int:
    """Answer each line of `questions` in turn, keeping the last MAX_TURNS turns as history; returns turns answered.
    `echo` writes each question first (for piped input, where the terminal did not show it)."""
    history: list[Turn] = []
    answered = 0
    for line in questions:
        question = line.strip()
        if not question:
            continue
        if echo:
            write(f"> {question}")
        if question in {"/quit", "/exit"}:
            break
        if question in {"/new", "/new-topic"}:
            history = []
            write("New topic: the next question is searched on its own.")
            continue
        if question in {"/help", "?"}:
            write(HELP)
            continue
        answer, resolution = answerer.answer_in_conversation(question, tuple(history), top_k)
        for text in format_turn(answer, resolution):
            write(text)
        write("")
        answered += 1
        history = (history + [Turn(question, answer.answer, tuple(c.passage.doc_id for c in answer.citations))])[-MAX_TURNS:]
    return answered


def terminal_lines(prompt: str = "question> ") -> Iterable[str]:
    """Lines typed at the terminal until Ctrl-D (or Ctrl-C)."""
    while True:
        try:
            yield input(prompt)
        except (EOFError, KeyboardInterrupt):
            print()
            return
