"""Take docs/screenshot-chat.png: the chat page answering a real question, document panel open.

    .venv/bin/inspectqa serve --port 8000 &
    .venv/bin/python docs/screenshot.py --url http://127.0.0.1:8000 [--out docs/screenshot-chat.png]

Uses Debian's /usr/bin/chromium through Playwright (never `playwright install`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from playwright.sync_api import sync_playwright

QUESTION = "which government department gets copied into the ofsted monitoring letter?"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "screenshot-chat.png")
    args = parser.parse_args()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.goto(args.url.rstrip("/") + "/")
        page.wait_for_selector("html[data-ready=true]")
        page.fill("#question", QUESTION)
        page.press("#question", "Enter")
        turn = page.locator(".turn").last
        turn.locator(".answer").wait_for()
        turn.locator(".marker").first.click()
        page.locator("#doc-passage").wait_for()
        # the question at the top of the view, so the answer and its first cards show beside the document
        turn.evaluate("el => window.scrollTo(0, el.getBoundingClientRect().top + window.scrollY - 8)")
        page.screenshot(path=str(args.out))
        browser.close()
    print(f"wrote {args.out} ({args.out.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
