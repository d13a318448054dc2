"""Dated and numbered claims (index/build/claims.py) and the conflicts between them (index/answer/conflicts.py):
hand-made sentences of the kind any council's material holds."""

from __future__ import annotations

import datetime as dt

from index.answer.conflicts import anchors_for, clash, disagreement_sentence, find_conflicts, same_event
from index.build.claims import Claim, document_claims, event_keys, reference_month, sentence_claims

DATED = (2021, 11, "document-date")


def claims_of(text: str, ref=DATED, sid: int = 0, doc: str = "d") -> list[Claim]:
    return sentence_claims(sid, doc, 100, text, ref)


def one(text: str, ref=DATED, **kw) -> Claim:
    found = [c for c in claims_of(text, ref, **kw) if c.kind == "date"]
    assert len(found) == 1, found
    return found[0]


def test_dates_at_each_grain_with_their_event_key_and_offsets():
    text = "The council was judged inadequate at the inspection in July 2018."
    c = one(text)
    assert (c.value, c.year, c.month_lo, c.grain, c.about) == ("July 2018", 2018, 7, "month", "inspection")
    assert text[c.value_start - 100 : c.value_end - 100] == "July 2018"
    assert (c.start, c.end) == (100, 100 + len(text))
    assert one("A focused visit took place in March 2019.").about == "focused visit"
    season = one("Services were rated inadequate in the summer of 2017.")
    assert (season.value, season.month_lo, season.month_hi, season.grain) == ("summer 2017", 6, 8, "season")
    days = one("The monitoring visit took place on 3 and 4 May 2022.")
    assert (days.value, days.day_lo, days.day_hi, days.about) == ("3-4 May 2022", 3, 4, "monitoring visit")
    year = one("Since the last inspection in 2015, little has changed.")
    assert (year.value, year.grain, year.month_lo) == ("2015", "year", None)


def test_relative_dates_resolve_against_the_document_date():
    assert one("We welcomed inspectors back on Monday November 8 for a re-inspection.").value == "8 November 2021"
    # a month after the document's own month is last year's
    assert one("The audit in December found gaps.").value == "December 2020"
    assert one("The director left last November.").value == "November 2020"
    assert one("Ofsted rated the service inadequate three years ago.").year == 2018


def test_undated_documents_take_the_latest_month_they_state_and_mark_the_year_inferred():
    text = "The post had been vacant since April 2017. During the latest visit, in February, inspectors met leaders."
    ref = reference_month(text, None)
    assert ref == (2017, 4, "inferred")
    claims = document_claims("d", text, None, [(0, 0, 42), (1, 43, len(text))])
    february = [c for c in claims if c.month_lo == 2][0]
    assert (february.year, february.resolved, february.value, february.about) == (2018, "inferred", "February (2018)", "visit")
    # with no month-and-year anywhere, a bare month stays unresolved and takes no part in conflicts
    lone = document_claims("d", "During the latest visit, in February, inspectors met leaders.", None, [(0, 0, 61)])
    assert lone[0].resolved == "unresolved" and lone[0].year is None


def test_figures_counts_percentages_and_money_not_phone_numbers_or_years():
    figures = [c for c in claims_of("Around 12 per cent of referrals were closed; 48 cases were open; the budget was £2.5m. Call 01234 567 890.") if c.kind == "figure"]
    by_grain = {c.grain: c for c in figures}
    assert by_grain["percent"].number == 12 and by_grain["percent"].about == "referrals closed" and by_grain["percent"].approximate
    assert by_grain["count"].number == 48 and by_grain["count"].about == "cases open"
    assert by_grain["money"].number == 2_500_000
    assert len(figures) == 3
    duration = [c for c in claims_of("Inspectors completed a two-week visit.") if c.kind == "figure"][0]
    assert (duration.number, duration.unit, duration.about) == (2, "week", "visit")


def test_month_words_that_are_ordinary_words_are_months_only_when_capitalised():
    assert [c for c in claims_of("Leaders may improve the service; staff march on.") if c.kind == "date"] == []
    assert one("The focused visit in May found weaknesses.").month_lo == 5


def test_event_keys_of_a_question_keep_the_most_specific():
    assert event_keys("When did the inspection that judged the council inadequate take place?") == {"judged inadequate"}
    assert event_keys("what month was the focused visit?") == {"focused visit"}


def _date(about, year, month=None, sid=0, doc="d", day=None, months=None, resolved="stated"):
    lo, hi = months or (month, month)
    return Claim(sid, doc, 0, 10, "date", about, f"{about} {year} {month}", 0, 4, year, lo, hi, day, day, "month", resolved)


def test_conflict_rules():
    july, june = _date("inspection", 2018, 7, sid=1), _date("judged inadequate", 2018, 6, sid=2)
    assert clash(july, june)  # a judgement is given at an inspection
    assert not clash(july, _date("inspection", 2016, 9, sid=3))  # a different year: another inspection
    assert not clash(july, _date("inspection", 2018, None, sid=4))  # coarser: "2018" holds July
    assert not clash(july, _date("inspection", 2018, months=(6, 8), sid=5))  # "summer 2018" holds July
    assert not clash(july, _date("letter", 2018, 9, sid=6))  # the letter about a visit is another event
    assert not clash(_date("focused visit", 2018, 3, sid=7), _date("monitoring visit", 2018, 5, sid=8))
    assert clash(_date("visit", 2018, 2, sid=9), _date("focused visit", 2018, 3, sid=10))
    assert not clash(july, _date("inspection", 2018, 6, sid=1))  # one sentence never disagrees with itself
    assert not clash(_date("visit", None, 2, sid=11, resolved="unresolved"), _date("visit", 2018, 3, sid=12))
    assert clash(_date("inspection", 2019, 10, sid=13, day=9), _date("inspection", 2019, 10, sid=14, day=12))
    assert same_event("visit", "focused visit") and not same_event("", "")


