"""Child process of index.ingest.extract.extract_text_isolated: `python -m index.ingest.extract_worker MEMORY PATH [OCR_LANGUAGE]`.

Limits its own address space first, extracts, and prints the ExtractedDocument (or {"error": ...}) as JSON."""

from __future__ import annotations

import json
import resource
import sys


def main(argv: list[str]) -> int:
    memory, path = int(argv[0]), argv[1]
    ocr = argv[2] if len(argv) > 2 else None
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    from index.errors import UnsupportedDocument
    from index.ingest.extract import extract_text

    try:
        doc = extract_text(path, ocr)
    except UnsupportedDocument as exc:
        print(json.dumps({"error": str(exc)}))
        return 0
    published = doc.published.isoformat() if doc.published else None
    print(json.dumps({"text": doc.text, "pages": [list(p) for p in doc.pages], "title": doc.title, "published": published}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
