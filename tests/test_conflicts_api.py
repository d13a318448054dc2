"""Conflicts and newer material in /ask, GET /timeline, and the claims stored in the index: on the real corpus and index."""

from __future__ import annotations

import json
import re
import shutil

import numpy as np
import pytest

from index.build.builder import index_is_current
from index.build.claim_table import ClaimWriter
from index.build.store import load_index
from index.errors import IndexCorrupt, ManifestMismatch

QUESTION = "When was Wakefield judged inadequate?"


@pytest.fixture(scope="module")
def texts(client):
    return {d["doc_id"]: client.get(f"/documents/{d['doc_id']}").json()["text"] for d in client.get("/documents").json()}


def test_ask_flags_the_disputed_month_cites_every_side_primary_first(client, texts):
    reply = client.post("/ask", json={"question": QUESTION}).json()
    assert reply["answerable"]
    [conflict] = reply["conflicts"]
    claims = conflict["claims"]
    assert [c["value"] for c in claims][:2] == ["July 2018", "June 2018"]
    assert claims[0]["primary"] and claims[0]["doc_id"] == "ofsted-monitoring-letter-2019-11"
    assert not claims[1]["primary"]
    citations = {c["n"]: c for c in reply["citations"]}
    for claim in claims:
        cited = citations[claim["n"]]
        assert cited["doc_id"] == claim["doc_id"] and cited["start"] <= claim["start"] < claim["end"] <= cited["end"]
        assert claim["value"].split()[0] in texts[claim["doc_id"]][claim["start"] : claim["end"]]
    markers = {c["value"]: c["n"] for c in claims}
    assert reply["answer"].endswith(f"Sources disagree on the date: July 2018 [{markers['July 2018']}], June 2018 [{markers['June 2018']}].")
    # added citations come after the ones ranked, and every marker points at one
    assert [c["n"] for c in reply["citations"]] == list(range(1, len(reply["citations"]) + 1))
    assert {int(n) for n in re.findall(r"\[(\d+)\]", reply["answer"])} <= set(citations)


def test_a_decline_whose_closest_passages_disagree_names_both_sides(client, texts):
    # the answer stage declines this (no sentence both names the visit and settles its month), yet two sources give
    # two months for it: the reader is shown both, the reply stays a decline
    reply = client.post("/ask", json={"question": "When did Ofsted carry out its focused visit to Wakefield children's services in 2018?"}).json()
    assert not reply["answerable"] and reply["abstention"]
    [conflict] = reply["conflicts"]
    values = [c["value"] for c in conflict["claims"]]
    assert {v.split()[0] for v in values} == {"March", "February"}
    citations = {c["n"]: c for c in reply["citations"]}
    for claim in conflict["claims"]:
        assert claim["value"].split()[0] in texts[claim["doc_id"]][claim["start"] : claim["end"]]
        assert citations[claim["n"]]["doc_id"] == claim["doc_id"]
    assert "Sources disagree on the date: " in reply["answer"]


def test_questions_that_do_not_ask_a_date_or_ask_only_the_year_flag_nothing(client):
    for question in ("In what year were Wakefield's children's services rated inadequate?", "What did Ofsted say about caseloads?"):
        reply = client.post("/ask", json={"question": question}).json()
        assert reply["conflicts"] == [] and "Sources disagree" not in reply["answer"]


def test_filters_keep_the_other_side_out(client):
    reply = client.post("/ask", json={"question": QUESTION, "filters": {"kind": ["inspection-letter", "news"]}}).json()
    assert all(c["doc_id"] != "recruiter-blog-wakefield-new-lease-of-life" for c in reply["citations"])
    assert reply["conflicts"] == []


def test_newer_material_on_the_first_citations_event(client, texts):
    reply = client.post("/ask", json={"question": "Since when has the local authority been judged inadequate?"}).json()
    first = reply["citations"][0]
    assert (first["doc_id"], first["published"]) == ("ofsted-monitoring-letter-2019-11", "2019-11-01")
    [newer] = reply["newer"]
    assert newer["doc_id"] == "wakefield-express-ofsted-return-2021-11" and newer["published"] > first["published"]
    sentence = texts[newer["doc_id"]][newer["start"] : newer["end"]]
    assert "2018" in sentence and "inadequate" in sentence  # it speaks of the same judgement
    # filters apply: with the newer document filtered out, it is not mentioned
    only_letter = client.post("/ask", json={"question": "Since when has the local authority been judged inadequate?", "filters": {"kind": ["inspection-letter"]}}).json()
    assert only_letter["newer"] == []


