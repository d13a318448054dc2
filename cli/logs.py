"""What the command line prints besides its own output: our warnings, and libraries' chatter only with --verbose.

faiss logs each CPU-feature module it tries, bm25s sets its own logger to DEBUG when imported, pypdf
warns about every odd object in a PDF, and sentence-transformers announces each model load. None of
that helps someone adding a document or asking a question; `--verbose` shows all of it.
"""

from __future__ import annotations

import logging
import os
import warnings

# logger name -> the lowest level shown without --verbose
QUIET = {
    "faiss": logging.WARNING,
    "bm25s": logging.WARNING,
    "pypdf": logging.ERROR,
    "sentence_transformers": logging.WARNING,
    "transformers": logging.ERROR,
    "httpx": logging.WARNING,
    "inspectqa": logging.WARNING,
}


class QuietLibraries(logging.Filter):
    """Drops records of the QUIET loggers (and their children) below their level. A handler filter, since
    bm25s resets its logger's own level when it is imported."""

    def __init__(self, levels: dict[str, int]):
        super().__init__()
        self.levels = levels

    def filter(self, record: logging.LogRecord) -> bool:
        for name, level in self.levels.items():
            if record.name == name or record.name.startswith(name + "."):
                return record.levelno >= level
        return True


def configure(verbose: bool, keep: tuple[str, ...] = ()) -> None:
    """Set up logging for a command: everything with `verbose`, else warnings and errors only, except
    the loggers in `keep` (serve keeps the service's own INFO lines: start-up, reloads, requests)."""
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    for handler in root.handlers:
        for old in [f for f in handler.filters if isinstance(f, QuietLibraries)]:
            handler.removeFilter(old)
        if not verbose:
            handler.addFilter(QuietLibraries({k: v for k, v in QUIET.items() if k not in keep}))
    if not verbose:
        warnings.filterwarnings("ignore", module=r"pypdf(\..*)?$")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    else:
        logging.getLogger("bm25s").setLevel(logging.DEBUG)
