"""Each figure of the harness on a tiny case worked out by hand, and the judging of one reply."""

import pytest

from eval import metrics
from eval.metrics import Judgement
from eval.questions import GoldQuestion
from eval.reply import Reply, RetrievedPassage
from eval.scoring import answer_holds_quote, first_gold_rank, judge, problems, quotes_found_in

# four answerable questions: first gold passage at rank 1, 3, nowhere, 2
RANKS = [1, 3, None, 2]


def test_hit_at_k_counts_questions_with_a_gold_passage_in_the_first_k():
    assert metrics.hit_at(RANKS, 1) == 1 / 4
    assert metrics.hit_at(RANKS, 2) == 2 / 4
    assert metrics.hit_at(RANKS, 3) == 3 / 4
    assert metrics.hit_at(RANKS, 10) == 3 / 4
    assert metrics.hit_curve(RANKS, 4) == [0.25, 0.5, 0.75, 0.75]


def test_mrr_averages_one_over_the_first_rank_with_zero_for_a_miss():
    # (1 + 1/3 + 0 + 1/2) / 4 = 11/24
    assert metrics.mean_reciprocal_rank(RANKS) == pytest.approx(11 / 24)


def test_evidence_recall_is_the_mean_per_question_share_of_quotes_found():
    # one of one, one of three, none of two: (1 + 1/3 + 0) / 3 = 4/9
    assert metrics.evidence_recall([(1, 1), (1, 3), (0, 2)]) == pytest.approx(4 / 9)


def test_answer_hit_abstention_and_answer_rate():
    assert metrics.answer_hit([True, False, False, True]) == 0.5
    # answered flags of three unanswerable questions: two declined
    assert metrics.abstention([True, False, False]) == pytest.approx(2 / 3)
    # answered flags of four answerable questions: three answered
    assert metrics.answer_rate([True, True, False, True]) == 0.75


def test_median_and_percentiles():
    assert metrics.median([300, 100, 200]) == 200
    assert metrics.median([1, 2, 3, 10]) == 2.5
    # positions 0..4; p95 falls at 3.8, between 40 and 50
    assert metrics.percentile([50, 10, 30, 20, 40], 50) == 30
    assert metrics.percentile([50, 10, 30, 20, 40], 95) == pytest.approx(48)


def test_figures_over_no_questions_are_none_not_zero():
    for value in (
        metrics.hit_at([], 1),
        metrics.mean_reciprocal_rank([]),
        metrics.evidence_recall([]),
        metrics.abstention([]),
        metrics.answer_rate([]),
        metrics.median([]),
        metrics.percentile([], 95),
    ):
        assert value is None


def test_abstention_tradeoff_from_relevance_alone():
    rows = metrics.abstention_tradeoff([0.9, 0.6, 0.4], [0.5, 0.3], [0.35, 0.55])
    # at 0.35: 0.5 is answered, 0.3 declined; all three answerable answered
    assert rows[0] == {"threshold": 0.35, "abstention": 0.5, "answer_rate": 1.0}
    # at 0.55: both declined; 0.4 is now declined too
    assert rows[1] == {"threshold": 0.55, "abstention": 1.0, "answer_rate": pytest.approx(2 / 3)}


def test_threshold_grid_runs_from_everyone_answers_to_everyone_abstains():
    grid = metrics.threshold_grid([0.31, 0.52], step=0.1)
    assert grid == [0.3, 0.4, 0.5, 0.6]
    rows = metrics.abstention_tradeoff([0.52], [0.31], grid)
    assert (rows[0]["abstention"], rows[0]["answer_rate"]) == (0.0, 1.0)
    assert (rows[-1]["abstention"], rows[-1]["answer_rate"]) == (1.0, 0.0)


def _j(kind, gold_answerable, rank, found, total, answered, hit, answer_chars, passages, ms):
    return Judgement(kind, gold_answerable, rank, rank, found, total, answered, hit, answer_chars, passages, ms, None, ())


def test_summary_and_breakdown_by_kind():
    judged = [
        _j("lookup", True, 1, 1, 1, True, True, 100, (400, 600), 10.0),
        _j("lookup", True, 4, 1, 2, True, False, 300, (500, 500), 20.0),
        _j("multi", True, None, 0, 3, False, False, None, (200, 800), 30.0),
        _j("unanswerable", False, None, 0, 0, False, None, None, (100, 900), 40.0),
    ]
    s = metrics.summarise(judged, top_k=5)
    assert s["questions"] == 4
    assert s["hit@1"] == pytest.approx(1 / 3)
    assert s["hit@3"] == pytest.approx(1 / 3)
    assert s["hit@k"] == pytest.approx(2 / 3)
    assert s["mrr"] == pytest.approx((1 + 1 / 4) / 3)
    assert s["evidence_recall"] == pytest.approx((1 + 0.5 + 0) / 3)
    assert s["answer_hit"] == pytest.approx(1 / 3)
    assert s["abstention"] == 1.0
    assert s["answer_rate"] == pytest.approx(2 / 3)
    assert s["median_passage_chars"] == 500  # of 100 200 400 500 500 600 800 900
    assert s["median_answer_chars"] == 200  # of the two answers given
    assert s["latency_p50_ms"] == 25.0
    by_kind = metrics.summarise_by_kind(judged, top_k=5)
    assert set(by_kind) == {"lookup", "multi", "unanswerable"}
    assert by_kind["lookup"]["hit@1"] == 0.5 and by_kind["lookup"]["questions"] == 2
    assert by_kind["multi"]["answer_rate"] == 0.0
    assert by_kind["unanswerable"]["hit@1"] is None and by_kind["unanswerable"]["abstention"] == 1.0
    # a run of two passages cannot measure hit@3
    assert metrics.summarise(judged, top_k=2)["hit@3"] is None


