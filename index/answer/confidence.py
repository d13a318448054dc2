"""How likely a reply is to be right, from the scores and checks behind it: two small logistic models.

- The answer gate: of the replies that would quote an answer, how likely the material answers the
  question at all. Below `Settings.answer_gate` the reply abstains ("low-support") and shows the
  sentence as related. It combines the scores and checks with weights learned on the dev set, where
  hand-set rules could not separate the on-topic questions the material does not answer.
- The confidence: how likely the final reply is right (an answer holding a gold quote, or an
  abstention where the material does not answer), shown on every reply.

Both are fitted on the labelled dev questions by `python -m eval.train_confidence` (scikit-learn,
at training time only, with cross-validation) and stored as plain JSON coefficients beside this
module; here they are applied with plain arithmetic. No pickle.
"""

from __future__ import annotations

import json
import math
from dataclasses import astuple, dataclass, fields
from functools import lru_cache
from pathlib import Path

COEFFICIENTS = Path(__file__).with_name("confidence.json")
GATE_COEFFICIENTS = Path(__file__).with_name("answer_gate.json")


@dataclass(frozen=True)
class ReplyFeatures:
    answered: float  # 1 when the reply quotes an answer
    relevance: float  # the best sentence's score
    answered_relevance: float  # relevance when answered, else 0: the two kinds of reply read relevance oppositely
    share_supported: float  # share of the candidates within reach that passed the support check
    constraints: float  # how many constraints the question has
    unmentioned: float  # 1 when a constraint is not in the corpus at all
    own: float  # the best answer sentence's own score (cosine + overlap, without its passage)
    overlap: float  # the share of the question's word weight the best answer sentence holds
    unknown_share: float  # the share of the question's word weight on words no passage uses ("weather", "tax")

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in fields(cls)]

    def vector(self) -> list[float]:
        return [float(x) for x in astuple(self)]


@lru_cache(maxsize=8)
def load_model(path: Path) -> tuple[dict[str, float], float] | None:
    if not path.is_file():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    return {str(k): float(v) for k, v in data["coefficients"].items()}, float(data["intercept"])


def probability(features: ReplyFeatures, path: Path) -> float | None:
    """The logistic model at `path` applied to `features`; None when no model was fitted. A feature the file
    does not name weighs nothing (it was added after the fit)."""
    model = load_model(path)
    if model is None:
        return None
    weights, intercept = model
    z = intercept + sum(weights.get(name, 0.0) * x for name, x in zip(ReplyFeatures.names(), features.vector()))
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


def confidence(features: ReplyFeatures, path: Path = COEFFICIENTS) -> float:
    """The fitted chance that the reply is right; 0.5 when no model was fitted."""
    p = probability(features, path)
    return 0.5 if p is None else p


def answer_supported(features: ReplyFeatures, path: Path = GATE_COEFFICIENTS) -> float:
    """The fitted chance that a question the reply would answer is answered by the material; 1 when no model was fitted."""
    p = probability(features, path)
    return 1.0 if p is None else p
