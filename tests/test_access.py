"""Per-document access: a restricted document (with a unique phrase) behind every route, for every kind of caller.

The index here is the real corpus plus one document restricted to the group `safeguarding-leads`. A
caller outside that group must never get a word of it, its doc_id, or any trace of it in what they are
shown: not in answers, abstentions, scores, listings or errors.
"""

from __future__ import annotations

import dataclasses
import json
import shutil

import pytest
from fastapi.testclient import TestClient

from index.answer.access import Access
from index.answer.answerer import QuestionAnswerer
from index.answer.search import SearchFilters
from index.build.builder import build_index
from index.build.store import load_index
from index.settings import PROJECT_ROOT
from service.keys import add_key

GROUP = "safeguarding-leads"
RESTRICTED = "zz-quillfield-case-audit"
# words only the restricted document uses: none may reach a caller outside the group
SECRET_WORDS = ("Marrowgate", "Quillfield", "Thornbury", RESTRICTED)
RESTRICTED_TEXT = """Case audit summary for the Quillfield team

The Quillfield case audit found that the Marrowgate Protocol was applied in only nine of forty referrals during the review period.

Managers agreed a recovery plan for the Quillfield team, with weekly supervision of every open case under the Marrowgate Protocol.

Read more about the Thornbury Kestrel Partnership arrangements for regional adoption agencies in the north.
"""
ENTRY = f"""
  - doc_id: {RESTRICTED}
    file: zz-restricted.txt
    title: Quillfield case audit summary
    publisher: Children's services
    published: 2026-10-01
    kind: commentary
    access: [{GROUP}]
    cleaning:
      drop_lines:
        - '^Read more about '
"""
# asked without naming a secret word (the question is echoed back in every reply)
QUESTIONS = (
    "In how many referrals was the protocol applied during the case audit?",
    "What recovery plan did managers agree, with weekly supervision of every open case?",
    "What are the partnership arrangements for regional adoption agencies in the north?",
)


@pytest.fixture(scope="module")
def restricted(tmp_path_factory, settings, encoder, built_index):
    """(settings, index) of the corpus plus the restricted document, built reusing the served vectors."""
    root = tmp_path_factory.mktemp("restricted")
    corpus = root / "corpus"
    shutil.copytree(PROJECT_ROOT / "corpus", corpus)
    (corpus / "zz-restricted.txt").write_text(RESTRICTED_TEXT, encoding="utf-8")
    with (corpus / "documents.yaml").open("a", encoding="utf-8") as meta:
        meta.write(ENTRY)
    # start from a copy of the served index so its vectors are reused
    shutil.copytree(settings.index_dir.resolve(), root / "seed")
    (root / "index").symlink_to(root / "seed")
    own = settings.model_copy(update={"corpus_dir": corpus, "index_dir": root / "index", "audit_db": root / "audit.sqlite3"})
    build_index(own, encoder)
    return own, load_index(own.index_dir, own)


@pytest.fixture(scope="module")
def callers(restricted, encoder, tmp_path_factory):
    """name -> (client, headers, may see the restricted document)."""
    own, _ = restricted
    keys = tmp_path_factory.mktemp("keys") / "keys.json"
    plain = add_key(keys, "case-system")
    grouped = add_key(keys, "lead-system", groups=(GROUP, "other"))
    admin = add_key(keys, "ops", admin=True)
    from service.main import create_app

    locked = own.model_copy(update={"auth": "keys", "keys_file": keys, "trusted_proxies": ["testclient"]})
    with TestClient(create_app(locked, encoder), raise_server_exceptions=False) as trusted, TestClient(
        create_app(locked, encoder), client=("203.0.113.9", 4000), raise_server_exceptions=False
    ) as untrusted:
        yield {
            "no key": (trusted, {}, False),
            "plain key": (trusted, {"Authorization": f"Bearer {plain}"}, False),
            "key with the group": (trusted, {"Authorization": f"Bearer {grouped}"}, True),
            "admin key": (trusted, {"Authorization": f"Bearer {admin}"}, True),
            "SSO user without the group": (trusted, {"X-Forwarded-User": "alice", "X-Forwarded-Groups": "finance, staff"}, False),
            "SSO user with the group": (trusted, {"X-Forwarded-User": "bob", "X-Forwarded-Groups": f"staff,{GROUP}"}, True),
            "SSO header from an untrusted address": (untrusted, {"X-Forwarded-User": "mallory", "X-Forwarded-Groups": GROUP}, False),
        }


def _requests():
    yield "get", "/documents", {}
    yield "get", f"/documents/{RESTRICTED}", {}
    for question in QUESTIONS:
        yield "post", "/ask", {"json": {"question": question}}
        yield "post", "/search", {"json": {"question": question, "top_k": 20}}
        yield "post", "/ask", {"json": {"question": question, "filters": {"kind": ["commentary"], "published_from": "2026-01-01"}}}
    yield "post", "/ask", {"json": {"question": QUESTIONS[0], "filters": {"doc_id": [RESTRICTED]}}}
    yield "post", "/feedback", {"json": {"question": "q", "answer": "a", "answerable": True, "rating": "up", "citations": [RESTRICTED]}}
    yield "get", "/admin/audit", {}
    yield "get", "/admin/feedback/export", {}
    yield "get", "/metrics", {}
    yield "get", "/readyz", {}


