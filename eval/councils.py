"""`make eval-councils`: conflict recall and precision on a corpus of four authorities.

The served seed corpus (corpus/, Wakefield) plus the synthetic documents about three fictional councils
in eval/fixtures/councils (Brackenridge, Northmoor, Eastfold) are copied into one folder, indexed, and
the seed's conflict set (eval/gold/conflicts.jsonl) and the councils' (eval/gold/conflicts_councils.jsonl,
written before the rules it tests, grown later from two new documents) are put to the pipeline together
(`--gold FILE`, repeatable, puts only those). Besides eval/conflicts.py's figures it counts the flagged
conflicts whose sides come from documents of different authorities (the target is 0).

    python -m eval.councils [--out eval/out/councils] [--gold eval/gold/conflicts_councils.jsonl]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

import yaml

from index.settings import PROJECT_ROOT

FIXTURES = PROJECT_ROOT / "eval" / "fixtures" / "councils"
GOLD = (PROJECT_ROOT / "eval" / "gold" / "conflicts.jsonl", PROJECT_ROOT / "eval" / "gold" / "conflicts_councils.jsonl")


def assemble(dest: Path, seed: Path = PROJECT_ROOT / "corpus", fixtures: Path = FIXTURES) -> Path:
    """`dest` made a corpus folder holding the seed corpus and the fixture documents, one documents.yaml listing both."""
    dest.mkdir(parents=True, exist_ok=True)
    entries = []
    for folder in (seed, fixtures):
        data = yaml.safe_load((folder / "documents.yaml").read_text(encoding="utf-8"))
        for entry in data["documents"]:
            shutil.copyfile(folder / entry["file"], dest / entry["file"])
            entries.append(entry)
    (dest / "documents.yaml").write_text(yaml.safe_dump({"documents": entries}, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return dest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.councils", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "eval" / "out" / "councils")
    parser.add_argument("--top-k", type=int, default=5)
    parser.add_argument(
        "--gold", type=Path, action="append", help="a conflict set to put (repeatable; default: the seed set and the councils set together)"
    )
    args = parser.parse_args(argv)
    from eval.conflicts import print_figures, run_conflicts
    from index.answer.answerer import QuestionAnswerer
    from index.build.builder import build_index
    from index.build.embed import Encoder
    from index.build.store import load_index
    from index.settings import Settings

    with tempfile.TemporaryDirectory(prefix="inspectqa-councils-") as work:
        corpus = assemble(Path(work) / "corpus")
        settings = Settings(corpus_dir=corpus, index_dir=Path(work) / "index")
        encoder = Encoder.for_settings(settings).load()
        build_index(settings, encoder)
        index = load_index(settings.index_dir, settings)
        for doc_id in index.documents:
            doc = index.documents.metadata(doc_id)
            print(f"{doc_id}\t{doc.authority}\t{doc.authority_source}", file=sys.stderr)
        figures = run_conflicts(tuple(args.gold) if args.gold else GOLD, QuestionAnswerer(index, encoder, settings), args.out, args.top_k)
    print_figures(figures)
    print(f"\ndetail: {args.out / 'conflicts.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
