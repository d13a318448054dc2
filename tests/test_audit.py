"""The audit trail: what is recorded for /ask, /search, document views and admin actions; how it is read,
paged, filtered, exported and aged out; that question text stays out of it unless configured."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import sqlite3
import stat

import pytest
from ops_helpers import QUESTION, app_client

from service.audit import SECRET_FILE, AuditLog, AuditRecord
from service.keys import add_key


@pytest.fixture
def audited(settings, encoder, built_index, tmp_path):
    keys = tmp_path / "keys" / "api-keys.json"
    user = add_key(keys, "case-system", groups=("staff",))
    admin = add_key(keys, "ops", admin=True)
    with app_client(settings, encoder, auth="keys", keys_file=keys, audit_db=tmp_path / "audit.sqlite3", trusted_proxies=["testclient"]) as http:
        yield http, {"Authorization": f"Bearer {user}"}, {"Authorization": f"Bearer {admin}"}, tmp_path


def test_asks_searches_views_and_admin_actions_are_recorded(audited, built_index):
    http, user, admin, tmp_path = audited
    answer = http.post("/ask", json={"question": QUESTION}, headers=user).json()
    http.post("/ask", json={"question": "  when was the COUNCIL judged inadequate? "}, headers=user)
    http.post("/search", json={"question": QUESTION}, headers={"X-Forwarded-User": "alice", "X-Forwarded-Groups": "staff,leads"})
    doc_id = answer["citations"][0]["doc_id"]
    http.get(f"/documents/{doc_id}", headers=user)
    http.get("/admin/feedback/export", headers=user)  # refused, and recorded as refused

    page = http.get("/admin/audit", headers=admin).json()
    records = list(reversed(page["records"]))
    assert [(r["user"], r["method"], r["route"], r["status"]) for r in records] == [
        ("case-system", "POST", "/ask", 200),
        ("case-system", "POST", "/ask", 200),
        ("alice", "POST", "/search", 200),
        ("case-system", "GET", "/documents/{doc_id}", 200),  # the route template; the path as asked is beside it
        ("case-system", "GET", "/admin/feedback/export", 403),
    ]
    assert records[3]["path"] == f"/documents/{doc_id}"
    ask = records[0]
    assert ask["groups"] == ["staff"] and records[2]["groups"] == ["staff", "leads"] and records[2]["via"] == "sso"
    assert ask["citations"] == [{"doc_id": c["doc_id"], "start": c["start"], "end": c["end"]} for c in answer["citations"]]
    assert ask["abstention"] == answer["abstention"]
    assert ask["build_id"] == built_index.path.name and ask["latency_ms"] > 0
    # a keyed hash, the same for the same question however it is spaced or cased, never the text
    assert ask["question_kind"] == "hmac" and ask["question"].startswith("hmac-sha256:")
    assert records[1]["question"] == ask["question"]
    assert "inadequate" not in (tmp_path / "audit.sqlite3").read_bytes().decode("latin-1")
    assert records[3]["detail"] == f"doc_id={doc_id}"


def test_the_audit_route_is_admin_only_paged_and_filtered(audited):
    http, user, admin, _ = audited
    for _ in range(3):
        http.post("/search", json={"question": QUESTION}, headers=user)
    http.get("/documents", headers=admin)
    assert http.get("/admin/audit", headers=user).status_code == 403
    assert http.get("/admin/audit", headers={"X-Forwarded-User": "alice"}).status_code == 403
    # three searches and the refused read of the trail itself
    first = http.get("/admin/audit?limit=3&user=case-system", headers=admin).json()
    assert len(first["records"]) == 3 and first["next_before_id"] == first["records"][-1]["id"]
    assert (first["records"][0]["route"], first["records"][0]["status"]) == ("/admin/audit", 403)
    second = http.get(f"/admin/audit?limit=3&user=case-system&before_id={first['next_before_id']}", headers=admin).json()
    assert len(second["records"]) == 1 and second["next_before_id"] is None
    assert all(r["user"] == "case-system" for r in first["records"] + second["records"])
    future = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1)).isoformat()
    assert http.get("/admin/audit", params={"since": future}, headers=admin).json()["records"] == []
    assert len(http.get("/admin/audit", params={"until": future, "user": "ops"}, headers=admin).json()["records"]) >= 1
    assert http.get("/admin/audit?limit=0", headers=admin).status_code == 422


def test_audit_files_are_private_and_the_trail_is_append_only(audited):
    http, user, admin, tmp_path = audited
    http.post("/ask", json={"question": QUESTION}, headers=user)
    db = tmp_path / "audit.sqlite3"
    assert stat.S_IMODE(os.stat(db).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(tmp_path / "keys" / SECRET_FILE).st_mode) == 0o600
    with sqlite3.connect(db) as conn, pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("UPDATE audit SET user = 'someone else'")


def test_question_text_is_kept_only_when_configured(settings, encoder, built_index, tmp_path):
    with app_client(settings, encoder, audit_db=tmp_path / "a.sqlite3", keys_file=tmp_path / "k.json", audit_questions=True) as http:
        http.post("/ask", json={"question": QUESTION})
        record = http.get("/admin/audit").json()["records"][0]
    assert record["question"] == QUESTION and record["question_kind"] == "text" and record["user"] == "anonymous"


def test_records_older_than_the_retention_period_are_deleted(tmp_path):
    log = AuditLog(tmp_path / "a.sqlite3", tmp_path / SECRET_FILE, retention_days=30)
    now = dt.datetime.now(dt.timezone.utc)
    for days in (40, 10):
        at = (now - dt.timedelta(days=days)).isoformat(timespec="milliseconds")
        log._connect().execute("INSERT INTO audit (at, user, via, groups, method, route, status, citations, latency_ms) VALUES (?, 'u', 'key', '', 'GET', '/documents', 200, '[]', 1)", (at,))
    assert log.purge(now) == 1
    assert len(log.page()) == 1


def test_audit_export_cli_writes_spreadsheet_safe_csv(tmp_path, monkeypatch):
    from cli.main import main

    log = AuditLog(tmp_path / "a.sqlite3", tmp_path / SECRET_FILE)
    at = dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")
    log.write(AuditRecord(at, "=cmd|' /c calc'!A1", "sso", ("staff",), "POST", "/ask", 200, 12.5, citations=({"doc_id": "d", "start": 0, "end": 5},)))
    out = tmp_path / "audit.csv"
    assert main(["audit", "export", "--csv", "--audit-db", str(tmp_path / "a.sqlite3"), "--out", str(out)]) == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert rows[0]["user"].startswith("'=") and rows[0]["citations"] == "d:0-5" and rows[0]["route"] == "/ask"