# ---------------------------------------------------------------- judging one reply

GOLD = GoldQuestion(
    id="q1",
    question="How was supervision?",
    answerable=True,
    quotes=("Supervision is irregular and rarely recorded.", "Managers now hold monthly supervision with every worker."),
    quote_docs=("a.txt", "b.txt"),
    answer="",
    kind="multi",
)
UNANSWERABLE = GoldQuestion("q2", "How many foster carers?", False, (), (), "", "unanswerable")


def _reply(answer, answerable, *texts):
    return Reply(answer, answerable, tuple(RetrievedPassage(t, 0.5, "doc") for t in texts), latency_ms=5.0)


def test_ranks_and_quotes_found_in_passages():
    passages = ["Nothing here.", "Overview. Supervision is irregular and rarely recorded. More text.", "Other."]
    assert first_gold_rank(GOLD.quotes, passages) == 2
    assert quotes_found_in(GOLD.quotes, passages) == 1
    assert first_gold_rank(GOLD.quotes, ["Nothing.", "Still nothing."]) is None


def test_citation_markers_do_not_break_a_quote_in_the_answer():
    answer = "Supervision is irregular [1] and rarely recorded. [1]"
    assert answer_holds_quote(GOLD.quotes, answer)
    assert not answer_holds_quote(GOLD.quotes, "Children are seen regularly. [2]")


def test_judging_a_late_partial_hit_whose_answer_misses():
    reply = _reply("Children are seen. [1]", True, "Children are seen.", "Supervision is irregular and rarely recorded.")
    j = judge(GOLD, reply, [p.text for p in reply.passages])
    assert (j.first_hit_rank, j.quotes_found, j.quotes_total, j.answer_hit) == (2, 1, 2, False)
    assert j.problems == ("late-hit", "partial-evidence", "answer-missed-quote")
    assert j.answer_chars == len("Children are seen. [1]") and j.passage_chars == (18, 45)


def test_problem_tags():
    assert problems(True, True, 1, 2, 2, True) == ()
    assert problems(True, False, None, 0, 1, False) == ("miss", "false-abstain")
    assert problems(False, True, None, 0, 0, None) == ("false-answer",)
    assert problems(False, False, None, 0, 0, None) == ()


def test_an_abstention_on_an_unanswerable_question_is_right_and_has_no_answer_length():
    j = judge(UNANSWERABLE, _reply("The inspection material does not answer this.", False, "Some passage."), ["Some passage."])
    assert j.problems == () and j.answer_hit is None and j.answer_chars is None and j.first_hit_rank is None


def test_false_answer_rate_is_the_share_of_unanswerable_questions_answered():
    # answered flags of four unanswerable questions: one answered
    assert metrics.false_answer_rate([False, True, False, False]) == 0.25
    assert metrics.false_answer_rate([]) is None


def test_answer_sentence_precision_pools_sentences_over_questions():
    # 1 of 1, 1 of 3, 0 of 1: 2 of 5 sentences, not the mean of shares (1 + 1/3 + 0) / 3
    assert metrics.answer_sentence_precision([(1, 1), (1, 3), (0, 1)]) == pytest.approx(2 / 5)
    assert metrics.answer_sentence_precision([]) is None


def test_abstention_by_reason_is_the_share_declined_per_label():
    declined = [("not-mentioned", True), ("not-mentioned", False), ("wrong-type", True), ("off-topic", False)]
    assert metrics.abstention_by_reason(declined) == {"not-mentioned": 0.5, "off-topic": 0.0, "wrong-type": 1.0}


def test_calibration_table_bins_by_confidence_and_gives_the_share_right():
    pairs = [(0.1, False), (0.15, True), (0.85, True), (0.95, True), (1.0, False), (0.5, True)]
    table = metrics.calibration_table(pairs, bins=2)
    # [0, 0.5): 0.1, 0.15 -> one of two right; [0.5, 1]: 0.5, 0.85, 0.95, 1.0 -> three of four
    assert [(r["low"], r["high"], r["n"]) for r in table] == [(0.0, 0.5, 2), (0.5, 1.0, 4)]
    assert table[0]["mean_confidence"] == pytest.approx(0.125) and table[0]["right"] == 0.5
    assert table[1]["mean_confidence"] == pytest.approx(3.3 / 4) and table[1]["right"] == 0.75
    # ECE: (2 * |0.125 - 0.5| + 4 * |0.825 - 0.75|) / 6 = (0.75 + 0.3) / 6
    assert metrics.expected_calibration_error(table) == pytest.approx(1.05 / 6)
    assert metrics.calibration_table([], bins=2)[0]["n"] == 0


def test_answer_sentences_are_split_at_citation_markers_and_judged_one_by_one():
    from eval.scoring import answer_sentences, sentence_supported

    answer = "Caseloads are lower. [1] The weather was fine. [2]"
    assert answer_sentences(answer, True) == ["Caseloads are lower.", "The weather was fine."]
    assert answer_sentences("a whole passage [1] with a marker", False) == ["a whole passage [1] with a marker"]
    quotes = ("Caseloads are lower.",)
    assert [sentence_supported(s, quotes) for s in answer_sentences(answer, True)] == [True, False]
    # a sentence lying inside a longer quote (one half of a two-sentence quote) is supported by it
    two = ("Caseloads are lower. Supervision is regular and recorded well.",)
    assert sentence_supported("Caseloads are lower.", two) and sentence_supported("Supervision is regular and recorded well.", two)
    assert not sentence_supported("Managers are visible and accessible.", two)
