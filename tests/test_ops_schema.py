"""Schemathesis against the OpenAPI schema, in process, with auth on and a valid key: no input gives a 5xx.

Bounded: 50 generated cases per operation and mode (positive and negative, schema-violating, inputs)
in `make test`; `make fuzz` sets INSPECTQA_FUZZ_EXAMPLES higher for over a thousand requests.
"""

import os

import hypothesis
import pytest
import schemathesis
from schemathesis import GenerationMode

from service.keys import add_key

MAX_EXAMPLES = int(os.environ.get("INSPECTQA_FUZZ_EXAMPLES", "50"))
_ran: dict[str, int] = {}  # generated requests per operation, printed for the record


def fuzz(operations, headers: dict, examples: int, ran: dict[str, int], failures: list[str]) -> None:
    """Up to `examples` generated requests per (operation, mode), counted into `ran`; every 5xx recorded in `failures`."""
    for operation, mode in operations:

        @hypothesis.given(case=operation.as_strategy(mode))
        @hypothesis.settings(
            max_examples=examples, deadline=None, suppress_health_check=list(hypothesis.HealthCheck), derandomize=True, database=None
        )
        def run(case):
            response = case.call(headers=headers)
            key = f"{operation.label} ({mode.value})"
            ran[key] = ran.get(key, 0) + 1
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.path} {case.body!r:.200} -> {response.status_code}: {response.text[:300]}")

        try:
            run()
        except hypothesis.errors.Unsatisfiable:
            assert mode is GenerationMode.NEGATIVE  # an operation without input has no wrong input to make


@pytest.fixture(scope="module")
def api_key(tmp_path_factory):
    keys = tmp_path_factory.mktemp("keys") / "keys.json"
    return keys, add_key(keys, "schemathesis")  # a user key: /admin/reload is exercised up to its 403


@pytest.fixture(scope="module")
def keyed_schema(settings, encoder, built_index, api_key):
    from service.main import create_app

    app = create_app(settings.model_copy(update={"auth": "keys", "keys_file": api_key[0]}), encoder)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    return schema


def test_no_generated_request_gets_a_5xx(keyed_schema, api_key):
    headers = {"Authorization": f"Bearer {api_key[1]}"}
    failures = []
    operations = [(result.ok(), mode) for result in keyed_schema.get_all_operations() for mode in GenerationMode]
    fuzz(operations, headers, MAX_EXAMPLES, _ran, failures)
    total = sum(_ran.values())
    print(f"\nschemathesis: {total} generated requests over {len(_ran)} operations: {_ran}")
    assert not failures, failures[:5]
    assert {op.label for op, _ in operations} == {key.split(" (")[0] for key in _ran} and len(operations) >= 16
    # operations that take input were each tried with many (operations without input have one request to make)
    assert all(_ran[f"{op} ({m})"] >= 40 for op in ("POST /ask", "POST /search") for m in ("positive", "negative"))


# ---------------------------------------------------------------- the admin paths, with an admin key (issue 26)

ADMIN_EXAMPLES = int(os.environ.get("INSPECTQA_FUZZ_ADMIN_EXAMPLES", "25"))


def test_no_generated_admin_request_gets_a_5xx_and_every_accepted_change_ends(tmp_path, settings, encoder):
    """Uploads, removals, job look-ups, reloads and audit reads with an admin key, on a private two-document corpus:
    no 5xx, and every job an upload or removal started ends published or failed with a reason (nothing lost)."""
    from fastapi.testclient import TestClient

    from index.build.builder import build_index
    from job_helpers import tiny_corpus
    from service.main import create_app

    keys = tmp_path / "keys.json"
    admin = add_key(keys, "fuzz-admin", admin=True)
    local = settings.model_copy(update={
        "auth": "keys", "keys_file": keys, "corpus_dir": tiny_corpus(tmp_path / "corpus"), "index_dir": tmp_path / "index",
        "audit_db": tmp_path / "audit.sqlite3", "vector_store": "faiss", "index_poll_seconds": 0,
    })  # fmt: skip
    build_index(local, encoder)
    app = create_app(local, encoder)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    headers = {"Authorization": f"Bearer {admin}"}
    ran: dict[str, int] = {}
    failures = []
    with TestClient(app):  # the lifespan: index loaded, jobs settled
        operations = [(r.ok(), mode) for r in schema.get_all_operations() if r.ok().path.startswith("/admin/") for mode in GenerationMode]
        fuzz(operations, headers, ADMIN_EXAMPLES, ran, failures)
        # generated files are almost never a supported type; real ones too, so the jobs' paths are taken
        http = TestClient(app, headers=headers)
        for n in range(3):
            note = f"Brambleford minutes {n}. Caseloads fell to {12 + n} children each.".encode()
            assert http.post("/admin/documents", files={"file": (f"note-{n}.txt", note, "text/plain")}).status_code == 202
        assert http.delete("/admin/documents/doc-2").status_code in (202, 404)  # a generated removal may have taken it
        jobs = app.state.jobs
        assert jobs.wait_idle(120), "a corpus-change job never ended"
        ended = list(jobs._jobs.values())
    print(f"\nschemathesis (admin key): {sum(ran.values())} generated requests over {len(ran)} operations, {len(ended)} jobs: {ran}")
    assert not failures, failures[:5]
    assert {"POST /admin/documents", "DELETE /admin/documents/{doc_id}", "GET /admin/jobs/{job_id}"} <= {k.split(" (")[0] for k in ran}
    assert len(ended) >= 3
    assert all(j.state == "published" or (j.state == "failed" and j.reason) for j in ended), [j for j in ended if not j.finished]