def test_timeline_events_oldest_first_with_offsets_that_check_out(client, texts):
    events = client.get("/timeline").json()["events"]
    assert len(events) >= 10
    assert [e["sort_date"] for e in events] == sorted(e["sort_date"] for e in events)
    for e in events:
        for source in [e["citation"], *e["agree"], *e["disagree"]]:
            assert texts[source["doc_id"]][source["start"] : source["end"]] == source["text"]
    by_date = {e["date"]: e for e in events}
    assert [d["value"] for d in by_date["June 2018"]["disagree"]] == ["July 2018"]
    assert by_date["July 2018"]["citation"]["primary"]
    assert "September 2016" in [d["value"] for d in by_date["July 2016"]["disagree"]]
    assert not by_date["9-10 October 2019"]["disagree"]  # the visit and the letter about it are not a dispute


def test_timeline_takes_a_question_and_the_ask_filters(client):
    everything = client.get("/timeline").json()["events"]
    narrowed = client.get("/timeline", params={"q": "focused visit"}).json()["events"]
    assert 0 < len(narrowed) < len(everything)
    letters = client.get("/timeline", params={"kind": "inspection-letter"}).json()["events"]
    assert letters and {e["citation"]["doc_id"] for e in letters} == {"ofsted-monitoring-letter-2019-11"}
    assert all(d["doc_id"] == "ofsted-monitoring-letter-2019-11" for e in letters for d in e["disagree"] + e["agree"])
    for params, code in (({"kind": "gossip"}, 422), ({"doc_id": "nope"}, 422), ({"published_from": "2021-01-01", "published_to": "2020-01-01"}, 422)):
        reply = client.get("/timeline", params=params)
        assert reply.status_code == code and set(reply.json()["error"]) == {"code", "message"}


def test_claims_are_stored_counted_in_the_manifest_and_checked_on_load(built_index, settings, tmp_path):
    index_dir = built_index.path
    stored = np.load(index_dir / "claims.npy")
    manifest = json.loads((index_dir / "manifest.json").read_text())
    assert manifest["claim_count"] == len(stored) == len(built_index.claims) > 0
    assert not (index_dir / "claims.jsonl").exists()  # the columns are the one copy
    copy = tmp_path / "index"
    shutil.copytree(index_dir, copy)
    np.save(copy / "claims.npy", np.asfortranarray(stored[:-1]))
    np.save(copy / "claim_numbers.npy", np.load(index_dir / "claim_numbers.npy")[:-1])
    with pytest.raises(IndexCorrupt, match="claims.npy holds .* run 'inspectqa index build' to rebuild it"):
        load_index(copy, settings)
    np.save(copy / "claim_numbers.npy", np.zeros(3))
    with pytest.raises(IndexCorrupt, match="do not fit together.*rebuild it"):
        load_index(copy, settings)
    # an index written before claims existed still loads, with no claims
    for name in ("claims.npy", "claim_numbers.npy", "claim_strings.json"):
        (copy / name).unlink()
    del manifest["claim_count"]
    (copy / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert list(load_index(copy, settings).claims) == []
    # ... and counts as out of date, so the next 'inspectqa index build' adds them (re-using every vector)
    assert index_is_current(settings.model_copy(update={"index_dir": index_dir})) is True
    assert index_is_current(settings.model_copy(update={"index_dir": copy})) is False
    # claims extracted by other rules are out of date too
    manifest.update(claim_count=0, claim_rules=-1)
    ClaimWriter().save(copy)
    (copy / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert list(load_index(copy, settings).claims) == []
    assert index_is_current(settings.model_copy(update={"index_dir": copy})) is False
    # an index of the format before claims were columns is refused with the fix, not misread
    manifest.update(format_version=4)
    (copy / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(ManifestMismatch, match="format_version: index built with 4.*rebuild it"):
        load_index(copy, settings)


def test_a_timeline_question_stays_out_of_the_logs(client, caplog):
    caplog.set_level("DEBUG")
    assert client.get("/timeline", params={"q": "when did the zanzibar quokka audit happen"}).status_code == 200
    assert any(r.name == "inspectqa.access" for r in caplog.records)  # the request was logged ...
    # ... without its question (the test client's own httpx line, which is not the service's, aside)
    assert not [r for r in caplog.records if r.name.startswith(("inspectqa", "uvicorn", "fastapi")) and "quokka" in r.getMessage() + str(getattr(r, "fields", ""))]
