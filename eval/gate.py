"""The quality gate: headline figures of our pipeline held against floors recorded in the repository.

The floors file (eval/floors.json) is data, not code, so raising a floor after an improvement is a
one-line reviewed change, and the check itself stays a pure function of the run's summaries.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from eval.errors import EvaluationError
from index.settings import PROJECT_ROOT

FLOORS_FILE = PROJECT_ROOT / "eval" / "floors.json"


@dataclass(frozen=True)
class QualityFloors:
    questions: Path
    top_k: int
    floors: dict[str, float]  # figure -> lowest acceptable value
    ceilings: dict[str, float]  # figure -> highest acceptable value (lengths: no winning by returning whole documents)
    hit1_over_naive: float | None  # hit@1 must beat the naive baseline of the same run by this much


def load_floors(path: Path = FLOORS_FILE) -> QualityFloors:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        questions = Path(raw["questions"])
        return QualityFloors(
            questions=questions if questions.is_absolute() else PROJECT_ROOT / questions,
            top_k=int(raw.get("top_k", 5)),
            floors={str(k): float(v) for k, v in raw.get("floors", {}).items()},
            ceilings={str(k): float(v) for k, v in raw.get("ceilings", {}).items()},
            hit1_over_naive=None if raw.get("hit@1_over_naive") is None else float(raw["hit@1_over_naive"]),
        )
    except FileNotFoundError:
        raise EvaluationError(f"floors file {path} does not exist") from None
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise EvaluationError(f"floors file {path} is not valid: {exc!r}; see eval/floors.json for the format") from None


def check_floors(gate: QualityFloors, ours: dict, naive: dict | None = None) -> list[str]:
    """Every way the summary `ours` (and `naive`, from the same run) falls short of the gate; [] passes."""
    failures = []
    for figure, floor in gate.floors.items():
        value = ours.get(figure)
        if value is None:
            failures.append(f"{figure}: not measured (the floor is {floor:g})")
        elif value < floor:
            failures.append(f"{figure} {value:.3f} is below its floor {floor:g}")
    for figure, ceiling in gate.ceilings.items():
        value = ours.get(figure)
        if value is None:
            failures.append(f"{figure}: not measured (the ceiling is {ceiling:g})")
        elif value > ceiling:
            failures.append(f"{figure} {value:g} is above its ceiling {ceiling:g}")
    if gate.hit1_over_naive is not None:
        if naive is None or naive.get("hit@1") is None or ours.get("hit@1") is None:
            failures.append("hit@1 over naive: the naive baseline was not run (add it to --systems)")
        elif ours["hit@1"] - naive["hit@1"] < gate.hit1_over_naive - 1e-9:
            failures.append(
                f"hit@1 {ours['hit@1']:.3f} is only {ours['hit@1'] - naive['hit@1']:+.3f} over naive "
                f"({naive['hit@1']:.3f}); the floor is {gate.hit1_over_naive:+g}"
            )
    return failures
