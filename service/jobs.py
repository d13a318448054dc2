"""Corpus changes as jobs: an upload or removal is accepted at once (202 + job id) and done in the background.

One worker thread runs the jobs in order, each under the corpus lock (index.ingest.lock) and the swap
lock (service/reload.py), so there is one change at a time per corpus however many processes serve it.
A bounded number wait (more get 429). Each job's state is kept as a small JSON file, so GET /admin/jobs/{id}
answers after a restart too: a job that was running when its process died is reported failed with
the reason (its change was finished or rolled back by the journal, index.ingest.journal, at start-up).
No client timeout leaves an outcome unknown: the job says published, or failed and why.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import gc
import json
import logging
import os
import queue
import re
import secrets
import threading
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Callable

log = logging.getLogger("inspectqa")

STATES = ("queued", "extracting", "building", "loading", "published", "failed")
PROGRESS = {"queued": 0.0, "extracting": 0.1, "building": 0.3, "loading": 0.9, "published": 1.0, "failed": 1.0}
JOB_ID = re.compile(r"^[a-f0-9]{16}$")
_KEEP = 500  # job records kept on disk; older ones are deleted


def release_memory() -> None:
    """Hand the heap a rebuild used back to the system once it is done.

    A rebuild embeds its new passages in batches whose activations, and the arrays of the index it
    builds, are freed afterwards, but glibc keeps freed heap pages in the process: measured by
    bench/rebuilds.py, a served process grew from 305 to 1,024 MiB over 12 rebuilds of report-sized
    uploads though only one index was alive (the old ones were collected). malloc_trim returns them."""
    gc.collect()  # the previous index and its answerer, if a cycle still holds them
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to trim
        pass


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class Job:
    job_id: str
    kind: str  # "add" | "remove"
    state: str = "queued"
    progress: float = 0.0
    doc_id: str | None = None
    file: str | None = None
    reason: str | None = None  # why it failed
    code: str | None = None  # the error code it failed with (duplicate_document, unsupported_document, ...)
    document: dict | None = None  # the documents.yaml entry once added
    submitted_by: str | None = None
    pid: int | None = None  # the process running it: a record whose process is gone and which never finished was interrupted
    created_at: str = field(default_factory=_now)
    updated_at: str = field(default_factory=_now)

    @property
    def finished(self) -> bool:
        return self.state in ("published", "failed")


def write_record(folder: Path, job: Job) -> None:
    """Keep `job` as folder/<job_id>.json (replaced in one rename, so a reader never sees half of one)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{job.job_id}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(asdict(job)), encoding="utf-8")
    os.replace(tmp, folder / f"{job.job_id}.json")


