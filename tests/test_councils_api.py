"""Several councils in one corpus (issue 27): the seed corpus (Wakefield) beside synthetic documents about three
fictional councils (eval/fixtures/councils), served by a real app over a real index."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from eval.councils import assemble
from index.build.builder import build_index
from service.config import ServiceSettings


@pytest.fixture(scope="module")
def councils_app(tmp_path_factory, encoder):
    from service.main import create_app

    work = tmp_path_factory.mktemp("councils")
    settings = ServiceSettings(
        corpus_dir=assemble(work / "corpus"), index_dir=work / "index", feedback_db=work / "feedback.sqlite3",
        audit_db=work / "audit.sqlite3", keys_file=work / "api-keys.json", auth="off", rate_limit_per_minute=0,
    )
    build_index(settings, encoder)
    return create_app(settings, encoder)


@pytest.fixture(scope="module")
def councils(councils_app):
    with TestClient(councils_app) as client:
        yield client


def _sides(body) -> list[list[tuple[str, str]]]:
    return [[(c["value"], c["doc_id"]) for c in conflict["claims"]] for conflict in body["conflicts"]]


def test_documents_carry_their_authority_and_the_facet_counts_them(councils):
    docs = {d["doc_id"]: d for d in councils.get("/documents").json()}
    assert docs["brackenridge-ofsted-monitoring-2019-12"]["authority"] == "Brackenridge"
    assert docs["brackenridge-ofsted-monitoring-2019-12"]["authority_source"] == "addressee"
    assert docs["ofsted-monitoring-letter-2019-11"]["authority"] == "Wakefield"
    facets = councils.get("/documents/facets").json()
    assert facets["authority"] == [{"value": "Wakefield", "count": 5}, {"value": "Brackenridge", "count": 3}, {"value": "Eastfold", "count": 2}, {"value": "Northmoor", "count": 2}]


def test_a_question_naming_one_council_is_not_told_another_councils_date_disagrees(councils):
    body = councils.post("/ask", json={"question": "When was Brackenridge judged inadequate?"}).json()
    # Brackenridge's own letter (June) against its local paper (May), the letter first; Wakefield's July 2018 is not a side
    assert _sides(body)[0][0] == ("June 2018", "brackenridge-ofsted-monitoring-2019-12")
    assert ("May 2018", "brackenridge-gazette-2019-12") in _sides(body)[0]
    assert all(not doc.startswith(("ofsted-monitoring-letter", "recruiter-")) for side in _sides(body) for _, doc in side)
    cited = {c["n"]: c["authority"] for c in body["citations"]}
    assert all(cited[claim["n"]] == "Brackenridge" for conflict in body["conflicts"] for claim in conflict["claims"])


def test_a_figure_two_sources_give_differently_is_flagged_primary_first(councils):
    body = councils.post("/ask", json={"question": "What is the average caseload of personal advisers in Brackenridge?"}).json()
    assert _sides(body) == [[("21", "brackenridge-ofsted-monitoring-2019-12"), ("27", "brackenridge-gazette-2019-12")]]
    assert body["answer"].endswith("Sources disagree on the figure: 21 [1], 27 [2].")
    # the seeds' own disagreement is still found beside the new councils
    seeds = councils.post("/ask", json={"question": "When was Wakefield judged inadequate?"}).json()
    assert {v for side in _sides(seeds) for v, _ in side} >= {"July 2018", "June 2018"}


def test_the_authority_filter_narrows_ask_and_search_and_an_unknown_one_is_named(councils):
    body = councils.post("/ask", json={"question": "What is the average caseload of personal advisers?", "filters": {"authority": ["northmoor"]}}).json()
    assert body["citations"] and {c["authority"] for c in body["citations"]} == {"Northmoor"}
    assert body["conflicts"] == []  # Northmoor's letter and paper agree on 17; Brackenridge's 21 and 27 are filtered out
    found = councils.post("/search", json={"question": "children in care", "filters": {"authority": ["Brackenridge"]}}).json()
    assert {p["authority"] for p in found["passages"]} == {"Brackenridge"}
    bad = councils.post("/ask", json={"question": "children in care", "filters": {"authority": ["Leeds"]}})
    assert bad.status_code == 422 and "Leeds" in bad.json()["error"]["message"] and "Brackenridge" in bad.json()["error"]["message"]


def test_a_decline_whose_closest_passages_disagree_says_so(councils):
    body = councils.post("/ask", json={"question": "When was Brackenridge judged inadequate by the Leeds inspectors?"}).json()
    assert body["answerable"] is False and body["abstention"] == "not-mentioned"
    assert "Sources disagree on the date: June 2018" in body["answer"] and "May 2018" in body["answer"]
    assert {v for side in _sides(body) for v, _ in side} == {"June 2018", "May 2018"}


def test_the_timeline_per_authority(councils):
    events = councils.get("/timeline", params={"authority": "Northmoor"}).json()["events"]
    assert events and {e["authority"] for e in events} == {"Northmoor"}
    assert {e["citation"]["doc_id"] for e in events} <= {"northmoor-ofsted-focused-visit-2020-02", "northmoor-advertiser-2020-02"}
    everything = councils.get("/timeline").json()["events"]
    assert {e["authority"] for e in everything} == {"Wakefield", "Brackenridge", "Northmoor", "Eastfold"}
    # no event is disagreed with by another council's source
    for e in everything:
        assert all(s["authority"] == e["authority"] for s in e["agree"] + e["disagree"])
    assert councils.get("/timeline", params={"authority": "Leeds"}).status_code == 422


def test_the_chat_page_filters_by_authority_shows_it_on_cards_and_groups_the_timeline(councils_app):
    from browser_helpers import chromium
    from conftest import LiveServer

    with chromium() as browser, LiveServer(councils_app) as server:
        page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        page.set_default_timeout(60_000)
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(server.url + "/")
        page.wait_for_selector("html[data-ready=true]")
        # the filters list the councils with how many documents each has
        page.locator("#filters summary").click()
        page.locator("#filter-authorities label").first.wait_for()
        labels = page.locator("#filter-authorities label").all_inner_texts()
        assert labels == ["Wakefield (5)", "Brackenridge (3)", "Eastfold (2)", "Northmoor (2)"]
        # the whole timeline: one section per council, each under its name
        page.locator("#show-timeline").click()
        page.locator("#timeline .tl-authority").first.wait_for()
        assert sorted(page.locator("#timeline .tl-authority h3").all_inner_texts()) == ["Brackenridge", "Eastfold", "Northmoor", "Wakefield"]
        # asked with Northmoor ticked: every card names Northmoor
        page.locator("#filter-authorities label", has_text="Northmoor").click()
        page.locator("#question").fill("What is the average caseload of personal advisers?")
        page.locator("#question").press("Enter")
        page.locator(".turn .card").first.wait_for()
        facts = page.locator(".turn .card .authority").all_inner_texts()
        assert facts and set(facts) == {"Northmoor"}
        assert errors == []


def test_newer_material_is_of_the_same_council(councils):
    # Brackenridge's letter of December 2019 is newer than Wakefield's of November 2019 and speaks of a 2019 monitoring
    # visit too: it is not newer material on Wakefield's visit
    body = councils.post("/ask", json={"question": "What were the dates of the monitoring visit to Wakefield in October 2019?"}).json()
    assert body["citations"][0]["authority"] == "Wakefield"
    assert not [n["doc_id"] for n in body["newer"] if n["doc_id"].startswith("brackenridge-")]