CALLERS = (
    "no key",
    "plain key",
    "key with the group",
    "admin key",
    "SSO user without the group",
    "SSO user with the group",
    "SSO header from an untrusted address",
)


@pytest.mark.parametrize("who", CALLERS)
def test_no_word_of_a_restricted_document_reaches_a_caller_outside_its_group(callers, who):
    http, headers, allowed = callers[who]
    seen = []
    for method, path, kwargs in _requests():
        response = getattr(http, method)(path, headers=headers, **kwargs)
        assert response.status_code < 500, (path, response.text)
        seen.append((method, path, response))
        if not allowed:
            # a request naming the doc_id may hear it back, as it would for any unknown doc_id (compared below)
            asked = path + json.dumps(kwargs.get("json", {}))
            for word in (w for w in SECRET_WORDS if w not in asked):
                assert word not in response.text, f"{who}: {method.upper()} {path} showed {word!r}"
    by_path = {(m, p): r for m, p, r in seen}
    document = by_path[("get", f"/documents/{RESTRICTED}")]
    if who in ("no key", "SSO header from an untrusted address"):
        assert {r.status_code for _, p, r in seen if p not in ("/readyz",)} == {401}
    elif allowed:
        # the test can fail: the same requests do show the document to those who may see it
        assert document.status_code == 200 and "Marrowgate Protocol" in document.json()["text"]
        assert RESTRICTED in [d["doc_id"] for d in by_path[("get", "/documents")].json()]
        answers = [r.json() for m, p, r in seen if p == "/ask" and r.status_code == 200]
        assert any("Marrowgate" in c["text"] for a in answers for c in a["citations"])
    else:
        # 404 exactly as for a document that does not exist: nothing confirms it is there
        missing = http.get("/documents/zz-no-such-document", headers=headers)
        assert document.status_code == missing.status_code == 404
        assert document.json()["error"]["message"].replace(RESTRICTED, "X") == missing.json()["error"]["message"].replace("zz-no-such-document", "X")
        assert RESTRICTED not in [d["doc_id"] for d in by_path[("get", "/documents")].json()]


def test_a_filter_naming_a_hidden_document_reads_as_an_unknown_one(callers):
    http, headers, _ = callers["plain key"]
    hidden = http.post("/ask", headers=headers, json={"question": QUESTIONS[0], "filters": {"doc_id": [RESTRICTED]}})
    absent = http.post("/ask", headers=headers, json={"question": QUESTIONS[0], "filters": {"doc_id": ["zz-no-such-document"]}})
    assert hidden.status_code == absent.status_code == 422
    assert hidden.json()["error"]["message"].replace(RESTRICTED, "X") == absent.json()["error"]["message"].replace("zz-no-such-document", "X")


def _shown(answer) -> dict:
    """Everything /ask shows of an answer, scores included."""
    return {
        "answer": answer.answer,
        "answerable": answer.answerable,
        "abstention": answer.abstention,
        "citations": [(c.passage.doc_id, c.passage.start, c.passage.end, round(c.score, 6), round(c.bm25_score, 6), round(c.fused_score, 6)) for c in answer.citations],
    }


def test_a_hidden_document_does_not_shape_answers_scores_or_abstentions(restricted, built_index, encoder, dev_questions):
    """A caller outside the group gets exactly what an index without the document would give: the hidden
    document's words change no word weight (IDF), BM25 score or removed-text abstention they see."""
    own, with_hidden = restricted
    outside = QuestionAnswerer(with_hidden, encoder, own)
    without = QuestionAnswerer(built_index, encoder, own)
    nobody = SearchFilters(access=Access.for_groups(("staff",)))
    questions = [q["question"] for q in dev_questions] + list(QUESTIONS) + ["What is the Thornbury Kestrel Partnership?"]
    for question in questions:
        assert _shown(outside.answer(question, filters=nobody)) == _shown(without.answer(question)), question
        assert [c.passage.passage_id for c in outside.search(question, 10, nobody)] == [c.passage.passage_id for c in without.search(question, 10)]
    # and the view is not simply blind: a caller in the group is answered from the document
    inside = outside.answer(QUESTIONS[0], filters=dataclasses.replace(nobody, access=Access.for_groups((GROUP,))))
    assert inside.citations[0].passage.doc_id == RESTRICTED


def test_keys_and_the_cli_carry_groups(tmp_path):
    from cli.main import main
    from service.keys import read_keys

    keys = tmp_path / "keys.json"
    assert main(["keys", "add", "leads", "--group", GROUP, "--group", "audit", "--keys-file", str(keys)]) == 0
    assert read_keys(keys)[0].groups == (GROUP, "audit")
    stored = json.loads(keys.read_text())
    assert stored["keys"][0]["groups"] == [GROUP, "audit"]