def read_record(folder: Path, job_id: str) -> Job | None:
    if not JOB_ID.match(job_id):
        return None
    try:
        return Job(**json.loads((Path(folder) / f"{job_id}.json").read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def new_job_id() -> str:
    return secrets.token_hex(8)


def _alive(pid: int | None) -> bool:
    if not pid or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class JobsFull(Exception):
    """More corpus changes are waiting than the queue holds."""


class JobFailed(Exception):
    """A job's work failed with a code and a message the caller is shown."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


# The work of a job: given its id and a callback for its stages, returns (doc_id, documents.yaml entry) when done.
Work = Callable[[str, Callable[[str], None]], tuple[str | None, dict | None]]
Classify = Callable[[BaseException], tuple[str, str]]  # an exception -> (code, message) to report


class JobQueue:
    """The corpus-change jobs of one service process."""

    def __init__(self, folder: Path, max_queued: int, classify: Classify, on_finish: Callable[[Job], None] = lambda job: None):
        self.folder = Path(folder)
        self.max_queued = max_queued
        self._classify = classify
        self._on_finish = on_finish
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._queue: queue.Queue[tuple[str, Work, Callable[[], None]] | None] = queue.Queue()
        self._thread: threading.Thread | None = None

    # ---------------------------------------------------------------- records

    def _save(self, job: Job) -> None:
        try:
            write_record(self.folder, job)
        except OSError as exc:  # the job still runs and is answered from memory
            log.error("job %s: record not written to %s: %s", job.job_id, self.folder, exc)

    def _update(self, job_id: str, **changes) -> Job:
        with self._lock:
            job = replace(self._jobs[job_id], updated_at=_now(), **changes)
            if "state" in changes and "progress" not in changes:
                job = replace(job, progress=PROGRESS[job.state])
            self._jobs[job_id] = job
        self._save(job)
        return job

    def get(self, job_id: str) -> Job | None:
        """A job of this process, or one on record (an earlier process's, or `inspectqa corpus add --no-wait`)."""
        if not JOB_ID.match(job_id):
            return None
        with self._lock:
            if job_id in self._jobs:
                return self._jobs[job_id]
        return read_record(self.folder, job_id)

    def settle_earlier(self, recovered: str | None) -> int:
        """Mark failed the jobs an earlier process left unfinished (it died); how many. `recovered` says what start-up recovery did."""
        count = 0
        try:
            records = sorted(self.folder.glob("*.json"), key=lambda p: p.stat().st_mtime)
        except OSError:
            return 0
        for stale in records[:-_KEEP]:
            stale.unlink(missing_ok=True)
        for path in records[-_KEEP:]:
            try:
                job = Job(**json.loads(path.read_text(encoding="utf-8")))
            except (OSError, ValueError, TypeError):
                continue
            if job.finished or _alive(job.pid):
                continue  # done, or still running in another process (`corpus add --no-wait`)
            what = recovered or "nothing of it had been changed"
            job = replace(
                job, state="failed", progress=1.0, code="interrupted", updated_at=_now(),
                reason=f"the service stopped before this change was published; at start-up {what}; send it again",
            )  # fmt: skip
            self._save(job)
            count += 1
        return count

    # ---------------------------------------------------------------- running

    def submit(self, kind: str, work: Work, cleanup: Callable[[], None] = lambda: None, **fields) -> Job:
        """Queue `work`; JobsFull when `max_queued` jobs are already waiting or running."""
        with self._lock:
            waiting = sum(1 for j in self._jobs.values() if not j.finished)
            if waiting >= self.max_queued:
                raise JobsFull(f"{waiting} corpus changes are already waiting (INSPECTQA_MAX_QUEUED_JOBS); try again when one has finished")
            job = Job(job_id=new_job_id(), kind=kind, pid=os.getpid(), **fields)
            self._jobs[job.job_id] = job
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._worker, name="inspectqa-jobs", daemon=True)
                self._thread.start()
        self._save(job)
        self._queue.put((job.job_id, work, cleanup))
        return job

    def _worker(self) -> None:
        while (item := self._queue.get()) is not None:
            job_id, work, cleanup = item
            try:
                self._run(job_id, work)
            finally:
                cleanup()
                release_memory()

    def _run(self, job_id: str, work: Work) -> None:
        try:
            doc_id, entry = work(job_id, lambda stage: self._update(job_id, state=stage))
        except BaseException as exc:  # every job ends published or failed with a reason, whatever went wrong
            code, message = self._classify(exc)
            if code == "internal_error":
                log.exception("job %s failed", job_id)
            job = self._update(job_id, state="failed", code=code, reason=message)
        else:
            changes = {"doc_id": doc_id} if doc_id else {}
            job = self._update(job_id, state="published", document=entry, **changes)
        try:
            self._on_finish(job)
        except Exception:
            log.exception("job %s: finishing note failed", job_id)

    def wait_idle(self, timeout: float = 60.0) -> bool:
        """For tests and shutdown: wait until no job is waiting or running."""
        import time

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if all(j.finished for j in self._jobs.values()):
                    return True
            time.sleep(0.05)
        return False

    def stop(self) -> None:
        self._queue.put(None)