def test_hedged_figures_agree_with_nearby_values():
    def fig(n, approx=False, sid=0):
        return Claim(sid, "d", 0, 1, "figure", "referrals", str(n), 0, 1, grain="percent", number=n, unit="%", approximate=approx)

    assert clash(fig(10, sid=1), fig(14, sid=2))
    assert not clash(fig(10, approx=True, sid=1), fig(11, sid=2))
    assert clash(fig(10, approx=True, sid=1), fig(20, sid=2))


def test_find_conflicts_groups_sides_primary_first_and_the_fixed_sentence_names_them():
    july = _date("inspection", 2018, 7, sid=1, doc="letter")
    june = _date("judged inadequate", 2018, 6, sid=2, doc="blog")
    june_again = _date("judged inadequate", 2018, 6, sid=3, doc="news")
    coarse = _date("judged inadequate", 2018, None, sid=4, doc="news")
    found = find_conflicts([june], [june, coarse, july, june_again], is_primary=lambda c: c.doc_id == "letter")
    assert len(found) == 1
    sides = found[0].sides
    assert [c.doc_id for c in sides[0]] == ["letter"] and [c.doc_id for c in sides[1]] == ["blog", "news"]
    assert all(c is not coarse for side in sides for c in side)
    markers = {1: 1, 2: 3, 3: 4}
    assert disagreement_sentence(found, lambda c: markers[c.sentence_id]) == f"Sources disagree on the date: {july.value} [1], {june.value} [3]."
    # nothing anchored on the event asked about: nothing flagged
    assert find_conflicts([], [june, july]) == []
    assert anchors_for({"focused visit"}, {2018}, [july, _date("focused visit", 2018, 3, sid=9)])[0].sentence_id == 9


def test_numbers_in_names_impossible_days_and_counts_after_a_year_are_handled():
    figures = [c for c in claims_of("Section 47 enquiries rose to 1,234 referrals in 2019/20.") if c.kind == "figure"]
    assert [(c.number, c.about) for c in figures] == [(1234, "section enquiries rose referrals")]
    assert [c.value for c in claims_of("Rated Good in March 2022 after 31 February checks.") if c.kind == "date"] == ["March 2022"]
    counted = [c for c in claims_of("In early 2019 two social workers left.") if c.kind == "figure"]
    assert [(c.number, c.about, c.value) for c in counted] == [(2, "social workers left", "two social workers")]


def test_a_figure_is_keyed_by_the_measure_its_clause_names_and_dated_by_its_period():
    # two sources giving one measure in other words get one key; two measures of the same noun get two
    letter = [c for c in claims_of("The average caseload of personal advisers is 21.") if c.kind == "figure"]
    news = [c for c in claims_of("The letter, published this week, says the average caseload of personal advisers was 27, which inspectors described as too high.") if c.kind == "figure"]
    assert [(c.number, c.about) for c in letter] == [(21, "average caseload personal advisers")]
    assert [(c.number, c.about) for c in news] == [(27, "average caseload personal advisers")]
    both = [c.about for c in claims_of("There are 640 children in care and 298 children subject to a child protection plan.") if c.kind == "figure"]
    assert both == ["children care", "children subject child protection plan"]
    # a sum by what it is for: "extra" and "additional" money "into children's services" is one measure
    sums = [c.about for s in ("The council has invested an additional £4.2 million in children's services this year.",
                              "Councillor Joan Pryce said the council had put an extra £3.8 million into children's services this year.")
            for c in claims_of(s) if c.kind == "figure"]
    assert sums == ["children's services", "children's services"]
    # the period: the year the sentence states, else the document's own year
    assert [c.year for c in claims_of("In 2017 there were 410 children in care.") if c.kind == "figure"] == [2017]


def _figure(about, number, sid, doc, year=2019):
    return Claim(sid, doc, 0, 10, "figure", about, str(number), 0, 2, year=year, grain="count", number=number, unit="")


def test_figure_conflicts_pair_one_measure_of_one_authority_and_period_only():
    letter, news = _figure("average caseload personal advisers", 21, 1, "b-letter"), _figure("average caseload personal advisers", 27, 2, "b-news")
    other_council = _figure("average caseload personal advisers", 17, 3, "n-letter")
    last_year = _figure("average caseload personal advisers", 30, 4, "b-old", year=2018)
    authority = {"b-letter": "Brackenridge", "b-news": "Brackenridge", "b-old": "Brackenridge", "n-letter": "Northmoor"}.get
    found = find_conflicts([letter], [letter, news, other_council, last_year], lambda c: c.doc_id == "b-letter", lambda c: authority(c.doc_id))
    # 21 against 27, the letter first; Northmoor's 17 and last year's 30 are other figures, not another side
    assert [[c.value for c in side] for conflict in found for side in conflict.sides] == [["21"], ["27"]]
    # a document whose authority is not known is never paired with one whose authority is
    assert find_conflicts([letter], [letter, news], authority_of=lambda c: None if c.doc_id == "b-news" else "Brackenridge") == []
    assert len(find_conflicts([letter], [letter, news], authority_of=lambda c: None)) == 1  # nothing known: compared as before
    # a measure said in most of the same words is the same measure; another measure of the same noun is not
    assert same_event("average caseload personal advisers", "average caseload of personal advisers".replace(" of", ""))
    assert not same_event("children care", "children subject child protection plan")
    assert not same_event("focused visit", "monitoring visit")
