"""A question analysed once: its words, their weights, its vector and the kind of fact it asks for.

Every later stage (search, sentence scoring, abstention) reads the `Query`; none tokenises or
weighs the question again.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from threading import Lock

import numpy as np

from difflib import get_close_matches

from index.answer.answer_type import AnswerType, expected_answer_type, question_kind
from index.answer.constraints import Constraint, ConstraintKind, acronym_key, is_acronym, question_constraints
from index.build.lexical import Lexicon, tokenize

# A constraint in at least this share of passages is what the corpus is about ("Wakefield",
# "Ofsted"), not something a question narrows to.
SUBJECT_SHARE = 0.45
# A name of six letters or more, or a lower-case word of five or more, that the corpus lacks may be a misspelling of
# one it has ("Isherwod", "assesments", "acess"): this close counts as known. Shorter names are too near other words
# ("Leeds", "needs").
SPELLING_CUTOFF = 0.85


@dataclass(frozen=True, eq=False)
class Query:
    text: str
    tokens: tuple[str, ...]  # tokenize(text), in order: what BM25 scores
    weights: Mapping[str, float]  # each distinct token's share of the question's IDF mass (sums to 1)
    vector: np.ndarray  # the normalised question embedding
    answer_type: AnswerType | None  # the figure or date asked for; None for any other question
    constraints: tuple[Constraint, ...] = field(default=())  # what an answer must cover (names, dates, figures, rare terms)
    kind: AnswerType = AnswerType.DESCRIPTION  # the kind of fact asked for, among every type (support check)
    unmentioned: tuple[Constraint, ...] = field(default=())  # constraints no indexed passage uses at all

    def unknown_words(self, lexicon: Lexicon) -> frozenset[str]:
        """Question words no indexed passage uses."""
        return frozenset(t for t in self.weights if t not in lexicon.frequencies)


def analyse_question(
    text: str, vector: np.ndarray, lexicon: Lexicon, vocabulary: Callable[[], frozenset[str]] = frozenset, spelled_out: Callable[[], frozenset[str]] = frozenset
) -> Query:
    """The `Query` for `text`, given its embedding and the index's document frequencies; `vocabulary` (the index's
    words as written) and `spelled_out` (its initialisms) are asked for only when a constraint is not in the lexicon."""
    tokens = tuple(tokenize(text))
    resolved = [_resolve(c, lexicon, vocabulary, spelled_out) for c in question_constraints(text)]
    constraints = tuple(c for c in resolved if c is not None and not _is_subject(c, lexicon))
    return Query(
        text=text,
        tokens=tokens,
        weights=lexicon.question_weights(set(tokens)),
        vector=vector,
        answer_type=expected_answer_type(text),
        constraints=constraints,
        kind=question_kind(text),
        unmentioned=tuple(c for c in constraints if not all(t in lexicon.frequencies for t in c.tokens)),
    )


def _is_subject(constraint: Constraint, lexicon: Lexicon) -> bool:
    share = [lexicon.frequencies.get(t, 0) / max(lexicon.passage_count, 1) for t in constraint.tokens]
    return bool(share) and min(share) >= SUBJECT_SHARE


def _resolve(constraint: Constraint, lexicon: Lexicon, vocabulary, spelled_out) -> Constraint | None:
    """`constraint` as the corpus writes it: itself when some passage uses every word; with a misspelt word
    ("assesments") replaced by the corpus's nearest spelling; None when an acronym the corpus spells out
    ("DCS": director of children's services) leaves nothing a sentence could be checked for. Unchanged,
    with `known` False, when the corpus has no word like it."""
    if all(t in lexicon.frequencies for t in constraint.tokens) or constraint.kind not in (ConstraintKind.NAME, ConstraintKind.TERM):
        return constraint
    tokens: list[str] = []
    for word in constraint.text.split():
        own = tokenize(word)
        if all(t in lexicon.frequencies for t in own):
            tokens += own
            continue
        if is_acronym(word) and acronym_key(word) in spelled_out():
            continue  # spelled out somewhere; which sentence spells it is beyond a word check
        low = word.lower().replace("’", "'").replace("'", "")
        # a lower-case word of five letters is matched too ("acess"): staff type fast; a capitalised one must have six
        shortest = 6 if word[:1].isupper() else 5
        if len(low) < shortest:
            return constraint
        if near := get_close_matches(low, vocabulary(), n=1, cutoff=SPELLING_CUTOFF):
            tokens += tokenize(near[0])
        # the corpus may hold the word only inflected ("accessing" for "acess"): its stems are words too
        elif (stem := tokenize(low)) and (near := get_close_matches(stem[0], lexicon.frequencies.keys(), n=1, cutoff=SPELLING_CUTOFF)):
            tokens += near
        else:
            return constraint
    return Constraint(constraint.text, constraint.kind, tuple(tokens)) if tokens else None


class QueryVectorCache:
    """Question text -> embedding, bounded LRU; thread-safe. The same questions come back (the chat
    page's retries, evaluation runs), and encoding is most of an answer's time."""

    def __init__(self, encode: Callable[[str], np.ndarray], size: int = 1024):
        self._encode = encode
        self._size = size
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = Lock()
        self.hits = 0
        self.misses = 0

    def clear(self) -> None:
        with self._lock:
            self._vectors.clear()

    def holds(self, text: str) -> bool:
        with self._lock:
            return text in self._vectors

    def __call__(self, text: str) -> np.ndarray:
        with self._lock:
            if (vec := self._vectors.get(text)) is not None:
                self._vectors.move_to_end(text)
                self.hits += 1
                return vec
        vec = self._encode(text)
        with self._lock:
            self.misses += 1
            self._vectors[text] = vec
            if len(self._vectors) > self._size:
                self._vectors.popitem(last=False)
        return vec
