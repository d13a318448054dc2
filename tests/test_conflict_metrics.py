"""Conflict recall and precision (eval/conflicts.py), worked by hand."""

from __future__ import annotations

from eval.conflicts import GoldItem, conflict_figures, is_disagreement, splits

A = ("doc-a", "The inspection took place in July 2018.")
B = ("doc-b", "Most recently, in June 2018, services were rated inadequate.")
C = ("doc-c", "A focused visit took place in March 2018.")
D = ("doc-d", "During the latest visit, in February, inspectors met leaders.")


def test_a_reply_conflict_is_a_gold_disagreement_when_each_side_is_matched_apart():
    assert is_disagreement([[A], [B]], (A, B))
    assert not is_disagreement([[A, B]], (A, B))  # both on one side: agreement
    assert not is_disagreement([[A], [C]], (A, B))
    assert splits([[A], [B]], (A, B)) and not splits([[A, B]], (A, B))


def test_figures_by_hand():
    items = [
        GoldItem("c1", "contested", "when inadequate?", (A, B)),
        GoldItem("c2", "contested", "when focused visit?", (C, D)),
        GoldItem("a1", "agreed", "what year inadequate?", (A, B)),
        GoldItem("d1", "distinct", "visits in 2018?", (C, A)),
    ]
    replies = {
        "c1": [[[A], [B]]],  # right, and its own
        "c2": [],  # missed
        "a1": [[[A], [B]]],  # a genuine disagreement on another question: precise, not the question's own, splits the agreed sides
        "d1": [[[C], [A]]],  # not a genuine disagreement: wrong, and a distinct pair flagged
    }
    f = conflict_figures(items, replies)
    assert f["recall"] == 0.5  # c1 of c1, c2
    assert f["flagged"] == 3
    assert f["precision"] == round(2 / 3, 3)
    assert f["strict_precision"] == round(1 / 3, 3)
    assert f["distinct_pairs_flagged"] == 1 and f["agreed_split"] == 1
    assert f["missed"] == ["c2"]
    assert conflict_figures(items, {})["precision"] is None  # nothing flagged: n/a, not 0
