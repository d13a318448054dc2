"""The chat page's files: served by the app, under a strict Content-Security-Policy, nothing from outside."""

import re

import pytest

from service.routes.ui import STATIC_DIR

PAGE_FILES = ["/", "/static/app.js", "/static/app.css"]


@pytest.mark.parametrize("path", PAGE_FILES)
def test_page_and_its_files_carry_a_csp_without_inline_script(client, path):
    response = client.get(path)
    assert response.status_code == 200
    policy = dict(
        part.strip().split(" ", 1) for part in response.headers["content-security-policy"].split(";") if part.strip()
    )
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
    assert policy["default-src"] == "'none'" and policy["connect-src"] == "'self'"
    assert "unsafe" not in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"


def test_page_loads_only_files_of_its_own_origin(client):
    html = client.get("/").text
    assert re.findall(r'(?:src|href)="([^"]+)"', html) == ["/static/app.css", "/static/app.js", "#question", "/manage"]
    # no inline script, handler attribute or style: the policy would block them, so there must be none
    assert [body.strip() for body in re.findall(r"<script[^>]*>(.*?)</script>", html, re.S)] == [""]
    assert not re.search(r"\son[a-z]+=", html) and "style=" not in html and "<style" not in html
    for name in ("index.html", "app.js", "app.css"):
        text = (STATIC_DIR / name).read_text(encoding="utf-8")
        assert not re.search(r"https?://", text), f"{name} refers to another origin"
        assert "innerHTML" not in text and "insertAdjacentHTML" not in text and "document.write" not in text


def test_no_page_on_this_origin_loads_a_third_party_script(client):
    """Review finding: /docs loaded an unpinned Swagger UI script from a public CDN on the chat page's origin."""
    for path in ("/docs", "/redoc"):
        assert client.get(path).status_code == 404
    page = client.get("/")
    assert "cdn." not in page.text and "https://" not in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]


def test_unknown_static_file_is_a_json_404(client):
    response = client.get("/static/nope.js")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
