"""`inspectqa ask`: answer one question from the command line, as text or as the JSON POST /ask returns."""

from __future__ import annotations

import argparse
import textwrap
import time
from pathlib import Path

from cli.options import EPILOG, settings_for
from index.errors import InspectQAError


def _ask(args: argparse.Namespace) -> int:
    from service.schemas import AskResponse
    from service.state import ServiceState

    state = ServiceState.load(settings_for(args))
    if state.answerer is None:
        raise InspectQAError(state.not_ready_reason)
    started = time.perf_counter()
    answer = state.answerer.answer(args.question, args.top_k)  # None: INSPECTQA_TOP_K
    if args.json:
        print(AskResponse.from_answer(answer, took_ms=round((time.perf_counter() - started) * 1000, 2)).model_dump_json(indent=2))
        return 0
    print(textwrap.fill(answer.answer, width=100))
    print()
    print("Sources:" if answer.answerable else "Closest passages (not an answer):")
    for c in answer.citations:
        date = c.published or "undated"
        print(f"[{c.n}] {c.title} ({c.kind}, {date}) chars {c.passage.start}-{c.passage.end}, score {c.score:.2f}")
        print(textwrap.indent(textwrap.fill(c.passage.text, width=96), "    "))
    return 0


def register(commands) -> None:
    ask = commands.add_parser(
        "ask",
        help="answer one question from the command line",
        description="Answer a question with sentences quoted from the sources and list the cited passages.",
        epilog=EPILOG,
    )
    ask.add_argument("question", help="the question, quoted")
    ask.add_argument(
        "--top-k", type=int, default=None, choices=range(1, 21), metavar="N", help="passages to cite, 1-20 (default: INSPECTQA_TOP_K or 5)"
    )
    ask.add_argument("--json", action="store_true", help="print the same JSON as POST /ask")
    ask.add_argument("--index", type=Path, help="index folder (default: INSPECTQA_INDEX_DIR)")
    ask.set_defaults(func=_ask)
