"""API keys, the trusted SSO header, CORS, and the refusal to serve an open API beyond loopback."""

import json
import logging
import os
import subprocess
import sys

import pytest
from ops_helpers import QUESTION, app_client

from index.settings import PROJECT_ROOT
from service.keys import add_key, revoke_key

PROTECTED = [("post", "/ask"), ("post", "/search"), ("get", "/documents"), ("get", "/documents/x"), ("get", "/metrics"), ("post", "/admin/reload"), ("get", "/nowhere")]


@pytest.fixture
def keys_file(tmp_path):
    return tmp_path / "keys.json"


@pytest.fixture
def keyed(settings, encoder, built_index, keys_file):
    user = add_key(keys_file, "case-system")
    admin = add_key(keys_file, "ops", admin=True)
    with app_client(settings, encoder, auth="keys", keys_file=keys_file) as http:
        yield http, user, admin


@pytest.mark.parametrize("method, path", PROTECTED)
def test_every_api_route_needs_a_key(keyed, method, path):
    http, _, _ = keyed
    response = getattr(http, method)(path, **({"json": {"question": QUESTION}} if method == "post" else {}))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    assert "Authorization: Bearer" in response.json()["error"]["message"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_health_readiness_and_docs_stay_open(keyed):
    http, _, _ = keyed
    assert http.get("/healthz").status_code == 200
    assert http.get("/readyz").status_code == 200
    assert http.get("/openapi.json").status_code == 200


def test_a_valid_key_answers_and_a_wrong_or_malformed_one_does_not(keyed):
    http, user, _ = keyed
    ok = http.post("/ask", json={"question": QUESTION}, headers={"Authorization": f"Bearer {user}"})
    assert ok.status_code == 200 and ok.json()["answerable"] is True
    wrong = http.post("/ask", json={"question": QUESTION}, headers={"Authorization": f"Bearer {user[:-1]}x"})
    assert wrong.status_code == 401 and "invalid_token" in wrong.headers["WWW-Authenticate"]
    basic = http.get("/documents", headers={"Authorization": f"Basic {user}"})
    assert basic.status_code == 401 and "Bearer" in basic.json()["error"]["message"]


def test_a_revoked_key_is_refused_from_the_next_request(keyed, keys_file):
    http, user, _ = keyed
    headers = {"Authorization": f"Bearer {user}"}
    assert http.get("/documents", headers=headers).status_code == 200
    revoke_key(keys_file, "case-system")
    assert http.get("/documents", headers=headers).status_code == 401
    fresh = add_key(keys_file, "case-system")  # rotation: a new key under the same name works at once
    assert http.get("/documents", headers={"Authorization": f"Bearer {fresh}"}).status_code == 200


def test_the_key_file_holds_no_plain_key(keyed, keys_file):
    _, user, admin = keyed
    text = keys_file.read_text()
    assert user not in text and admin not in text
    assert {k["name"] for k in json.loads(text)["keys"]} == {"case-system", "ops"}
    assert oct(keys_file.stat().st_mode & 0o777) == "0o600"


def test_reload_needs_an_admin_key(keyed):
    http, user, admin = keyed
    denied = http.post("/admin/reload", headers={"Authorization": f"Bearer {user}"})
    assert denied.status_code == 403 and denied.json()["error"]["code"] == "forbidden"
    assert http.post("/admin/reload", headers={"Authorization": f"Bearer {admin}"}).status_code == 200


def test_sso_header_is_believed_only_from_a_trusted_proxy(settings, encoder, built_index, keys_file):
    common = dict(auth="keys", keys_file=keys_file, trusted_proxies=["10.1.2.0/24"])
    with app_client(settings, encoder, client=("10.1.2.3", 4000), **common) as proxied:
        assert proxied.post("/ask", json={"question": QUESTION}, headers={"X-Forwarded-User": "jsmith"}).status_code == 200
        assert proxied.post("/ask", json={"question": QUESTION}).status_code == 401  # the proxy, but no user
    with app_client(settings, encoder, client=("192.168.7.7", 4000), **common) as direct:
        assert direct.post("/ask", json={"question": QUESTION}, headers={"X-Forwarded-User": "jsmith"}).status_code == 401
    with app_client(settings, encoder, client=("10.1.2.3", 4000), identity_header="X-Remote-User", **common) as custom:
        assert custom.get("/documents", headers={"X-Remote-User": "jsmith"}).status_code == 200
        assert custom.get("/documents", headers={"X-Forwarded-User": "jsmith"}).status_code == 401


def test_the_chat_page_paths_are_left_to_the_sso_proxy(keyed):
    http, _, _ = keyed
    # the page and its script are reached without a key, never refused with 401
    for path in ("/", "/static/app.js"):
        assert http.get(path).status_code == 200, path


def test_cors_is_off_by_default_and_allows_only_configured_origins(settings, encoder, built_index):
    origin = {"Origin": "https://intranet.example"}
    with app_client(settings, encoder) as http:
        assert "access-control-allow-origin" not in http.get("/healthz", headers=origin).headers
    with app_client(settings, encoder, cors_origins=["https://intranet.example"]) as http:
        preflight = http.options("/ask", headers={**origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization,content-type"})
        assert preflight.status_code == 200 and preflight.headers["access-control-allow-origin"] == "https://intranet.example"
        other = http.get("/healthz", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers


def test_auth_off_logs_a_warning_at_start(settings, encoder, built_index, caplog):
    with caplog.at_level(logging.WARNING, logger="inspectqa"):
        with app_client(settings, encoder, auth="off") as http:
            assert http.get("/documents").status_code == 200
    assert any("authentication is OFF" in r.getMessage() for r in caplog.records)


def _cli(*args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "cli", *args], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120, env={**os.environ, **(env or {})}
    )


def test_serve_refuses_a_non_loopback_address_with_auth_off():
    result = _cli("serve", "--host", "0.0.0.0", "--port", "1", env={"INSPECTQA_AUTH": "off"})
    assert result.returncode == 2
    assert "INSPECTQA_AUTH=keys" in result.stderr and "0.0.0.0" in result.stderr


def test_keys_cli_adds_lists_and_revokes(tmp_path, settings, encoder, built_index):
    keys_file = str(tmp_path / "k.json")
    added = _cli("keys", "add", "reporting", "--keys-file", keys_file)
    assert added.returncode == 0, added.stderr
    plain = added.stdout.strip()
    assert len(plain) >= 40 and "shown once" in added.stderr
    listed = _cli("keys", "list", "--keys-file", keys_file)
    assert "reporting\tuser" in listed.stdout and "active" in listed.stdout and plain not in listed.stdout
    with app_client(settings, encoder, auth="keys", keys_file=tmp_path / "k.json") as http:
        assert http.get("/documents", headers={"Authorization": f"Bearer {plain}"}).status_code == 200
        assert _cli("keys", "revoke", "reporting", "--keys-file", keys_file).returncode == 0
        assert http.get("/documents", headers={"Authorization": f"Bearer {plain}"}).status_code == 401
    assert "revoked" in _cli("keys", "list", "--keys-file", keys_file).stdout
    again = _cli("keys", "revoke", "reporting", "--keys-file", keys_file)
    assert again.returncode == 2 and "no active key" in again.stderr


def test_a_route_added_later_is_protected_without_being_listed(settings, encoder, built_index, keys_file):
    from fastapi.testclient import TestClient

    from service.main import create_app

    key = add_key(keys_file, "later")
    app = create_app(settings.model_copy(update={"auth": "keys", "keys_file": keys_file}), encoder)

    @app.post("/added-later")
    def added_later() -> dict:
        return {"stored": True}

    with TestClient(app) as http:
        assert http.post("/added-later").status_code == 401
        assert http.post("/added-later", headers={"Authorization": f"Bearer {key}"}).json() == {"stored": True}


def test_feedback_export_is_for_admin_keys_only_and_paged(settings, encoder, built_index, keys_file, tmp_path):
    """Review finding: any key or SSO user could export every colleague's questions and comments."""
    from fastapi.testclient import TestClient

    from service.main import create_app

    key = add_key(keys_file, "reviewer")
    admin = add_key(keys_file, "ops", admin=True)
    locked = settings.model_copy(
        update={"auth": "keys", "keys_file": keys_file, "feedback_db": tmp_path / "fb.sqlite3", "trusted_proxies": ["testclient"]}
    )
    with TestClient(create_app(locked, encoder)) as http:
        doc_id = next(iter(built_index.documents))
        for n in range(3):
            body = {"question": f"q{n}", "answer": "a", "answerable": True, "rating": "up", "citations": [doc_id]}
            assert http.post("/feedback", json=body, headers={"Authorization": f"Bearer {key}"}).status_code == 201
        assert http.get("/admin/feedback/export").status_code == 401
        assert http.get("/").status_code == 200  # the page itself is guarded by the SSO proxy, not by keys
        assert http.get("/feedback/export", headers={"Authorization": f"Bearer {admin}"}).status_code == 405  # moved: only PATCH /feedback/{id} is left under /feedback/
        assert http.get("/admin/feedback/export", headers={"Authorization": f"Bearer {key}"}).status_code == 403
        assert http.get("/admin/feedback/export", headers={"X-Forwarded-User": "someone"}).status_code == 403
        page = http.get("/admin/feedback/export?limit=2", headers={"Authorization": f"Bearer {admin}"}).json()
        assert [f["question"] for f in page] == ["q0", "q1"]
        rest = http.get(f"/admin/feedback/export?limit=2&after_id={page[-1]['id']}", headers={"Authorization": f"Bearer {admin}"}).json()
        assert [f["question"] for f in rest] == ["q2"]


def test_document_admin_routes_need_an_admin_key(settings, encoder, built_index, keys_file):
    from fastapi.testclient import TestClient

    from service.main import create_app

    user = add_key(keys_file, "clerk")
    locked = settings.model_copy(update={"auth": "keys", "keys_file": keys_file})
    with TestClient(create_app(locked, encoder)) as http:
        upload = {"file": ("note.txt", b"A short note.", "text/plain")}
        assert http.post("/admin/documents", files=upload).status_code == 401
        assert http.post("/admin/documents", files=upload, headers={"Authorization": f"Bearer {user}"}).status_code == 403
        assert http.delete("/admin/documents/anything", headers={"Authorization": f"Bearer {user}"}).status_code == 403


def test_uploads_have_their_own_size_cap(settings, encoder, built_index):
    from fastapi.testclient import TestClient

    from service.main import create_app

    capped = settings.model_copy(update={"max_body_bytes": 4096, "max_upload_bytes": 200_000})
    big_but_allowed = b"\x00" * 100_000  # over the JSON body cap, under the upload cap
    with TestClient(create_app(capped, encoder)) as http:
        too_big_json = http.post("/ask", content=b'{"question": "' + b"x" * 5000 + b'"}', headers={"content-type": "application/json"})
        assert too_big_json.status_code == 413
        upload = http.post("/admin/documents", files={"file": ("blob.exe", big_but_allowed, "application/octet-stream")})
        assert upload.status_code == 415  # refused for its type by the route, not for its size by the body cap
