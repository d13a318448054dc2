"""Memory of the passage and sentence records `load_index` keeps as Python objects, per passage.

Synthetic passages go through JSON into the same dataclasses load_index builds; the growth of
the resident set is what a served index of that size pays on top of its arrays.

    python -m bench.objects [N]
"""

from __future__ import annotations

import json
import sys

from bench.common import rss_mib
from bench.synth import passages
from index.build.chunk import Passage, Sentence, sentence_spans


def measure(n: int) -> dict:
    lines_p, lines_s = [], []
    for i, text in enumerate(passages(n)):
        doc_id = f"synthetic-{i // 50:06d}"
        lines_p.append(json.dumps({"passage_id": i, "doc_id": doc_id, "start": 0, "end": len(text), "text": text, "sentence_ids": []}))
        for s in sentence_spans(text):
            lines_s.append(json.dumps({"sentence_id": len(lines_s), "doc_id": doc_id, "start": s.start, "end": s.end, "text": text[s.start : s.end]}))
    before = rss_mib()
    rows = [json.loads(line) for line in lines_p]
    kept = [Passage(r["passage_id"], r["doc_id"], r["start"], r["end"], r["text"]) for r in rows], [r["sentence_ids"] for r in rows]
    del rows
    sentences = [Sentence(**json.loads(line)) for line in lines_s]
    grown = rss_mib() - before
    assert kept and sentences
    return {"passages": n, "sentences": len(sentences), "python_objects_mib": round(grown, 1),
            "bytes_per_passage": round(grown * 2**20 / n), "extrapolated_1m_gib": round(grown * 1_000_000 / n / 1024, 2)}


if __name__ == "__main__":
    print(json.dumps(measure(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)))
