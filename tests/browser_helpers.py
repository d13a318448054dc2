"""Debian's Chromium under Playwright for the browser tests: launched once per test module, skipped where it
is missing, and failed instead where CI demands the browser tests (INSPECTQA_REQUIRE_BROWSER=1)."""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextmanager
def chromium(also_needed: tuple[tuple[Path, str], ...] = ()):
    """A launched Chromium; `also_needed`: files the module needs beside it, each with what provides it."""
    required = os.environ.get("INSPECTQA_REQUIRE_BROWSER") == "1"

    def unavailable(reason: str) -> None:
        if required:
            pytest.fail(f"{reason} and INSPECTQA_REQUIRE_BROWSER=1")
        pytest.skip(reason)

    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright is not installed")
    for path, what in ((CHROMIUM, "Chromium (apt-get install chromium; see README.md)"), *also_needed):
        if not path.exists():
            unavailable(f"{what} is missing")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
