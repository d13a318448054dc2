"""Whether the corpus folder, documents.yaml and the served index agree: settled at start-up, told by /readyz.

At start-up a change a dead process left in the journal (index.ingest.journal) is finished or rolled
back before the index loads, and the log says which. Afterwards /readyz answers `degraded` with the
reason while a left-over change is still unsettled (its process died and nobody has recovered it yet),
when recovery could not run, or when documents.yaml lists other documents than the served index holds.
"""

from __future__ import annotations

import fcntl
import logging
import os
from pathlib import Path

from index.errors import CorpusError, InspectQAError
from index.ingest import journal
from index.ingest.corpus import read_entries
from index.ingest.lock import LOCK_FILE, CorpusBusy
from index.ingest.manage import recover_unfinished

log = logging.getLogger("inspectqa")


def settle_at_startup(corpus_dir: Path, index_dir: Path) -> tuple[str | None, str | None]:
    """(what recovery did, why it could not) for the journal of `corpus_dir`; (None, None) when nothing was pending."""
    if journal.pending(corpus_dir) is None:
        return None, None
    try:
        recovery = recover_unfinished(corpus_dir, index_dir, wait_seconds=0)
    except CorpusBusy:
        return None, None  # another process is making that change right now; it will finish it
    except (OSError, ValueError, InspectQAError) as exc:
        problem = f"an unfinished corpus change could not be recovered ({exc}); run 'inspectqa index status'"
        log.error(problem)
        return None, problem
    if recovery is None:
        return None, None
    return recovery.message, None


def lock_is_free(corpus_dir: Path) -> bool:
    try:
        fd = os.open(Path(corpus_dir) / LOCK_FILE, os.O_RDWR)
    except OSError:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)


def unsettled_change(corpus_dir: Path) -> str | None:
    """A journalled change nobody is working on (its process died), described; None otherwise."""
    change = journal.pending(corpus_dir)
    if change is None or not lock_is_free(corpus_dir):
        return None
    return f"an unfinished corpus change ({change.describe()}) was left by a process that stopped; the next corpus change or a restart settles it"


def index_disagreement(corpus_dir: Path, served: set[str]) -> str | None:
    """How documents.yaml and the served index's documents differ, or None when they agree."""
    try:
        listed = {str(e.get("doc_id")) for e in read_entries(corpus_dir) if isinstance(e, dict)}
    except CorpusError as exc:
        return f"documents.yaml cannot be read: {exc}"
    missing, extra = sorted(listed - served), sorted(served - listed)
    if not missing and not extra:
        return None
    parts = []
    if missing:
        parts.append(f"documents.yaml lists {len(missing)} not in the served index ({', '.join(missing[:5])})")
    if extra:
        parts.append(f"the served index holds {len(extra)} not in documents.yaml ({', '.join(extra[:5])})")
    return "; ".join(parts) + "; run 'inspectqa index build'"
