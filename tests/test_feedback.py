"""Feedback on answers: the SQLite store, POST /feedback, GET /feedback/export, bad input."""

from __future__ import annotations

import csv
import io
import sqlite3

import pytest
from fastapi.testclient import TestClient

from service.feedback import FeedbackStore, FeedbackStoreError, NewFeedback, to_csv

GOOD = {
    "question": "which government department gets copied into the ofsted monitoring letter?",
    "answer": "I am copying this letter to the Department for Education. [1]",
    "answerable": True,
    "rating": "up",
    "comment": "Exactly the sentence I needed.",
    "citations": ["ofsted-monitoring-letter-2019-11", "wakefield-express-council-failings-risk"],
}


@pytest.fixture
def feedback_client(tmp_path, settings, encoder, built_index):
    """An app of its own whose feedback file is private to the test."""
    from service.main import create_app

    app = create_app(settings.model_copy(update={"feedback_db": tmp_path / "fb" / "feedback.sqlite3"}), encoder)
    with TestClient(app) as client:
        yield client


def test_store_keeps_items_across_instances_in_wal_mode(tmp_path):
    path = tmp_path / "feedback.sqlite3"
    FeedbackStore(path).add(NewFeedback("q1", "a1", True, "up", None, ("doc-a",)))
    FeedbackStore(path).add(NewFeedback("q2", "a2", False, "down", "wrong letter"))
    items = FeedbackStore(path).all()
    assert [(f.id, f.question, f.rating, f.answerable, f.comment, f.citations) for f in items] == [
        (1, "q1", "up", True, None, ("doc-a",)),
        (2, "q2", "down", False, "wrong letter", ()),
    ]
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_concurrent_writers_lose_nothing(tmp_path):
    """Several workers (separate stores on one file) rating at once: every rating is kept."""
    from concurrent.futures import ThreadPoolExecutor

    path = tmp_path / "feedback.sqlite3"
    stores = [FeedbackStore(path) for _ in range(4)]

    def rate(i: int) -> None:
        stores[i % 4].add(NewFeedback(f"question {i}", "answer", True, "up" if i % 2 else "down", None))

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(rate, range(200)))
    items = FeedbackStore(path).all()
    assert sorted(f.question for f in items) == sorted(f"question {i}" for i in range(200))
    assert len({f.id for f in items}) == 200


