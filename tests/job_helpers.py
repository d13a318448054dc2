"""Waiting for a corpus-change job (POST/DELETE /admin/documents answer 202 with one) to end."""

from __future__ import annotations

import time


def finish(client, accepted, timeout: float = 120.0, headers: dict | None = None) -> dict:
    """The job `accepted` (a 202 response) started, polled until published or failed."""
    assert accepted.status_code == 202, accepted.text
    url = accepted.json()["url"]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(url, headers=headers or {}).json()
        if job["state"] in ("published", "failed"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {url} still {job['state']} after {timeout} s")
