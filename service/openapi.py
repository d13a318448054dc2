"""The OpenAPI description's security: the bearer-key scheme and the answers every protected operation can give.

The routes declare their own successes and domain errors; the refusals below come from middleware
(service/access.py, service/limits.py) that FastAPI cannot see, so they are added to the schema here,
once, for every operation that is not on the public list.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from service.access import is_public

SCHEME = "bearerKey"

_ERROR_REF = {"$ref": "#/components/schemas/ErrorResponse"}


def _error(description: str, code: str, message: str, headers: dict | None = None) -> dict:
    answer = {
        "description": description,
        "content": {"application/json": {"schema": _ERROR_REF, "example": {"error": {"code": code, "message": message}}}},
    }
    if headers:
        answer["headers"] = headers
    return answer


def _refusals(admin: bool) -> dict[str, dict]:
    forbidden = (
        ("Forbidden: the route needs an admin key", "forbidden", "this route needs an admin key; the service's operator issues them")
        if admin
        else ("Forbidden: with authentication off, a change sent from another site's page", "cross_site",
              "with authentication off, changes are accepted only from this service's own pages")
    )
    return {
        "401": _error(
            "No key, or an unknown or revoked one (send `Authorization: Bearer <key>`)",
            "unauthorized",
            "no API key: send 'Authorization: Bearer <key>'; the service's operator issues keys",
            {"WWW-Authenticate": {"schema": {"type": "string"}, "description": 'Bearer realm="inspectqa"'}},
        ),
        "403": _error(*forbidden),
        "413": _error("The request body is larger than the service accepts (INSPECTQA_MAX_BODY_BYTES)", "too_large",
                      "request body is larger than 65536 bytes"),
        "429": _error(
            "Too many requests from this caller (INSPECTQA_RATE_LIMIT_PER_MINUTE); retry after Retry-After seconds",
            "rate_limited",
            "too many requests; retry after 3 s",
            {"Retry-After": {"schema": {"type": "integer"}, "description": "seconds until a request is accepted again"}},
        ),
    }


def describe(app: FastAPI) -> dict:
    """The schema with the bearer-key scheme and 401/403/413/429 on every protected operation."""
    schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    components = schema.setdefault("components", {})
    components.setdefault("securitySchemes", {})[SCHEME] = {
        "type": "http",
        "scheme": "bearer",
        "description": "An API key made with `inspectqa keys add NAME` (admin routes need `--admin`). "
        "With INSPECTQA_AUTH=off (local use only) no key is needed.",
    }
    components.setdefault("schemas", {})
    for path, operations in schema.get("paths", {}).items():
        if is_public(path):
            continue
        admin = path.startswith("/admin")
        for operation in operations.values():
            operation["security"] = [{SCHEME: []}]
            responses = operation.setdefault("responses", {})
            for status, answer in _refusals(admin).items():
                # a route's own description of a status (403 on /admin/reload, say) is kept; the example is added
                if status in responses:
                    responses[status].setdefault("content", answer["content"])
                    for media in responses[status]["content"].values():
                        media.setdefault("example", answer["content"]["application/json"]["example"])
                else:
                    responses[status] = answer
    return schema


def install(app: FastAPI) -> None:
    def openapi() -> dict:
        if app.openapi_schema is None:
            app.openapi_schema = describe(app)
        return app.openapi_schema

    app.openapi = openapi
