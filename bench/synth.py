"""A deterministic, seeded synthetic corpus of inspection-style passages, and vectors for it.

Passage i is generated from its own seed (seed, i), so any slice of a million-passage corpus
can be produced without the rest, in any order, identically on every machine.

Vectors: a real sample is encoded by the model; larger sets are made from those real vectors
by seeded perturbation (a mix of two real vectors plus Gaussian noise, normalised), so the
set keeps the clustered shape of real MiniLM vectors without encoding a million texts.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np

COUNCILS = (
    "Wakefield", "Leeds", "Bradford", "Kirklees", "Calderdale", "Barnsley", "Doncaster", "Rotherham",
    "Sheffield", "York", "Hull", "Lincolnshire", "Derbyshire", "Nottingham", "Stockport", "Oldham",
    "Rochdale", "Bolton", "Wigan", "Salford", "Trafford", "Tameside", "Bury", "Cumbria", "Durham",
)
SERVICES = (
    "children's social care", "the front door", "the multi-agency safeguarding hub", "early help",
    "fostering services", "adoption services", "the leaving care service", "the youth offending team",
    "child protection conferences", "the independent reviewing service", "private fostering arrangements",
    "the local authority designated officer", "children in need services", "the virtual school",
)
JUDGEMENTS = ("outstanding", "good", "requires improvement", "inadequate", "requires improvement to be good")
THEMES = (
    "management oversight", "caseloads", "supervision of social workers", "assessments of need",
    "the voice of the child", "strategy meetings", "return home interviews", "pathway plans",
    "placement stability", "recruitment and retention of staff", "use of agency workers",
    "quality assurance", "performance information", "partnership working with the police",
    "responses to domestic abuse", "the cumulative effect of neglect", "child sexual exploitation",
    "missing children", "care proceedings", "permanence planning", "health assessments",
)
PEOPLE = ("the director of children's services", "the chief executive", "the lead member", "senior leaders",
          "frontline managers", "social workers", "independent reviewing officers", "inspectors", "partners")
VERBS_GOOD = ("has strengthened", "has improved", "has embedded", "has prioritised", "has invested in")
VERBS_BAD = ("has not addressed", "has been slow to improve", "does not consistently monitor", "has not prioritised")
FINDINGS = (
    "Inspectors found that {theme} in {service} is {adverb} effective.",
    "In {council}, {people} {verb_good} {theme}, and this is making a difference to children.",
    "{people_cap} {verb_bad} {theme}, so some children wait too long for help.",
    "The {year} inspection of {council} judged {service} to be {judgement}.",
    "Since the last visit in {year}, {people} {verb_good} {theme} across {service}.",
    "Caseloads in {service} average {number} children per worker, which {people} monitor monthly.",
    "At the {month} {year} monitoring visit, inspectors reviewed {number} cases about {theme}.",
    "{council} council was rated {judgement} overall after the {month} {year} inspection.",
    "Weaknesses in {theme} mean that risk is not always identified and acted on quickly enough.",
    "{people_cap} understand the strengths and areas for development in {theme}.",
    "A new practice model for {service} was launched in {month} {year}.",
    "The proportion of audits graded good for {theme} rose to {number} per cent.",
)
ADVERBS = ("increasingly", "not yet consistently", "highly", "mostly", "rarely", "generally")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


def passage(seed: int, i: int) -> str:
    """Passage number `i` of the corpus seeded `seed`: three to six template sentences."""
    rng = random.Random(seed * 1_000_003 + i)
    council = rng.choice(COUNCILS)
    sentences = []
    for _ in range(rng.randint(3, 6)):
        people = rng.choice(PEOPLE)
        sentences.append(
            rng.choice(FINDINGS).format(
                council=council, service=rng.choice(SERVICES), judgement=rng.choice(JUDGEMENTS),
                theme=rng.choice(THEMES), people=people, people_cap=people[0].upper() + people[1:],
                verb_good=rng.choice(VERBS_GOOD), verb_bad=rng.choice(VERBS_BAD), adverb=rng.choice(ADVERBS),
                year=rng.randint(2009, 2024), month=rng.choice(MONTHS), number=rng.randint(8, 95),
            )
        )
    return " ".join(sentences)


def passages(n: int, seed: int = 7, start: int = 0) -> list[str]:
    return [passage(seed, i) for i in range(start, start + n)]


def perturbed_vectors(real: np.ndarray, n: int, seed: int = 7, noise: float = 0.02, chunk: int = 100_000, out: Path | None = None) -> np.ndarray:
    """`n` unit vectors made from `real` ones: normalise(a*r1 + (1-a)*r2 + noise), seeded.

    Row i < len(real) is the real vector itself, so a set built this way holds the real sample.
    Written chunk by chunk into `out` (a .npy memory map) when given, to bound memory.
    """
    real = np.ascontiguousarray(real, dtype=np.float32)
    dim = real.shape[1]
    vectors = (np.lib.format.open_memmap(out, mode="w+", dtype=np.float32, shape=(n, dim)) if out is not None
               else np.empty((n, dim), dtype=np.float32))
    rng = np.random.default_rng(seed)
    keep = min(n, len(real))
    vectors[:keep] = real[:keep]
    for lo in range(keep, n, chunk):
        hi = min(n, lo + chunk)
        m = hi - lo
        a = rng.uniform(0.5, 1.0, size=(m, 1)).astype(np.float32)
        first = real[rng.integers(0, len(real), m)]
        second = real[rng.integers(0, len(real), m)]
        mixed = a * first + (1 - a) * second + rng.normal(0.0, noise, size=(m, dim)).astype(np.float32)
        mixed /= np.linalg.norm(mixed, axis=1, keepdims=True)
        vectors[lo:hi] = mixed
    if out is not None:
        vectors.flush()
    return vectors
