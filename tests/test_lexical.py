"""The lexical side: one tokeniser for passages and questions, IDF weights, BM25 scores."""

import pytest

from index.build.lexical import Lexicon, bm25_scores, build_bm25, tokenize


def test_tokens_are_lower_cased_stemmed_and_free_of_stop_words():
    assert tokenize("The Council’s escalation of cases, and escalating") == ["council", "escal", "case", "escal"]


def test_rare_words_weigh_more_and_weights_sum_to_one():
    lexicon = Lexicon.from_texts(["social workers visit", "social care plans", "social workers audit"])
    weights = lexicon.question_weights({"social", "audit"})
    assert sum(weights.values()) == pytest.approx(1.0)
    assert weights["audit"] > weights["social"]
    assert lexicon.weighted_overlap(weights, frozenset({"audit"})) == pytest.approx(weights["audit"])
    assert lexicon.weighted_overlap({"social", "audit"}, {"social", "audit"}) == pytest.approx(1.0)


def test_a_word_the_corpus_never_uses_counts_as_rare_not_infinite():
    lexicon = Lexicon.from_texts(["one passage", "another passage"])
    assert lexicon.idf("camhs") == lexicon.idf("one") > lexicon.idf("passag")


def test_lexicon_round_trips_through_json():
    lexicon = Lexicon.from_texts(["a b c", "b c", "c"])
    again = Lexicon.from_json(lexicon.to_json())
    assert again.passage_count == 3 and again.frequencies == lexicon.frequencies


def test_bm25_scores_every_passage_and_zero_for_unknown_words():
    retriever = build_bm25(["inspectors praised the fostering panel", "", "the panel met monthly"])
    scores = bm25_scores(retriever, "fostering panel")
    assert len(scores) == 3 and scores[0] > scores[2] > 0 == scores[1]
    assert not bm25_scores(retriever, "zebra crossing").any()


def test_the_token_set_of_a_whole_document_is_the_set_of_its_tokens(built_index, settings):
    """token_set stems each distinct word once (a document's words repeat); it must give exactly what
    the tokens give, curly apostrophes, stop words and possessives included."""
    from index.build.lexical import token_set
    from index.build.store import load_index

    index = load_index(settings.index_dir, settings)
    texts = [index.documents[d].text for d in index.documents] + ["Ofsted’s visit: the council's 2019 ‘letter’", "", "the of and"]
    for text in texts:
        assert token_set(text) == frozenset(tokenize(text))


def test_the_bm25_ranking_is_the_best_k_positive_scores_ties_by_passage_id():
    """The ranking takes the k-th best score by partition and sorts only what reaches it; it must equal a
    full sort, ties included, with a filter's masked-out passages and zero scores never ranked."""
    import numpy as np

    from index.answer.search import _bm25_ranking

    rng = np.random.default_rng(0)
    for trial in range(200):
        n = int(rng.integers(1, 60))
        scores = rng.choice(np.array([0.0, 0.5, 1.0, 1.5, 2.0], dtype=np.float32), size=n)
        allowed = np.flatnonzero(rng.random(n) < 0.6) if trial % 2 else None
        k = int(rng.integers(1, 40))
        visible = scores if allowed is None else np.where(np.isin(np.arange(n), allowed), scores, 0)
        expected = sorted(((i, float(s)) for i, s in enumerate(visible) if s > 0), key=lambda p: (-p[1], p[0]))[:k]
        assert _bm25_ranking(scores, allowed, k) == expected
