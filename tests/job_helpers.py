"""Waiting for a corpus-change job (POST/DELETE /admin/documents answer 202 with one) to end."""

from __future__ import annotations

import time
from pathlib import Path

import yaml


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


def tiny_corpus(folder: Path) -> Path:
    """A corpus folder of two short documents (quick to build), laid out as corpus/documents.yaml is."""
    folder.mkdir()
    texts = {
        "one.txt": "Brambleford children's services were judged good in 2023. Leaders know their services well.\n",
        "two.txt": "Ofsted found that Brambleford care leavers receive help with housing. Personal advisers visit often.\n",
    }
    entries = []
    for n, (name, text) in enumerate(texts.items()):
        (folder / name).write_text(text, encoding="utf-8")
        entries.append({"doc_id": f"doc-{n + 1}", "file": name, "title": f"Document {n + 1}", "publisher": None, "published": "2023-05-01", "kind": "news"})
    blocks = "".join("".join(f"  {line}\n" for line in yaml.safe_dump([e], sort_keys=False).splitlines()) for e in entries)
    (folder / "documents.yaml").write_text("documents:\n" + blocks, encoding="utf-8")
    return folder
