"""The `inspectqa` command: build the index, ask a question, serve the API, manage corpus and keys, evaluate."""

from __future__ import annotations

import argparse
import logging
import sys

from cli import ask, corpus, eval as evaluate, index, keys, serve
from cli.options import EPILOG
from index.errors import InspectQAError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="inspectqa",
        description="Question answering with verbatim citations over Ofsted inspection material.",
        epilog=EPILOG,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in (index, ask, serve, evaluate, keys, corpus):
        command.register(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except InspectQAError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; the previous index (if any) is untouched", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
