"""The learned answer model: P(this sentence answers this question), and how far to trust the reply built on it.

Two logistic models stored as plain JSON coefficients (no pickle) in `answer_model.json` beside this module,
fitted on the labelled dev questions by `make train-answerer` (eval/train_answerer.py, scikit-learn at
training time only, scored by cross-validation grouped by question) and applied here with plain arithmetic:

- `sentence`: over `SentenceFeatures`, one probability per candidate sentence (the stage answers with the
  best one when it clears `AnswerPolicy.answer_p`);
- `confidence`: over (answered, logit of the best sentence's probability), the chance the reply is right:
  for an answer that its first sentence holds the answer, for a decline that declining is right.

A file that is missing, unreadable or written for other features stops start-up with a message naming it
and the make target that rebuilds it: the service never answers with a different scorer than it says.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.answer.features import SentenceFeatures
from index.errors import InspectQAError

MODEL_FILE = Path(__file__).with_name("answer_model.json")
REBUILD = "make train-answerer"


class AnswerModelError(InspectQAError):
    """The answer model file is missing, corrupt or does not fit this code."""


def _logistic(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


def logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


@dataclass(frozen=True)
class AnswerModel:
    weights: tuple[float, ...]  # in SentenceFeatures order
    intercept: float
    confidence_weights: dict[str, float]
    confidence_intercept: float
    policy: dict  # the thresholds training chose (AnswerPolicy reads them)
    path: Path

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> "AnswerModel":
        where = f"{path} (rebuild it with `{REBUILD}`)"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise AnswerModelError(f"the answer model file is missing: {where}") from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise AnswerModelError(f"the answer model file cannot be read ({exc.__class__.__name__}: {exc}): {where}") from None
        try:
            coefficients = {str(k): float(v) for k, v in data["sentence"]["coefficients"].items()}
            names = SentenceFeatures.names()
            if set(coefficients) != set(names):
                extra, lacking = sorted(set(coefficients) - set(names)), sorted(set(names) - set(coefficients))
                raise AnswerModelError(
                    f"the answer model file was fitted on other features (unknown: {', '.join(extra) or 'none'}; "
                    f"missing: {', '.join(lacking) or 'none'}): {where}"
                )
            conf = data["confidence"]
            return cls(
                weights=tuple(coefficients[n] for n in names),
                intercept=float(data["sentence"]["intercept"]),
                confidence_weights={str(k): float(v) for k, v in conf["coefficients"].items()},
                confidence_intercept=float(conf["intercept"]),
                policy=dict(data.get("policy", {})),
                path=path,
            )
        except AnswerModelError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise AnswerModelError(f"the answer model file is malformed ({exc.__class__.__name__}: {exc}): {where}") from None

    def probabilities(self, features: list[SentenceFeatures]) -> list[float]:
        """Each candidate's chance of answering, in one matrix product."""
        if not features:
            return []
        z = np.array([f.vector() for f in features]) @ np.array(self.weights) + self.intercept
        return (1.0 / (1.0 + np.exp(-np.clip(z, -50.0, 50.0)))).tolist()

    def confidence(self, answered: bool, best_p: float) -> float:
        """The chance the reply is right, given whether it answered and its best sentence's probability."""
        x = {"answered": float(answered), "answered_logit": float(answered) * logit(best_p), "declined_logit": float(not answered) * logit(best_p)}
        return _logistic(self.confidence_intercept + sum(self.confidence_weights.get(k, 0.0) * v for k, v in x.items()))
