"""GET /metrics in Prometheus format, X-Request-ID, and JSON-lines request logs that leave questions out."""

import io
import json
import logging
import re

import pytest
from ops_helpers import QUESTION, app_client

from service.observe import JsonLogFormatter


def _value(text: str, name: str, labels: str = "") -> float:
    match = re.search(rf"^{re.escape(name + labels)} (\S+)$", text, re.M)
    assert match, f"{name}{labels} not in metrics"
    return float(match.group(1))


def test_metrics_count_requests_answers_abstentions_and_stages(settings, encoder, built_index):
    with app_client(settings, encoder) as http:
        http.post("/ask", json={"question": QUESTION})
        http.post("/ask", json={"question": QUESTION})  # same question: a cache hit
        http.post("/ask", json={"question": "What is the recipe for a Victoria sponge cake?"})
        http.post("/search", json={"question": QUESTION})
        http.post("/ask", json={"question": ""})
        text = http.get("/metrics").text
        passages = http.get("/readyz").json()["passages"]
    assert _value(text, "inspectqa_http_requests_total", '{method="POST",route="/ask",status="200"}') == 3
    assert _value(text, "inspectqa_http_requests_total", '{method="POST",route="/ask",status="422"}') == 1
    assert _value(text, "inspectqa_http_request_duration_seconds_count", '{method="POST",route="/ask",status="200"}') == 3
    assert _value(text, "inspectqa_answers_total") == 3
    assert _value(text, "inspectqa_abstentions_total") == 1
    assert _value(text, "inspectqa_encode_seconds_count") == 2  # two distinct questions were encoded
    assert _value(text, "inspectqa_retrieval_seconds_count", '{operation="answer"}') == 3
    assert _value(text, "inspectqa_retrieval_seconds_count", '{operation="search"}') == 1
    assert _value(text, "inspectqa_query_cache_hits_total") == 2  # the repeat and /search
    assert _value(text, "inspectqa_query_cache_misses_total") == 2
    assert _value(text, "inspectqa_index_passages") == passages
    assert _value(text, "inspectqa_index_ready") == 1
    assert _value(text, "inspectqa_index_build_seconds") > 0


def test_retrieval_time_leaves_the_encode_out(settings, encoder, built_index):
    # issue 25 item 6: the question is encoded on another thread, so the encode used to count as retrieval
    with app_client(settings, encoder) as http:
        reply = http.post("/ask", json={"question": "What did inspectors find about the front door in a question never asked?"})
        text = http.get("/metrics").text
    assert reply.status_code == 200
    encode = _value(text, "inspectqa_encode_seconds_sum")
    retrieval = _value(text, "inspectqa_retrieval_seconds_sum", '{operation="answer"}')
    request = _value(text, "inspectqa_http_request_duration_seconds_sum", '{method="POST",route="/ask",status="200"}')
    assert encode > 0 and retrieval > 0
    assert retrieval + encode <= request + 0.005


def test_unknown_paths_share_one_label(settings, encoder, built_index):
    with app_client(settings, encoder) as http:
        for i in range(3):
            http.get(f"/probe-{i}")
        text = http.get("/metrics").text
    assert _value(text, "inspectqa_http_requests_total", '{method="GET",route="unmatched",status="404"}') == 3
    assert "probe-" not in text


def test_request_id_is_returned_and_a_sane_incoming_one_kept(client):
    generated = client.get("/healthz").headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", generated)
    assert client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["X-Request-ID"] == "abc-123"
    replaced = client.get("/healthz", headers={"X-Request-ID": "bad id <script>" * 20}).headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", replaced)
    assert client.post("/ask", json={}).headers["X-Request-ID"]  # errors carry it too


@pytest.fixture
def json_log():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonLogFormatter())
    logger = logging.getLogger("inspectqa.access")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)


@pytest.mark.parametrize("log_questions", [False, True])
def test_access_log_is_json_lines_with_request_id_and_questions_only_when_allowed(settings, encoder, built_index, json_log, log_questions):
    question = "Which social worker looked after the Smith children?"
    with app_client(settings, encoder, log_questions=log_questions) as http:
        response = http.post("/ask", json={"question": question}, headers={"X-Request-ID": "trace-42"})
    lines = [entry for entry in json_log() if entry.get("route") == "/ask"]
    assert len(lines) == 1
    entry = lines[0]
    assert entry["request_id"] == "trace-42" == response.headers["X-Request-ID"]
    assert entry["status"] == 200 and entry["method"] == "POST" and entry["duration_ms"] > 0
    assert (question in json.dumps(entry)) is log_questions
    assert ("Smith" in json.dumps(json_log())) is log_questions
