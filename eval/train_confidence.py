"""Fit the answer gate and the confidence model on the dev set; write their coefficients as plain JSON (no pickle).

    python -m eval.train_confidence [--questions eval/gold/dev_questions.jsonl] [--index-dir DIR]

The answer gate: each dev question goes through the pipeline with the gate off; of the replies that
quote an answer, the `ReplyFeatures` and whether the question is answerable are the rows. The
confidence: the questions again with the fitted gate on; the features and whether the reply was
right (an answer holding a gold quote, or an abstention on an unanswerable question) are the rows.
Each scikit-learn logistic regression is scored by 5-fold cross-validation (the gate: abstention
and answer rate had its out-of-fold probabilities decided, beside the hand-set rules alone; the
confidence: log loss and Brier score against the constant base rate), then fitted on all rows. scikit-learn is
needed here only: the service applies the JSON with plain arithmetic (index/answer/confidence.py).
Never run on the held-out set.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from eval.metrics import reply_right
from eval.questions import DEV_QUESTIONS, load_questions
from eval.scoring import judge
from eval.systems import PipelineSystem
from index.answer.confidence import COEFFICIENTS, GATE_COEFFICIENTS, ReplyFeatures, load_model

# what the gate sees: the reply is an answer by construction, so "answered" and its products say nothing
GATE_FEATURES = ("relevance", "share_supported", "constraints", "own", "overlap", "unknown_share")


def collect(answerer, questions) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per question: its features, whether the reply was right, whether the question is answerable."""
    system = PipelineSystem("ours", answerer, "")
    rows, right, answerable = [], [], []
    for q in questions:
        reply = system.ask(q.question, answerer.settings.top_k)
        rows.append(reply.features)
        right.append(reply_right(judge(q, reply, [p.text for p in reply.passages])))
        answerable.append(q.answerable)
    return np.array(rows, dtype=float), np.array(right, dtype=int), np.array(answerable, dtype=bool)


def fit_gate(x: np.ndarray, answerable: np.ndarray, threshold: float, folds: int = 5, seed: int = 0) -> dict:
    """The gate over the replies that answered (x[:, 0] == 1), with its cross-validated effect on the whole set."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    columns = [ReplyFeatures.names().index(name) for name in GATE_FEATURES]
    answered = x[:, 0] == 1
    xa, ya = x[answered][:, columns], answerable[answered].astype(int)
    model = LogisticRegression(C=1.0, max_iter=1000)
    held = cross_val_predict(model, xa, ya, cv=StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed), method="predict_proba")[:, 1]
    kept = np.zeros(len(x), dtype=bool)
    kept[np.flatnonzero(answered)] = held >= threshold
    model.fit(xa, ya)
    rate = lambda flags: round(float(flags.mean()), 4)  # noqa: E731
    return {
        "about": "Logistic model of P(the material answers the question) over the ReplyFeatures of replies that would answer "
        "(index/answer/confidence.py), fitted on the dev set by `python -m eval.train_confidence`. Below Settings.answer_gate "
        "the reply abstains (low-support).",
        "coefficients": dict(zip(GATE_FEATURES, (round(float(c), 6) for c in model.coef_[0]))),
        "intercept": round(float(model.intercept_[0]), 6),
        "trained_on": {"answered_replies": int(len(ya)), "answerable": int(ya.sum())},
        "cross_validated": {
            "threshold": threshold,
            "rules_alone": {"abstention": rate(~answered[~answerable]), "answer_rate": rate(answered[answerable])},
            "with_gate": {"abstention": rate(~kept[~answerable]), "answer_rate": rate(kept[answerable])},
        },
    }


def fit(x: np.ndarray, y: np.ndarray, folds: int = 5, seed: int = 0) -> dict:
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import brier_score_loss, log_loss
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    model = LogisticRegression(C=1.0, max_iter=1000)
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    held = cross_val_predict(model, x, y, cv=cv, method="predict_proba")[:, 1]
    base = np.full_like(held, y.mean())
    model.fit(x, y)
    return {
        "about": "Logistic model of P(reply right) over ReplyFeatures (index/answer/confidence.py), fitted on the dev set by "
        "`python -m eval.train_confidence`; cross-validated figures are from 5 folds of the same rows.",
        "coefficients": dict(zip(ReplyFeatures.names(), (round(float(c), 6) for c in model.coef_[0]))),
        "intercept": round(float(model.intercept_[0]), 6),
        "trained_on": {"questions": int(len(y)), "right": int(y.sum())},
        "cross_validated": {
            "log_loss": round(float(log_loss(y, held)), 4),
            "brier": round(float(brier_score_loss(y, held)), 4),
            "base_rate_log_loss": round(float(log_loss(y, base)), 4),
            "base_rate_brier": round(float(brier_score_loss(y, base)), 4),
        },
    }


def main(argv: list[str] | None = None) -> int:
    from index.answer.answerer import QuestionAnswerer
    from index.build.embed import Encoder
    from index.build.store import load_index
    from index.settings import Settings

    parser = argparse.ArgumentParser(prog="python -m eval.train_confidence", description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=Path, default=DEV_QUESTIONS, help="labelled questions to fit on (the dev set; never the held-out set)")
    parser.add_argument("--index-dir", type=Path, default=None, help="a built index (default: the configured one)")
    parser.add_argument("--out", type=Path, default=COEFFICIENTS, help="where the confidence coefficients go")
    parser.add_argument("--gate-out", type=Path, default=GATE_COEFFICIENTS, help="where the answer gate coefficients go")
    args = parser.parse_args(argv)
    if "heldout" in args.questions.name:
        parser.error("the held-out set is never trained on")
    settings = Settings(**({"index_dir": args.index_dir} if args.index_dir else {}))
    encoder = Encoder.for_settings(settings).load()
    index = load_index(settings.index_dir, settings)
    questions = load_questions(args.questions)
    x, _, answerable = collect(QuestionAnswerer(index, encoder, settings.model_copy(update={"answer_gate": 0.0})), questions)
    gate = fit_gate(x, answerable, settings.answer_gate)
    args.gate_out.write_text(json.dumps(gate, indent=2) + "\n", encoding="utf-8")
    print("answer gate:", json.dumps(gate["cross_validated"]), f"-> {args.gate_out}")
    load_model.cache_clear()
    x, right, _ = collect(QuestionAnswerer(index, encoder, settings), questions)
    result = fit(x, right)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print("confidence:", json.dumps(result["cross_validated"]), f"-> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
