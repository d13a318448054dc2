"""BM25 over passages with bm25s: one tokeniser for documents and questions, arrays on disk."""

from __future__ import annotations

import math
import re
from functools import lru_cache
from pathlib import Path

import bm25s
import numpy as np
import Stemmer
from bm25s.stopwords import STOPWORDS_EN

# a word and what follows its apostrophe ("council's"): only the word before it is kept, as its own group
_WORD = re.compile(r"([a-z0-9]+)(?:'[a-z]+)?")
_STOPWORDS = frozenset(STOPWORDS_EN) | {"s", "t", "did", "does", "do", "what", "how", "who", "when", "which", "why"}


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("’", "'").replace("‘", "'"))


def _kept(words) -> list[str]:
    return [w for w in words if w not in _STOPWORDS]


def tokenize(text: str) -> list[str]:
    """Lower-cased, stop-word-free, stemmed word tokens (curly apostrophes folded first)."""
    return _stemmer().stemWords(_kept(_words(text)))


def token_set(text: str) -> frozenset[str]:
    """`frozenset(tokenize(text))`, each distinct word handled once: a whole document repeats most of its words."""
    return frozenset(_stemmer().stemWords(list(set(_kept(set(_words(text)))))))


def build_bm25(texts: list[str]) -> bm25s.BM25:
    retriever = bm25s.BM25()
    # an empty token list would be dropped by bm25s and shift every row after it
    retriever.index([tokenize(t) or ["\x00"] for t in texts], show_progress=False)
    return retriever


def save_bm25(retriever: bm25s.BM25, directory: Path) -> None:
    retriever.save(str(directory), allow_pickle=False)


def load_bm25(directory: Path) -> bm25s.BM25:
    return bm25s.BM25.load(str(directory), mmap=True, allow_pickle=False)


def bm25_scores(retriever: bm25s.BM25, question: str | tuple[str, ...] | list[str]) -> np.ndarray:
    """BM25 score of every passage for `question`, raw or already tokenised (zeros when no word of it is indexed)."""
    words = tokenize(question) if isinstance(question, str) else question
    tokens = [t for t in words if t in retriever.vocab_dict]
    if not tokens:
        return np.zeros(retriever.scores["num_docs"], dtype=np.float32)
    return np.asarray(retriever.get_scores(tokens), dtype=np.float32)


class Lexicon:
    """Document frequencies of passage tokens, for weighting question words by rarity (IDF)."""

    def __init__(self, passage_count: int, frequencies: dict[str, int]):
        self.passage_count = passage_count
        self.frequencies = frequencies

    @classmethod
    def from_texts(cls, texts: list[str]) -> "Lexicon":
        frequencies: dict[str, int] = {}
        for text in texts:
            for token in set(tokenize(text)):
                frequencies[token] = frequencies.get(token, 0) + 1
        return cls(len(texts), frequencies)

    def idf(self, token: str) -> float:
        # a word the corpus never uses is as rare as a word in one passage, not infinitely rare
        df = max(self.frequencies.get(token, 0), 1)
        return math.log(1.0 + (self.passage_count - df + 0.5) / (df + 0.5))

    def question_weights(self, question_tokens: set[str]) -> dict[str, float]:
        """Each question word's share of the question's IDF mass (summing to 1), for `weighted_overlap`."""
        weights = {t: self.idf(t) for t in question_tokens}
        total = sum(weights.values())
        return {t: w / total for t, w in weights.items()} if total else {}

    def weighted_overlap(self, question_tokens: set[str] | dict[str, float], text_tokens: set[str] | frozenset[str]) -> float:
        """Share of the question's IDF mass that `text_tokens` covers, 0..1. Pass `question_weights(...)`
        when scoring many texts against one question, so the weights are worked out once."""
        weights = question_tokens if isinstance(question_tokens, dict) else self.question_weights(question_tokens)
        return sum(w for t, w in weights.items() if t in text_tokens)

    def to_json(self) -> dict:
        return {"passage_count": self.passage_count, "frequencies": self.frequencies}

    @classmethod
    def from_json(cls, data: dict) -> "Lexicon":
        return cls(int(data["passage_count"]), {str(k): int(v) for k, v in data["frequencies"].items()})
