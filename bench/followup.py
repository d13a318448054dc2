"""`python -m bench.followup`: POST /ask p50 with a 10-turn history beside the same questions without one.

The app runs in process (FastAPI's TestClient: request validation of the history included), the real model
and the configured index (built into var/bench/followup when missing or stale). Each dev question is asked
without history, then after a 10-turn history taken from the conversation set (questions, answers and
five citations each, as the chat page sends them), interleaved so both see the same momentary load. The
query-vector cache is cleared before every call: each one encodes, as a new question does.

Also printed: a follow-up's own cost, the rule pass of index/answer/followup.py over 10 turns.
Target (issue 15): with-history p50 / without p50 <= 1.2.
"""

from __future__ import annotations

import json
import sys
import time

from bench.common import VAR, dev_questions, percentiles_ms
from index.settings import PROJECT_ROOT

CONVERSATIONS = PROJECT_ROOT / "eval" / "gold" / "conversations.jsonl"
TARGET = 1.2


def ten_turn_history(client) -> list[dict]:
    """Ten real turns: the set's first questions, each with the reply /ask gave, chained as the chat page sends them."""
    rows = [json.loads(line) for line in CONVERSATIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    questions = [t["question"] for row in rows for t in row["turns"]][:10]
    history: list[dict] = []
    for q in questions:
        reply = client.post("/ask", json={"question": q, "history": history[-10:]}).json()
        cited = [{"doc_id": c["doc_id"], "start": c["start"], "end": c["end"]} for c in reply["citations"]]
        history.append({"question": q, "answer": reply["answer"], "citations": cited})
    return history[-10:]


def main() -> int:
    from fastapi.testclient import TestClient

    from index.answer.followup import Turn, resolve
    from index.build.builder import build_index, index_is_current
    from index.build.embed import Encoder
    from service.config import get_service_settings
    from service.main import create_app

    settings = get_service_settings().model_copy(update={"auth": "off", "rate_limit_per_minute": 0, "feedback_db": VAR / "followup" / "feedback.sqlite3"})
    encoder = Encoder.for_settings(settings).load()
    if not index_is_current(settings):
        settings = settings.model_copy(update={"index_dir": VAR / "followup" / "index"})
        print(f"building an index for this run in {settings.index_dir}", file=sys.stderr)
        build_index(settings, encoder)
    questions = dev_questions()
    with TestClient(create_app(settings, encoder)) as client:
        history = ten_turn_history(client)
        answerer = client.app.state.service.answerer
        for q in questions[:3]:  # warm-up
            client.post("/ask", json={"question": q})
        alone, after = [], []
        for q in questions:
            for body, times in (({"question": q}, alone), ({"question": q, "history": history}, after)):
                answerer.query_vectors.clear()
                started = time.perf_counter()
                response = client.post("/ask", json=body)
                times.append(time.perf_counter() - started)
                assert response.status_code == 200, response.text
    turns = [Turn(h["question"], h["answer"], tuple(c["doc_id"] for c in h["citations"])) for h in history]
    rule = []
    for q in questions:
        started = time.perf_counter()
        resolve(q, turns)
        rule.append(time.perf_counter() - started)
    a50, a95 = percentiles_ms(alone)
    h50, h95 = percentiles_ms(after)
    r50, _ = percentiles_ms(rule)
    print(f"POST /ask over {len(questions)} dev questions, query-vector cache cleared before each call")
    print("| figure | ms |")
    print("|---|---|")
    print(f"| p50 without history | {a50:.1f} |")
    print(f"| p50 with a 10-turn history | {h50:.1f} |")
    print(f"| p95 without / with | {a95:.1f} / {h95:.1f} |")
    print(f"| resolve() over 10 turns, p50 | {r50:.2f} |")
    ratio = h50 / a50
    print(f"\nratio p50 with / without: {ratio:.2f} (target <= {TARGET}: {'met' if ratio <= TARGET else 'MISSED'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
