"""The admin view at /manage, in Debian's Chromium: an upload and a removal each followed to the end of their job."""

from __future__ import annotations

import pytest

from browser_helpers import chromium
from conftest import LiveServer
from index.build.builder import build_index
from job_helpers import tiny_corpus
from service.config import ServiceSettings

pytestmark = pytest.mark.browser
WAIT_MS = 30_000


def test_an_upload_and_a_removal_show_their_progress_until_published_and_a_refusal_its_reason(tmp_path, encoder):
    from service.main import create_app

    settings = ServiceSettings(
        corpus_dir=tiny_corpus(tmp_path / "corpus"), index_dir=tmp_path / "index", feedback_db=tmp_path / "feedback.sqlite3",
        audit_db=tmp_path / "audit.sqlite3", keys_file=tmp_path / "keys.json", auth="off", rate_limit_per_minute=0, index_poll_seconds=0,
    )  # fmt: skip
    build_index(settings, encoder)
    note = tmp_path / "april-minutes.txt"
    note.write_text("Brambleford minutes, April 2024. Caseloads fell to sixteen children each.\n", encoding="utf-8")
    with chromium() as browser, LiveServer(create_app(settings, encoder)) as server:
        page = browser.new_page()
        page.set_default_timeout(WAIT_MS)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(server.url + "/manage")
        page.locator("#docs li").first.wait_for()
        assert page.locator("#docs li").count() == 2

        page.set_input_files("#upload-file", str(note))
        page.fill("#upload-title", "April minutes")
        page.click("#upload-send")
        added = page.locator("#jobs li").first
        page.locator("#jobs li[data-state=published]").first.wait_for()
        assert "published as april-minutes" in added.inner_text()
        assert added.locator("progress").evaluate("bar => bar.value") == 1
        page.locator("#docs li", has_text="April minutes").wait_for()

        page.set_input_files("#upload-file", str(note))
        page.fill("#upload-title", "Bad\u202etitle")
        page.click("#upload-send")
        page.locator("#jobs li[data-state=refused]").first.wait_for()
        assert "control or bidi character" in page.locator("#jobs li").first.inner_text()

        page.click("button[aria-label='Remove April minutes']")
        page.locator("#jobs li[data-state=published]").nth(1).wait_for()
        for _ in range(100):
            if page.locator("#docs li").count() == 2:
                break
            page.wait_for_timeout(100)
        assert page.locator("#docs li", has_text="April minutes").count() == 0
        assert errors == []
