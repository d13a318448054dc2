"""Fit the answer model on the dev set and write it as plain JSON (no pickle): `make train-answerer`.

    python -m eval.train_answerer [--questions eval/gold/dev_questions.jsonl] [--index-dir DIR] [--out FILE]

Rows: every dev question goes through retrieval; each of its candidate sentences (index/answer/features.py)
is a row, labelled 1 when it holds one of the question's gold or supporting quotes (eval/matching.py's rule,
either way round), else 0 (every sentence of an unanswerable question is 0). A scikit-learn logistic
regression over standardised features is scored by 5-fold cross-validation grouped by question, and the
out-of-fold probabilities choose the policy: `answer_p`, the threshold that makes the most replies fully
right (the right sentence first, or a decline where the material does not answer), and `extra_p`, the
lowest chance at which further sentences were gold at least half the time. The confidence model is fitted
on the same out-of-fold replies. Then the sentence model is refitted on every row and written with the
cross-validated figures. No packaged dataset or model was found to train on (eval/README.md says which
were checked), so the dev questions are the training data. Never run on the held-out set.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
from tqdm import tqdm

from eval.matching import quote_found
from eval.questions import DEV_QUESTIONS, load_questions
from index.answer.answer_model import MODEL_FILE, logit
from index.answer.features import SentenceFeatures
from index.answer.policy import AnswerPolicy, decide

FOLDS = 5
THRESHOLDS = [round(0.05 * i, 2) for i in range(1, 20)]


def holds_gold(sentence: str, quotes: tuple[str, ...]) -> bool:
    return any(quote_found(q, sentence) or quote_found(sentence, q) for q in quotes)


def collect(answerer, questions, top_k: int):
    """Per question: its Query, its candidates (unscored) and their labels."""
    rows = []
    for q in tqdm(questions, desc="questions", unit="q"):
        query, _, _, candidates = answerer.deliberate(q.question, top_k, score=False)
        labels = [holds_gold(c.sentence.text, q.quotes + q.support) if q.answerable else False for c in candidates]
        rows.append((q, query, candidates, labels))
    return rows


def _fit(x: np.ndarray, y: np.ndarray, c: float):
    from sklearn.linear_model import LogisticRegression

    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=c, max_iter=2000, class_weight=None).fit((x - mean) / scale, y)
    # folded back onto the raw features: the service applies w.x + b with no scaler
    weights = model.coef_[0] / scale
    return weights, float(model.intercept_[0] - (weights * mean).sum())


def _apply(weights, intercept, x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x @ weights + intercept, -50, 50)))


def out_of_fold(rows, c: float, folds: int = FOLDS, seed: int = 0) -> list[np.ndarray]:
    """Each question's candidate probabilities from a model fitted without that question's fold."""
    rng = np.random.default_rng(seed)
    fold_of = rng.permutation(len(rows)) % folds
    xs = [np.array([cand.features.vector() for cand in r[2]], dtype=float).reshape(-1, len(SentenceFeatures.names())) for r in rows]
    ys = [np.array(r[3], dtype=int) for r in rows]
    held: list[np.ndarray] = [np.zeros(len(y)) for y in ys]
    for f in range(folds):
        train = [i for i in range(len(rows)) if fold_of[i] != f]
        x = np.vstack([xs[i] for i in train])
        y = np.concatenate([ys[i] for i in train])
        weights, intercept = _fit(x, y, c)
        for i in range(len(rows)):
            if fold_of[i] == f and len(xs[i]):
                held[i] = _apply(weights, intercept, xs[i])
    return held


def simulate(rows, probabilities, policy: AnswerPolicy) -> list[dict]:
    """Each question's decision with the given probabilities: answered, first sentence right, best p, extras."""
    out = []
    for (q, query, candidates, labels), p in zip(rows, probabilities):
        scored = [replace(c, p=float(pi)) for c, pi in zip(candidates, p)]
        label = {c.sentence.sentence_id: lab for c, lab in zip(candidates, labels)}
        decision = decide(query, scored, policy)
        first = bool(decision.chosen) and label[decision.chosen[0].sentence.sentence_id]
        out.append(
            {
                "answerable": q.answerable,
                "answered": bool(decision.chosen),
                "first_right": first,
                "right": first if q.answerable else not decision.chosen,
                "best_p": decision.best_p,
                "extras": [(c.p, label[c.sentence.sentence_id]) for c in decision.chosen[1:]],
                "reason": decision.decline.reason.value if decision.decline else None,
            }
        )
    return out


def figures(outcomes: list[dict]) -> dict:
    answerable = [o for o in outcomes if o["answerable"]]
    unanswerable = [o for o in outcomes if not o["answerable"]]
    rate = lambda xs: round(sum(xs) / len(xs), 4) if xs else None  # noqa: E731
    return {
        "fully_right": rate([o["right"] for o in outcomes]),
        "first_sentence_right": rate([o["first_right"] for o in answerable]),
        "false_answer_rate": rate([o["answered"] for o in unanswerable]),
        "answerable_declined": rate([not o["answered"] for o in answerable]),
    }


