"""A running service notices a newly finished build and swaps it in; the command line learns who has.

`corpus add`, `corpus remove` and `index build` finish by pointing the index symlink at a new
build (index.build.store.swap_in). Every few seconds (INSPECTQA_INDEX_POLL_SECONDS) each service
process compares that pointer with the build it serves and, when they differ, swaps the new one in
through the same function as POST /admin/reload. It watches the pointer, never the corpus: a
half-edited documents.yaml or a build still being written is not an index.

Each process also keeps a small heartbeat file beside the index (which build it serves, when it
last looked), so the command line can say which services picked a change up, or how long that takes.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("inspectqa")

# a heartbeat older than this many poll intervals (plus a grace) belongs to a service that is gone
_STALE_INTERVALS = 3
_STALE_GRACE_SECONDS = 5.0


def index_pointer(index_dir: Path) -> str | None:
    """Which finished build `index_dir` points at: its resolved folder and build time; None when there is none."""
    index_dir = Path(index_dir)
    try:
        manifest = json.loads((index_dir / "manifest.json").read_text(encoding="utf-8"))
        return f"{index_dir.resolve().name}@{manifest['built_at']}"
    except (OSError, ValueError, KeyError, TypeError):
        return None


def served_pointer(index) -> str:
    """The same identity for a loaded index (its `path` is the resolved build folder)."""
    return f"{Path(index.path).name}@{index.manifest.built_at}"


def heartbeats_dir(index_dir: Path) -> Path:
    index_dir = Path(index_dir)
    return index_dir.parent / f".{index_dir.name}.services"


@dataclass(frozen=True)
class Heartbeat:
    pid: int
    host: str
    listen: str  # "host:port" the service was started on, or "" when not known
    serves: str | None  # index_pointer of the build it serves; None while it serves none
    seen_at: float  # time.time() of its last look at the pointer
    poll_seconds: float

    def describe(self) -> str:
        where = f" on {self.listen}" if self.listen else ""
        return f"service pid {self.pid}{where}"

    def is_stale(self, now: float) -> bool:
        return now - self.seen_at > _STALE_INTERVALS * max(self.poll_seconds, 1.0) + _STALE_GRACE_SECONDS


def write_heartbeat(folder: Path, beat: Heartbeat) -> None:
    """Atomically replace this process's heartbeat file (write then rename)."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{beat.host}-{beat.pid}.json"
    tmp = folder / f".{target.name}.{uuid.uuid4().hex[:8]}"
    tmp.write_text(json.dumps(beat.__dict__), encoding="utf-8")
    os.replace(tmp, target)


def remove_heartbeat(folder: Path, pid: int, host: str) -> None:
    (folder / f"{host}-{pid}.json").unlink(missing_ok=True)


def read_heartbeats(folder: Path, now: float | None = None) -> list[Heartbeat]:
    """The heartbeats of services still running (stale ones are ignored), oldest pid first."""
    now = time.time() if now is None else now
    beats = []
    for path in sorted(Path(folder).glob("*.json")) if Path(folder).is_dir() else ():
        try:
            beat = Heartbeat(**json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            continue  # a file being replaced or not ours
        if not beat.is_stale(now):
            beats.append(beat)
    return sorted(beats, key=lambda b: (b.host, b.pid))


@dataclass(frozen=True)
class PickUp:
    service: Heartbeat
    seconds: float | None  # how long until it served the new build; None when it had not by the deadline


def wait_for_pickup(index_dir: Path, timeout: float, interval: float = 0.2, clock=time.monotonic, sleep=time.sleep) -> tuple[str | None, list[PickUp]]:
    """(the build now on disk, each running service and when it began serving it), waiting up to `timeout`."""
    target = index_pointer(index_dir)
    folder = heartbeats_dir(index_dir)
    started = clock()
    picked: dict[tuple[str, int], float] = {}
    while True:
        beats = read_heartbeats(folder)
        for beat in beats:
            if beat.serves == target and (beat.host, beat.pid) not in picked:
                picked[(beat.host, beat.pid)] = clock() - started
        if target is None or all((b.host, b.pid) in picked for b in beats) or clock() - started >= timeout:
            return target, [PickUp(b, picked.get((b.host, b.pid))) for b in beats]
        sleep(interval)


def pickup_report(target: str | None, pickups: list[PickUp], timeout: float) -> list[str]:
    """Lines for the command line: who serves the new build, who does not yet and what to do."""
    if target is None:
        return []
    if not pickups:
        return ["no running service found; a service started now serves the new index"]
    lines = []
    for p in pickups:
        if p.seconds is not None:
            lines.append(f"{p.service.describe()} now serves it (picked up in {p.seconds:.1f} s)")
        elif p.service.poll_seconds <= 0:
            lines.append(f"{p.service.describe()} does not watch for new builds (INSPECTQA_INDEX_POLL_SECONDS=0): POST /admin/reload or SIGHUP swaps it in")
        else:
            lines.append(
                f"{p.service.describe()} had not picked it up after {timeout:.0f} s (it looks every {p.service.poll_seconds:g} s); "
                "its log says why, and POST /admin/reload swaps it in"
            )
    return lines


class IndexWatcher:
    """The background poll of one service process: heartbeat, and a swap when the pointer moves.

    `reload` is the service's one swap function (the one POST /admin/reload uses); it returns True
    when the new build serves. A build that fails to load is not retried until the pointer moves again.
    """

    def __init__(self, index_dir: Path, poll_seconds: float, served: Callable[[], str | None], reload: Callable[[], Awaitable[bool]], listen: str = ""):
        self.index_dir = Path(index_dir)
        self.poll_seconds = poll_seconds
        self.served = served
        self.reload = reload
        self.listen = listen
        self.folder = heartbeats_dir(index_dir)
        self.host = socket.gethostname()
        self._failed: str | None = None
        self._task: asyncio.Task | None = None

    def beat(self) -> None:
        try:
            write_heartbeat(self.folder, Heartbeat(os.getpid(), self.host, self.listen, self.served(), time.time(), self.poll_seconds))
        except OSError as exc:  # a read-only var/ must not stop the service; the CLI then just cannot report
            log.warning("cannot write the service heartbeat in %s: %s", self.folder, exc)

    async def check(self) -> None:
        """One look: swap in a new finished build, then report what is served."""
        pointer = index_pointer(self.index_dir)
        if pointer is not None and pointer != self.served() and pointer != self._failed:
            log.info("a new index build is ready (%s); swapping it in", pointer)
            if not await self.reload():
                self._failed = pointer
        self.beat()

    async def _run(self) -> None:
        while True:
            try:
                await self.check()
            except Exception:  # noqa: BLE001 - the watcher must outlive any one bad look
                log.exception("index watcher check failed")
            await asyncio.sleep(self.poll_seconds)

    def start(self) -> None:
        self.beat()
        if self.poll_seconds > 0:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        remove_heartbeat(self.folder, os.getpid(), self.host)
