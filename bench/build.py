"""Build throughput: a fresh `build_index` (temp dir, nothing to reuse) vs raw encoding of the same texts."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from bench.common import Row, raw_encode


def build_throughput(settings, encoder, out_dir: Path, repeats: int = 2) -> tuple[list[Row], Path]:
    """Best of `repeats` alternating (raw encode of all passage+sentence texts, fresh build)."""
    from index.build.builder import build_index
    from index.build.store import load_index

    build_seconds, raw_seconds, raw_passage_seconds = [], [], []
    index_dir = out_dir / "index"
    for i in range(repeats):
        fresh = settings.model_copy(update={"index_dir": Path(tempfile.mkdtemp(dir=out_dir)) / "index"})
        t = time.perf_counter()
        manifest = build_index(fresh, encoder)
        build_seconds.append(time.perf_counter() - t)
        index_dir = fresh.index_dir
        index = load_index(index_dir, fresh)
        texts = [p.text for p in index.passages] + [s.text for s in index.sentences] + list(index.boilerplate)
        t = time.perf_counter()
        raw_encode(encoder, texts)
        raw_seconds.append(time.perf_counter() - t)
        t = time.perf_counter()
        raw_encode(encoder, texts[: len(index.passages)])
        raw_passage_seconds.append(time.perf_counter() - t)
    n_texts = manifest.passage_count + manifest.sentence_count + manifest.boilerplate_count
    build_rate = n_texts / min(build_seconds)
    raw_rate = n_texts / min(raw_seconds)
    return [
        Row(f"build_index, texts/s ({manifest.passage_count} passages + {manifest.sentence_count} sentences"
            f" + {manifest.boilerplate_count} removed sentences)", build_rate,
            "raw model.encode, texts/s, same texts", raw_rate, unit="/s", target=0.8, higher_is_better=True),
        Row("build_index, passages/s (it also embeds every sentence)", manifest.passage_count / min(build_seconds),
            "raw model.encode of the passages alone, passages/s", manifest.passage_count / min(raw_passage_seconds), unit="/s"),
    ], index_dir
