"""Which gold quotes (evidence and support) the clean text of their named document does not hold.

The rule is the one scoring uses (eval.matching.quote_found); a quote missing from the kept text
can never be found by any system, so a question holding one measures nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path

from eval.matching import quote_found


def quotes_of(row: Mapping) -> list[tuple[str, str]]:
    """(source file, quote) for each evidence and support quote of a gold row."""
    return [(str(e.get("doc", "")), e["quote"]) for key in ("evidence", "support") for e in (row.get(key) or [])]


def missing_quotes(rows: Iterable[Mapping], clean_text_by_file: Mapping[str, str]) -> list[tuple[str, str]]:
    """(question id, quote) for every quote not found in its document's clean text (any document when unnamed)."""
    missing = []
    for row in rows:
        for source, quote in quotes_of(row):
            texts = [clean_text_by_file[source]] if source in clean_text_by_file else list(clean_text_by_file.values())
            if not any(quote_found(quote, text) for text in texts):
                missing.append((str(row["id"]), quote))
    return missing


def read_rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
