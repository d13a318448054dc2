"""The README's example /ask reply is what the service returns for that question (issue 25 item 6).

The README shows a real reply, abridged: each citation's text cut to its first 60 characters and "…",
and only the fields listed there; `took_ms` varies from run to run and is not compared. When the answer
stage changes, this test fails and prints the block to paste into the README."""

import json
import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"
CITATION_FIELDS = ("n", "doc_id", "title", "kind", "published", "text", "start", "end", "score", "highlights", "page", "for_disagreement")
REPLY_FIELDS = ("question", "answer", "answerable", "abstention", "confidence", "citations", "took_ms", "conflicts", "newer")
PREVIEW = 60


def readme_example() -> tuple[dict, dict]:
    """The request of the README's curl example and the reply it shows."""
    text = README.read_text(encoding="utf-8")
    request = json.loads(re.search(r"curl -s localhost:8000/ask .*?-d '(\{.*?\})'", text, re.S).group(1))
    reply = json.loads(re.search(r"A real reply \(abridged.*?```json\n(.*?)\n```", text, re.S).group(1))
    return request, reply


def abridged(reply: dict) -> dict:
    out = {k: reply[k] for k in REPLY_FIELDS if k in reply}
    out["confidence"] = round(reply["confidence"], 2)
    out["citations"] = [
        {**{k: c[k] for k in CITATION_FIELDS}, "text": c["text"][:PREVIEW] + ("…" if len(c["text"]) > PREVIEW else ""),
         "highlights": [{"start": h["start"], "end": h["end"]} for h in c["highlights"]]}
        for c in reply["citations"]
    ]
    return out


def test_the_readme_example_reply_is_what_the_service_returns(client):
    request, shown = readme_example()
    real = abridged(client.post("/ask", json=request).json())
    real["took_ms"] = shown.get("took_ms")
    assert real == shown, "README.md's example reply is out of date; the reply now (one line):\nREPLY " + json.dumps(real, ensure_ascii=False)
