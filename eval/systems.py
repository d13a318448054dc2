"""The systems an evaluation compares, each behind one call: ask(question, top_k) -> Reply.

ours      the in-process pipeline (QuestionAnswerer), or the same over HTTP POST /ask
naive     the LangChain-tutorial pipeline: raw files, 1000/200 character chunks, MiniLM, FAISS flat
bm25      BM25 alone over our clean passages
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from pathlib import Path

from dataclasses import dataclass

import numpy as np

from eval.reply import Reply, RetrievedPassage
from eval.errors import EvaluationError

# The tutorial's settings, fixed: this baseline is what a reader would build from it.
NAIVE_CHUNK_SIZE = 1000
NAIVE_CHUNK_OVERLAP = 200


def _elapsed_ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)


@dataclass(frozen=True)
class TurnReply:
    """One conversation turn through a system: the reply, what was searched, and the turn to send back as history."""

    reply: Reply
    searched_for: str
    history_entry: dict  # {"question", "answer", "citations": [{"doc_id", "start", "end"}]}, as POST /ask takes it


def _history_entry(question: str, answer: str, citations: list[tuple[str, int, int]]) -> dict:
    return {"question": question, "answer": answer, "citations": [{"doc_id": d, "start": a, "end": b} for d, a, b in citations]}


class PipelineSystem:
    """Our pipeline in this process; latency is the wall time of QuestionAnswerer.answer."""

    gives_answers = True

    def __init__(self, name: str, answerer, description: str):
        self.name = name
        self.answerer = answerer
        self.description = description
        self.abstain_threshold = answerer.settings.abstain_threshold
        self.policy = answerer.policy.as_dict()

    def ask(self, question: str, top_k: int) -> Reply:
        return self.ask_after(question, [], top_k).reply

    def ask_after(self, question: str, history: list[dict], top_k: int) -> TurnReply:
        """`question` asked after `history` (entries as POST /ask takes them), as the /ask route answers it."""
        from index.answer.followup import Turn

        turns = tuple(Turn(h["question"], h.get("answer") or "", tuple(c["doc_id"] for c in h.get("citations") or ())) for h in history)
        started = time.perf_counter()
        answer, resolution = self.answerer.answer_in_conversation(question, turns, top_k)
        took = _elapsed_ms(started)
        reply = Reply(
            answer=answer.answer,
            answerable=answer.answerable,
            passages=tuple(RetrievedPassage(c.passage.text, float(c.score), c.passage.doc_id) for c in answer.citations),
            latency_ms=took,
            relevance=getattr(answer, "relevance", None),
            abstention=answer.abstention.value if getattr(answer, "abstention", None) else None,
            confidence=getattr(answer, "confidence", None),
        )
        cited = [(c.passage.doc_id, c.passage.start, c.passage.end) for c in answer.citations]
        return TurnReply(reply, resolution.searched_for, _history_entry(question, answer.answer, cited))


class HttpSystem:
    """Our pipeline behind POST {url}/ask; latency is the round trip as a client sees it."""

    gives_answers = True
    abstain_threshold = None  # the reply carries no relevance, so no trade-off sweep

    def __init__(self, name: str, url: str, timeout: float = 60.0):
        self.name = name
        self.url = url.rstrip("/")
        self.description = f"POST {self.url}/ask"
        self.timeout = timeout
        # loopback must never go through a proxy named in the environment
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def ask(self, question: str, top_k: int) -> Reply:
        return self.ask_after(question, [], top_k).reply

    def ask_after(self, question: str, history: list[dict], top_k: int) -> TurnReply:
        """`question` asked after `history` through POST /ask."""
        payload = {"question": question, "top_k": top_k}
        if history:
            payload["history"] = history
        body = json.dumps(payload).encode("utf-8")
        request = urllib.request.Request(f"{self.url}/ask", data=body, headers={"content-type": "application/json"}, method="POST")
        started = time.perf_counter()
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                reply = json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:
            raise EvaluationError(f"{self.url}/ask answered {exc.code}: {_error_message(exc)}") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise EvaluationError(f"cannot reach {self.url}/ask ({reason}); start the service with 'inspectqa serve' or fix --url") from None
        except ValueError:
            raise EvaluationError(f"{self.url}/ask did not answer with JSON; is --url the Inspection QA service?") from None
        took = _elapsed_ms(started)
        try:
            citations = sorted(reply["citations"], key=lambda c: c["n"])
            result = Reply(
                answer=reply["answer"],
                answerable=bool(reply["answerable"]),
                passages=tuple(RetrievedPassage(c["text"], float(c.get("score", 0.0)), c.get("doc_id", "")) for c in citations),
                latency_ms=took,
                abstention=reply.get("abstention"),
                confidence=reply.get("confidence"),
            )
            cited = [(c["doc_id"], c["start"], c["end"]) for c in citations]
            # a service from before follow-ups has no searched_for: it searched the question as asked
            return TurnReply(result, reply.get("searched_for") or question, _history_entry(question, reply["answer"], cited))
        except (KeyError, TypeError):
            raise EvaluationError(f"{self.url}/ask replied without answer/answerable/citations; is --url the Inspection QA service?") from None


def _error_message(exc: urllib.error.HTTPError) -> str:
    try:
        return json.loads(exc.read().decode("utf-8"))["error"]["message"]
    except (ValueError, KeyError, TypeError, OSError):
        return exc.reason


class NaiveSystem:
    """RecursiveCharacterTextSplitter(1000, 200) over the raw source files, MiniLM, FAISS IndexFlatIP.

    No cleaning, no abstention: it always answers, and its answer is its top passage.
    """

    gives_answers = False
    abstain_threshold = None

    def __init__(self, encoder, corpus_dir: Path, name: str = "naive"):
        import faiss
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        self.name = name
        self.encoder = encoder
        splitter = RecursiveCharacterTextSplitter(chunk_size=NAIVE_CHUNK_SIZE, chunk_overlap=NAIVE_CHUNK_OVERLAP)
        files = sorted(Path(corpus_dir).glob("*.txt"))
        if not files:
            raise EvaluationError(f"no .txt files in {corpus_dir} for the naive baseline")
        self.chunks: list[tuple[str, str]] = [
            (path.name, chunk) for path in files for chunk in splitter.split_text(path.read_text(encoding="utf-8"))
        ]
        vectors = encoder.encode([text for _, text in self.chunks])
        self.index = faiss.IndexFlatIP(vectors.shape[1])
        self.index.add(vectors)
        self.description = (
            f"raw {len(files)} files, RecursiveCharacterTextSplitter {NAIVE_CHUNK_SIZE}/{NAIVE_CHUNK_OVERLAP} "
            f"({len(self.chunks)} chunks), MiniLM, FAISS IndexFlatIP; always answers with its top passage"
        )

    def ask(self, question: str, top_k: int) -> Reply:
        started = time.perf_counter()
        vector = self.encoder.encode([question])
        scores, ids = self.index.search(vector, min(top_k, len(self.chunks)))
        passages = tuple(
            RetrievedPassage(self.chunks[i][1], float(s), self.chunks[i][0]) for i, s in zip(ids[0], scores[0]) if i >= 0
        )
        took = _elapsed_ms(started)
        return Reply(answer=passages[0].text if passages else "", answerable=True, passages=passages, latency_ms=took)


class Bm25System:
    """BM25 alone (index.build.lexical) over the clean passages of our index. Always answers with its top passage."""

    gives_answers = False
    abstain_threshold = None

    def __init__(self, index, name: str = "bm25"):
        self.name = name
        self.index = index
        self.description = f"BM25 (bm25s, stemmed, stop words dropped) over our {len(index.passages)} clean passages; always answers with its top passage"

    def ask(self, question: str, top_k: int) -> Reply:
        from index.build.lexical import bm25_scores

        started = time.perf_counter()
        scores = bm25_scores(self.index.bm25, question)
        order = np.argsort(-scores, kind="stable")[:top_k]
        # a passage sharing no word with the question is not retrieved by BM25, only listed
        passages = tuple(
            RetrievedPassage(self.index.passages[i].text, float(scores[i]), self.index.passages[i].doc_id) for i in order if scores[i] > 0
        )
        took = _elapsed_ms(started)
        return Reply(answer=passages[0].text if passages else "", answerable=True, passages=passages, latency_ms=took)
