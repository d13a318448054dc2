"""One corpus change at a time, across processes: an exclusive lock file beside documents.yaml.

Adding or removing a document reads documents.yaml, writes it and rebuilds the index. Two changes
overlapping (the CLI and an upload, or two serve processes) could each read the old file and the
second write lose the first one's entry, though both were acknowledged. The CLI and every serve
process take this lock around the whole change, and around `inspectqa index build`.
"""

from __future__ import annotations

import fcntl
import os
import time
from contextlib import contextmanager
from pathlib import Path

from index.errors import CorpusConflict

LOCK_FILE = ".inspectqa.lock"
WAIT_SECONDS = 600.0  # a rebuild of a large corpus takes minutes; beyond this, say so rather than hang


class CorpusBusy(CorpusConflict):
    """Another process kept the corpus lock longer than we would wait."""


@contextmanager
def corpus_lock(corpus_dir: Path, wait_seconds: float | None = None):
    """Hold the corpus's change lock for the `with` block, waiting up to `wait_seconds` for it."""
    wait = WAIT_SECONDS if wait_seconds is None else wait_seconds
    path = Path(corpus_dir) / LOCK_FILE
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        # a read-only corpus folder: nothing can change documents.yaml there, so there is nothing to serialise
        yield
        return
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise CorpusBusy(
                        f"another corpus change or index build has held {path} for over {wait:g} s; wait for it to finish and try again"
                    ) from None
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
