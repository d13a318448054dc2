"""The `inspectqa` command: build the index, ask a question, serve the API, manage corpus and keys, evaluate."""

from __future__ import annotations

import argparse
import sys

from cli import ask, audit, corpus, eval as evaluate, index, keys, serve
from cli.logs import configure as configure_logging
from cli.options import EPILOG
from index.errors import InspectQAError


VERBOSE_HELP = "also print the libraries' own log lines (faiss, bm25s, pypdf, model loading) and the service's INFO lines"


def _subcommand_parsers(parser: argparse.ArgumentParser):
    """Every parser under `parser` (not itself), depth first."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in dict.fromkeys(action.choices.values()):
                yield sub
                yield from _subcommand_parsers(sub)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="inspectqa",
        description="Question answering with verbatim citations over Ofsted inspection material.",
        epilog=EPILOG,
    )
    parser.add_argument("-v", "--verbose", action="store_true", help=VERBOSE_HELP)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in (index, ask, serve, evaluate, keys, corpus, audit):
        command.register(commands)
    # --verbose after the command too ("inspectqa corpus add x.pdf --verbose"); SUPPRESS keeps the top-level value
    for sub in _subcommand_parsers(parser):
        if "--verbose" not in sub._option_string_actions:
            sub.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help=VERBOSE_HELP)
    return parser


def _innermost(parser: argparse.ArgumentParser, args: argparse.Namespace) -> argparse.ArgumentParser:
    """The parser of the command the arguments chose ("ask", "corpus add"), for its usage line."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction) and getattr(args, action.dest, None) in action.choices:
            return _innermost(action.choices[getattr(args, action.dest)], args)
    return parser


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse like argparse, but an unknown option is reported with the usage of the command it was given to."""
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        _innermost(parser, args).error(f"unrecognized arguments: {' '.join(unknown)}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)  # as given: `corpus add --no-wait` runs itself again in the background
    configure_logging(args.verbose)
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
