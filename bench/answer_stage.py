"""`python -m bench.answer_stage`: what the answer stage costs (issue 25), each figure beside one raw encode.

in-process answer() and HTTP /ask over the dev questions (bench/query.py), and the answer stage alone:
measuring the candidate sentences (features.py), the answer model and the decision, timed per question
on the same questions with their vectors cached, beside the whole cached answer(). Uses the configured
index (make index); prints a markdown table.
"""

from __future__ import annotations

import time

from bench import query
from bench.common import Row, percentiles_ms, table


def stage_rows(answerer, questions: list[str]) -> list[Row]:
    from index.answer.policy import decide

    stage, whole = [], []
    for q in questions:
        answerer.answer(q)  # the vector cached: what is left is retrieval and the answer stage
        t = time.perf_counter()
        answerer.answer(q)
        whole.append(time.perf_counter() - t)
        query_, _, scored, _ = answerer.deliberate(q, answerer.settings.top_k, score=False)
        t = time.perf_counter()
        decide(query_, answerer.candidates(query_, scored), answerer.policy)
        stage.append(time.perf_counter() - t)
    s50, _ = percentiles_ms(stage)
    w50, _ = percentiles_ms(whole)
    return [Row("answer stage p50 (features, model, decision)", s50, "answer() p50, vector cached", w50)]


def main() -> int:
    from index.answer.answerer import QuestionAnswerer
    from index.build.embed import Encoder
    from index.build.store import load_index
    from index.settings import Settings

    settings = Settings()
    encoder = Encoder.for_settings(settings).load()
    answerer = QuestionAnswerer(load_index(settings.index_dir, settings), encoder, settings)
    questions = query.questions()
    rows = query.in_process(answerer, encoder, questions)
    rows += stage_rows(answerer, questions)
    rows += query.http_ask(settings.index_dir, encoder, questions)[0]
    print(f"{len(questions)} dev questions, candidates per question: {answerer.policy.candidates}\n")
    print(table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
