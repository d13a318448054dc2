"""Who is asking, as retrieval needs to know it: the groups whose documents they may see.

A document with no `access` groups is open to everyone allowed on the service; one with groups is
seen only by callers in at least one of them (or by a caller who sees everything: an admin key,
the CLI, the evaluation harness).

A restricted document must not shape anything a caller who may not see it is shown. Filtering its
passages out of both retrievers is not enough on its own: the index-wide statistics carry its words
too. Word rarity (the lexicon's IDF, which weights every question word, and BM25's IDF, which
orders passages) would shift with a word only the hidden document uses, and the removed-text rule
("the question is about a link captured with a page") would fire on a hidden document's removed
sentences, or stay silent because a hidden document uses the question's word. So a caller who may
not see everything is answered from a `restricted_view` of the index: the same passages and
vectors, with the lexicon, BM25 statistics and removed sentences of the documents they may see only.
Their answers, abstentions and scores are then exactly what an index of those documents would give.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from index.build.lexical import Lexicon, build_bm25, bm25_scores


@dataclass(frozen=True)
class Access:
    """The caller's groups; `everything` for a caller who may see every document."""

    groups: frozenset[str] = frozenset()
    everything: bool = True

    @classmethod
    def for_groups(cls, groups) -> "Access":
        return cls(groups=frozenset(groups), everything=False)

    def may_see(self, document) -> bool:
        """Whether this caller may see `document` (anything with an `access` tuple of groups)."""
        return self.everything or not document.access or bool(self.groups.intersection(document.access))


EVERYTHING = Access()


def hidden_documents(index, access: Access) -> frozenset[str]:
    """doc_ids in `index` the caller may not see."""
    if access.everything:
        return frozenset()
    documents = index.documents
    # a loaded index's DocumentTable gives a document's metadata without decoding its text
    describe = getattr(documents, "metadata", documents.__getitem__)
    return frozenset(doc_id for doc_id in documents if not access.may_see(describe(doc_id)))


class VisibleBM25:
    """BM25 over the visible passages only, answering with scores for every passage id (0 for hidden ones),
    so it stands in for the index's own BM25 (index.build.lexical.bm25_scores reads `vocab_dict`,
    `scores` and `get_scores`)."""

    def __init__(self, texts: list[str], passage_ids: np.ndarray, total: int):
        self.passage_ids = passage_ids
        self.total = total
        self.inner = build_bm25(texts) if texts else None
        self.vocab_dict = self.inner.vocab_dict if self.inner is not None else {}
        self.scores = {"num_docs": total}

    def get_scores(self, tokens) -> np.ndarray:
        out = np.zeros(self.total, dtype=np.float32)
        if self.inner is not None:
            out[self.passage_ids] = bm25_scores(self.inner, list(tokens))
        return out


def _visible_documents(documents, hidden: frozenset[str]):
    """The documents not hidden: a loaded index's DocumentTable keeps its row numbers (passage rows point at
    them) and decodes no text; a plain dict (an index made in memory) is filtered as it is."""
    if hasattr(documents, "without"):
        return documents.without(hidden)
    return {d: doc for d, doc in documents.items() if d not in hidden}


def restricted_view(index, hidden: frozenset[str], lexical_text):
    """`index` as a caller who may not see the `hidden` documents finds it: the lexicon, BM25 statistics and
    removed sentences of the other documents only. `lexical_text(passage)` is the text each passage was
    indexed under (its title and text). Passages keep their ids; the retrievers filter the hidden ones out."""
    visible = np.flatnonzero(~np.isin(index.passage_doc_ids, list(hidden))).astype(np.int64)
    texts = [lexical_text(index.passages[i]) for i in visible]
    owners = index.boilerplate_doc_ids
    keep = [i for i in range(len(index.boilerplate)) if i >= len(owners) or not owners[i] or not set(owners[i]) <= hidden]
    view = dataclasses.replace(
        index,
        # hidden documents drop out of the view's documents and claims too: the vocabulary, follow-up
        # narrowing, conflicts, newer material and the timeline read them from here
        documents=_visible_documents(index.documents, hidden),
        claims=index.claims.without(hidden),
        bm25=VisibleBM25(texts, visible, len(index.passages)),
        lexicon=Lexicon.from_texts(texts),
        boilerplate=[index.boilerplate[i] for i in keep],
        boilerplate_vectors=np.asarray(index.boilerplate_vectors)[keep] if keep else index.boilerplate_vectors[:0],
        boilerplate_doc_ids=[owners[i] if i < len(owners) else () for i in keep],
    )
    view.__dict__["passage_doc_ids"] = index.passage_doc_ids  # cached; the same passages
    return view
