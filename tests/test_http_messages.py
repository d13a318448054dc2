"""API errors show no server file paths and never tell an HTTP caller to run a command line."""

import pytest

from service.messages import for_http_caller


@pytest.mark.parametrize(
    "message, kept",
    [
        ("no index at /srv/qa/var/index; run 'inspectqa index build' to build it", "no index at 'index'"),
        ("/srv/corpus/documents.yaml, document 'x': source file /srv/corpus/a.txt does not exist", "source file 'a.txt' does not exist"),
        ("cannot open the feedback store /tmp/a/feedback.sqlite3: [Errno 20] Not a directory: '/tmp/a'", "cannot open the feedback store 'feedback.sqlite3'"),
        ("the index is not loaded: C:\\qa\\var\\index is missing", "'index' is missing"),
    ],
)
def test_paths_and_commands_are_taken_out(message, kept):
    shown = for_http_caller(message)
    assert kept in shown and "inspectqa" not in shown and "/srv" not in shown and "/tmp" not in shown and "C:\\" not in shown
    assert shown.endswith("the service's operator can fix this (details in the service log)")


@pytest.mark.parametrize("message", ["published_from is after published_to", "send 'Authorization: Bearer <key>'", "limit 20000 bytes (INSPECTQA_MAX_UPLOAD_BYTES)"])
def test_plain_messages_are_left_alone(message):
    assert for_http_caller(message) == message


def test_auth_errors_name_no_command(tmp_path, settings, encoder, built_index):
    from fastapi.testclient import TestClient

    from service.main import create_app

    keyed = settings.model_copy(update={"auth": "keys", "keys_file": tmp_path / "keys.json"})
    with TestClient(create_app(keyed, encoder)) as http:
        for path in ("/documents", "/admin/reload"):
            message = http.request("GET" if path == "/documents" else "POST", path).json()["error"]["message"]
            assert "inspectqa" not in message and str(tmp_path) not in message
            assert "operator" in message


def test_serve_logs_the_auth_mode_and_what_the_page_needs(tmp_path, settings, encoder, built_index, caplog):
    from fastapi.testclient import TestClient

    from service.main import create_app

    keyed = settings.model_copy(update={"auth": "keys", "keys_file": tmp_path / "keys.json", "support_contact": "the IT desk"})
    with caplog.at_level("INFO", logger="inspectqa"), TestClient(create_app(keyed, encoder)):
        pass
    line = next(r.getMessage() for r in caplog.records if r.getMessage().startswith("auth mode:"))
    assert "keys with no trusted proxy" in line and "single sign-on" in line and "the IT desk" in line and "INSPECTQA_TRUSTED_PROXIES" in line
    caplog.clear()
    proxied = keyed.model_copy(update={"trusted_proxies": ["10.0.0.5"]})
    with caplog.at_level("INFO", logger="inspectqa"), TestClient(create_app(proxied, encoder)):
        pass
    line = next(r.getMessage() for r in caplog.records if r.getMessage().startswith("auth mode:"))
    assert "10.0.0.5" in line and "x-forwarded-user" in line.lower()