def test_store_names_the_file_it_cannot_open(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where a folder should be")
    with pytest.raises(FeedbackStoreError, match="not-a-folder"):
        FeedbackStore(blocker / "feedback.sqlite3").add(NewFeedback("q", "a", True, "up"))


def test_csv_cells_cannot_start_a_spreadsheet_formula():
    from service.feedback import StoredFeedback

    rows = list(csv.reader(io.StringIO(to_csv([StoredFeedback(1, "t", "=HYPERLINK(\"x\")", "a", True, "down", "+1", ("d",))]))))
    assert rows[0][:3] == ["id", "created_at", "question"]
    assert rows[1][2] == "'=HYPERLINK(\"x\")" and rows[1][6] == "'+1"


def test_every_csv_cell_is_neutralised_including_citations():
    """Review finding: the citations column was written as sent, so a doc_id '=cmd|...' ran in a spreadsheet."""
    from service.feedback import StoredFeedback

    rows = list(csv.reader(io.StringIO(to_csv([StoredFeedback(1, "t", "q", " -2+3", True, "up", None, ("=cmd|' /c calc'!A1",))]))))
    assert rows[1][7].startswith("'=") and rows[1][3].startswith("'")


def test_feedback_citations_must_be_known_doc_ids(feedback_client):
    """Review finding: any string was stored as a citation (and came back in exports)."""
    response = feedback_client.post("/feedback", json={**GOOD, "citations": ["=HYPERLINK(\"http://x\")"]})
    assert response.status_code == 422 and "citations" in response.json()["error"]["message"]
    assert feedback_client.get("/admin/feedback/export").json() == []


def test_the_feedback_database_is_created_readable_by_its_owner_only(feedback_client, tmp_path):
    """Review finding: the feedback database was created 0644 (world-readable comments about children)."""
    import os
    import stat

    assert feedback_client.post("/feedback", json=GOOD).status_code == 201
    db = feedback_client.app.state.service.settings.feedback_db
    assert stat.S_IMODE(os.stat(db).st_mode) == 0o600


def test_posted_feedback_is_exported_as_json_and_csv(feedback_client):
    saved = feedback_client.post("/feedback", json=GOOD)
    assert saved.status_code == 201 and saved.json()["id"] == 1
    feedback_client.post("/feedback", json={**GOOD, "rating": "down", "comment": "   ", "answerable": False, "citations": []})

    exported = feedback_client.get("/admin/feedback/export").json()
    assert [(e["rating"], e["comment"], e["answerable"]) for e in exported] == [("up", GOOD["comment"], True), ("down", None, False)]
    assert exported[0]["citations"] == GOOD["citations"] and exported[0]["question"] == GOOD["question"]

    response = feedback_client.get("/admin/feedback/export", params={"format": "csv"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["rating"] for r in rows] == ["up", "down"]
    assert rows[0]["citations"] == " ".join(GOOD["citations"]) and rows[0]["comment"] == GOOD["comment"]


@pytest.mark.parametrize(
    "change, field",
    [
        ({"rating": "meh"}, "rating"),
        ({"comment": "x" * 2001}, "comment"),
        ({"question": "   "}, "question"),
        ({"answerable": "perhaps"}, "answerable"),
        ({"extra": 1}, "extra"),
        ({"citations": "not-a-list"}, "citations"),
    ],
)
def test_bad_feedback_is_a_422_naming_the_field_and_stores_nothing(feedback_client, change, field):
    response = feedback_client.post("/feedback", json={**GOOD, **change})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_request" and field in error["message"]
    assert feedback_client.get("/admin/feedback/export").json() == []


def test_feedback_without_fields_or_json_is_a_422(feedback_client):
    assert feedback_client.post("/feedback", json={"rating": "up"}).status_code == 422
    response = feedback_client.post("/feedback", content=b"not json", headers={"content-type": "application/json"})
    assert response.status_code == 422 and "error" in response.json()


def test_export_format_must_be_csv_or_json(feedback_client):
    response = feedback_client.get("/admin/feedback/export", params={"format": "xlsx"})
    assert response.status_code == 422 and "format" in response.json()["error"]["message"]


def test_unwritable_feedback_store_is_a_503_that_shows_no_server_path(tmp_path, settings, encoder, built_index, caplog):
    from service.main import create_app

    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the feedback folder should be")
    app = create_app(settings.model_copy(update={"feedback_db": blocker / "feedback.sqlite3"}), encoder)
    with TestClient(app) as client, caplog.at_level("WARNING", logger="inspectqa"):
        response = client.post("/feedback", json=GOOD)
    message = response.json()["error"]["message"]
    assert response.status_code == 503 and "feedback store" in message and "operator" in message
    assert str(tmp_path) not in message and "/" not in message  # a file keeps its own name, no folder
    assert "blocker" in caplog.text  # the operator still learns which file


def test_one_rating_then_its_comment_update_the_same_record(feedback_client):
    saved = feedback_client.post("/feedback", json={**GOOD, "comment": None}).json()
    assert saved["edit_token"]
    patched = feedback_client.patch(f"/feedback/{saved['id']}", json={"edit_token": saved["edit_token"], "comment": "Right letter."})
    assert patched.status_code == 200 and patched.json().get("edit_token") is None
    feedback_client.patch(f"/feedback/{saved['id']}", json={"edit_token": saved["edit_token"], "rating": "down"})
    rows = [r for r in feedback_client.get("/admin/feedback/export").json() if r["id"] == saved["id"]]
    assert len(rows) == 1 and (rows[0]["comment"], rows[0]["rating"]) == ("Right letter.", "down")
    assert "edit_token" not in rows[0]


def test_a_record_is_changed_only_with_its_own_edit_token(feedback_client):
    first = feedback_client.post("/feedback", json=GOOD).json()
    second = feedback_client.post("/feedback", json=GOOD).json()
    for token in (second["edit_token"], "guess", first["edit_token"] + "x"):
        response = feedback_client.patch(f"/feedback/{first['id']}", json={"edit_token": token, "comment": "overwritten"})
        assert response.status_code == 404
    assert feedback_client.patch("/feedback/999999", json={"edit_token": first["edit_token"], "comment": "x"}).status_code == 404
    assert feedback_client.patch(f"/feedback/{first['id']}", json={"comment": "no token"}).status_code == 422


def test_an_id_beyond_sqlite_integers_is_a_422_not_a_500(feedback_client):
    response = feedback_client.patch(f"/feedback/{2**64}", json={"edit_token": "x", "comment": "x"})
    assert response.status_code == 422
