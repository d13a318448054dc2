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

from index.answer.answer_type import AnswerType, expected_answer_type
from index.build.lexical import Lexicon, tokenize


@dataclass(frozen=True, eq=False)
class Query:
    text: str
    tokens: tuple[str, ...]  # tokenize(text), in order: what BM25 scores
    weights: Mapping[str, float]  # each distinct token's share of the question's IDF mass (sums to 1)
    vector: np.ndarray  # the normalised question embedding
    answer_type: AnswerType | None  # the kind of fact asked for; None for any other question
    constraints: tuple[str, ...] = field(default=())  # what an answer must cover (names, dates); filled by later analysis

    def unknown_words(self, lexicon: Lexicon) -> frozenset[str]:
        """Question words no indexed passage uses."""
        return frozenset(t for t in self.weights if t not in lexicon.frequencies)


def analyse_question(text: str, vector: np.ndarray, lexicon: Lexicon) -> Query:
    """The `Query` for `text`, given its embedding and the index's document frequencies."""
    tokens = tuple(tokenize(text))
    return Query(
        text=text,
        tokens=tokens,
        weights=lexicon.question_weights(set(tokens)),
        vector=vector,
        answer_type=expected_answer_type(text),
    )


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