def fit_confidence(outcomes: list[dict]) -> tuple[dict, float, dict]:
    """P(reply right) over (answered, answered x logit p, declined x logit p), with its cross-validated log loss and ECE."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    names = ("answered", "answered_logit", "declined_logit")
    x = np.array([[o["answered"], o["answered"] * logit(o["best_p"]), (not o["answered"]) * logit(o["best_p"])] for o in outcomes], dtype=float)
    y = np.array([o["right"] for o in outcomes], dtype=int)
    model = LogisticRegression(C=10.0, max_iter=2000)
    held = cross_val_predict(model, x, y, cv=StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=0), method="predict_proba")[:, 1]
    model.fit(x, y)
    eps = 1e-9
    loss = float(-np.mean(y * np.log(held + eps) + (1 - y) * np.log(1 - held + eps)))
    base = float(-np.mean(y * np.log(y.mean()) + (1 - y) * np.log(1 - y.mean())))
    return dict(zip(names, (round(float(c), 6) for c in model.coef_[0]))), round(float(model.intercept_[0]), 6), {
        "log_loss": round(loss, 4),
        "base_rate_log_loss": round(base, 4),
        "ece": round(_ece(held, y), 4),
    }


def _ece(p: np.ndarray, y: np.ndarray, bins: int = 5) -> float:
    edges = np.linspace(0, 1, bins + 1)
    total = 0.0
    for i in range(bins):
        inside = (p >= edges[i]) & ((p < edges[i + 1]) | (i == bins - 1))
        if inside.any():
            total += inside.sum() * abs(p[inside].mean() - y[inside].mean())
    return total / len(p)


def choose_policy(rows, held, base: AnswerPolicy) -> tuple[AnswerPolicy, list[dict]]:
    """answer_p with the most fully right replies out of fold (ties: the higher, declining more); then extra_p."""
    grid = []
    for t in THRESHOLDS:
        f = figures(simulate(rows, held, replace(base, answer_p=t, extra_p=1.01)))
        grid.append({"answer_p": t, **f})
    best = max(grid, key=lambda g: (g["fully_right"], g["answer_p"]))
    policy = replace(base, answer_p=best["answer_p"])
    extras = [e for o in simulate(rows, held, replace(policy, extra_p=0.0)) for e in o["extras"]]
    extra_p = 1.0
    for t in sorted({round(x, 2) for x in THRESHOLDS} | {0.99}):
        kept = [gold for p, gold in extras if p >= t]
        if kept and sum(kept) / len(kept) >= 0.5:
            extra_p = t
            break
    return replace(policy, extra_p=max(extra_p, policy.answer_p)), grid


def auc(p: np.ndarray, y: np.ndarray) -> float | None:
    pos, neg = p[y == 1], p[y == 0]
    if not len(pos) or not len(neg):
        return None
    order = np.argsort(np.concatenate([pos, neg]))
    ranks = np.empty(len(order))
    ranks[order] = np.arange(1, len(order) + 1)
    return float((ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def train(answerer, questions, c: float = 1.0) -> dict:
    base = AnswerPolicy.for_settings(answerer.settings, {})
    rows = collect(answerer, questions, answerer.settings.top_k)
    held = out_of_fold(rows, c)
    policy, grid = choose_policy(rows, held, base)
    outcomes = simulate(rows, held, policy)
    conf_weights, conf_intercept, conf_cv = fit_confidence(outcomes)
    x = np.vstack([np.array([cand.features.vector() for cand in r[2]], dtype=float) for r in rows if r[2]])
    y = np.concatenate([np.array(r[3], dtype=int) for r in rows if r[2]])
    weights, intercept = _fit(x, y, c)
    return {
        "about": "The answer model (index/answer/answer_model.py): a logistic model of P(sentence answers the question) over "
        "SentenceFeatures, and a logistic model of P(reply right) over (answered, logit of the best sentence's probability). "
        "Fitted on the dev questions by `make train-answerer` (eval/train_answerer.py); cross_validated figures are out of "
        f"fold ({FOLDS} folds grouped by question).",
        "trained_on": {
            "questions_file": "eval/gold/dev_questions.jsonl",
            "questions": len(rows),
            "sentences": int(len(y)),
            "answering_sentences": int(y.sum()),
            "licence": "written for this project, over the five seed documents",
        },
        "sentence": {
            "coefficients": dict(zip(SentenceFeatures.names(), (round(float(w), 6) for w in weights))),
            "intercept": round(intercept, 6),
            "regularisation_C": c,
        },
        "confidence": {"coefficients": conf_weights, "intercept": conf_intercept},
        "policy": {"answer_p": policy.answer_p, "extra_p": policy.extra_p},
        "cross_validated": {
            **figures(outcomes),
            "sentence_auc": round(auc(np.concatenate(held), np.concatenate([np.array(r[3], dtype=int) for r in rows])) or 0.0, 4),
            "confidence": conf_cv,
            "threshold_grid": grid,
        },
    }


def main(argv: list[str] | None = None) -> int:
    from index.answer.answerer import QuestionAnswerer
    from index.build.embed import Encoder
    from index.build.store import load_index
    from index.settings import Settings

    parser = argparse.ArgumentParser(prog="python -m eval.train_answerer", description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=Path, default=DEV_QUESTIONS, help="labelled questions to fit on (the dev set; never the held-out set)")
    parser.add_argument("--index-dir", type=Path, default=None, help="a built index (default: the configured one)")
    parser.add_argument("--out", type=Path, default=MODEL_FILE, help=f"where the model goes (default {MODEL_FILE})")
    parser.add_argument("--c", type=float, default=1.0, help="inverse regularisation strength of the sentence model (default 1)")
    args = parser.parse_args(argv)
    if "heldout" in args.questions.name:
        parser.error("the held-out set is never trained on")
    settings = Settings(**({"index_dir": args.index_dir} if args.index_dir else {}))
    encoder = Encoder.for_settings(settings).load()
    index = load_index(settings.index_dir, settings)
    result = train(QuestionAnswerer(index, encoder, settings), load_questions(args.questions), args.c)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    cv = {k: v for k, v in result["cross_validated"].items() if k != "threshold_grid"}
    print("policy:", json.dumps(result["policy"]), "\ncross-validated:", json.dumps(cv), f"\n-> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
