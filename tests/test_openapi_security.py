"""Issue 28 item 3: the OpenAPI description says how to authenticate and what a refused request gets,
and a body that is not JSON is answered in words with the place it goes wrong."""

from service.access import is_public


def _operations(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            yield path, method, operation


def test_the_schema_declares_the_bearer_key_scheme(client):
    schema = client.get("/openapi.json").json()
    scheme = schema["components"]["securitySchemes"]["bearerKey"]
    assert scheme["type"] == "http" and scheme["scheme"] == "bearer"


def test_every_protected_operation_lists_401_403_413_429_with_an_example(client):
    schema = client.get("/openapi.json").json()
    protected = [(p, m, o) for p, m, o in _operations(schema) if not is_public(p)]
    assert len(protected) >= 8  # /ask, /search, /documents..., /feedback, /admin/...
    for path, method, operation in protected:
        assert operation["security"] == [{"bearerKey": []}], (method, path)
        for status in ("401", "403", "413", "429"):
            answer = operation["responses"].get(status)
            assert answer is not None, (method, path, status)
            example = answer["content"]["application/json"]["example"]
            assert example["error"]["code"] and example["error"]["message"], (method, path, status)
    ask = schema["paths"]["/ask"]["post"]["responses"]
    assert "Retry-After" in ask["429"]["headers"]
    assert ask["401"]["content"]["application/json"]["example"]["error"]["code"] == "unauthorized"


def test_public_operations_need_no_key(client):
    schema = client.get("/openapi.json").json()
    assert "security" not in schema["paths"]["/healthz"]["get"]


def test_a_body_that_is_not_json_is_answered_in_words_with_the_position(client):
    response = client.post("/ask", content=b'{"question": "what is', headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    message = response.json()["error"]["message"]
    assert message.startswith("the body is not valid JSON: "), message
    assert message == "the body is not valid JSON: unterminated string starting at position 13"  # where the string opens
    garbage = client.post("/ask", content=b"question=ofsted", headers={"Content-Type": "application/json"})
    assert garbage.json()["error"]["message"] == "the body is not valid JSON: expecting value at position 0"
