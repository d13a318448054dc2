"""Request limits as ASGI middleware: body size (413), rate per caller (429), time (504).

Each answers with the service's JSON error shape and never lets the limit turn into a 500.
"""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass

from service.errors import error_response

# Probes and scrapes are never throttled nor timed out: an orchestrator must always see the service's state
# (a liveness probe answering 504 under load would get a busy but healthy service restarted).
UNLIMITED_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


class BodyLimitMiddleware:
    """Reads the body (at most `max_bytes`) before the app sees it: 413 on a Content-Length over the
    cap or on a stream that runs past it. The buffered body is left in scope for the request log."""

    def __init__(self, app, max_bytes: int, path_limits: dict[str, int] | None = None):
        self.app = app
        self.max_bytes = max_bytes
        self.path_limits = path_limits or {}  # routes that take files (uploads) have their own cap

    @staticmethod
    def _too_large(limit: int):
        return error_response(413, "too_large", f"request body is larger than {limit} bytes")

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            return await self.app(scope, receive, send)
        limit = self.path_limits.get(scope.get("path", ""), self.max_bytes)
        for key, value in scope.get("headers", ()):
            if key == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    return await error_response(400, "bad_request", "Content-Length is not a number")(scope, receive, send)
                if declared > limit:
                    return await self._too_large(limit)(scope, receive, send)
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                return await self._too_large(limit)(scope, receive, send)
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        scope["inspectqa.body"] = body
        replayed = False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


@dataclass
class _Bucket:
    tokens: float
    updated: float


class TokenBuckets:
    """One token bucket per caller: `per_minute` requests a minute, bursts up to `per_minute`.
    Used from the event loop only, so it needs no lock."""

    MAX_CALLERS = 10_000

    def __init__(self, per_minute: int, clock=time.monotonic):
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self.clock = clock
        self.buckets: dict[str, _Bucket] = {}

    def take(self, caller: str) -> float:
        """0 when the request may go ahead, else the seconds until it may."""
        now = self.clock()
        bucket = self.buckets.get(caller)
        if bucket is None:
            if len(self.buckets) >= self.MAX_CALLERS:
                self._forget_idle(now)
            bucket = self.buckets[caller] = _Bucket(self.capacity, now)
        bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        return (1.0 - bucket.tokens) / self.rate

    def _forget_idle(self, now: float) -> None:
        # a bucket that would be full again is the same as no bucket
        full_after = self.capacity / self.rate
        self.buckets = {k: b for k, b in self.buckets.items() if now - b.updated < full_after}
        if len(self.buckets) >= self.MAX_CALLERS:
            self.buckets.clear()


def caller_of(scope) -> str:
    identity = scope.get("state", {}).get("identity")
    if identity is not None and identity.via in ("key", "sso"):
        return f"{identity.via}:{identity.name}"
    client = scope.get("client") or ("unknown", 0)
    return f"ip:{client[0]}"


class RateLimitMiddleware:
    """429 with Retry-After once a caller (key, SSO user, or client address) runs out of tokens."""

    def __init__(self, app, per_minute: int):
        self.app = app
        self.buckets = TokenBuckets(per_minute) if per_minute > 0 else None

    async def __call__(self, scope, receive, send):
        if self.buckets is None or scope["type"] != "http" or scope["path"] in UNLIMITED_PATHS:
            return await self.app(scope, receive, send)
        wait = self.buckets.take(caller_of(scope))
        if wait > 0:
            retry = max(1, math.ceil(wait))
            response = error_response(429, "rate_limited", f"too many requests; retry after {retry} s", {"Retry-After": str(retry)})
            return await response(scope, receive, send)
        await self.app(scope, receive, send)


class TimeoutMiddleware:
    """504 JSON when the app has not started its answer within `seconds`.

    The app runs as its own task and is not awaited after the deadline: a route running in a
    worker thread cannot be interrupted, and waiting for it would defeat the timeout. Its late
    answer is dropped."""

    def __init__(self, app, seconds: float):
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"] in UNLIMITED_PATHS:
            return await self.app(scope, receive, send)
        started = False
        timed_out = False

        async def guarded_send(message):
            nonlocal started
            if timed_out:
                return
            started = True
            await send(message)

        task = asyncio.ensure_future(self.app(scope, receive, guarded_send))
        done, _ = await asyncio.wait({task}, timeout=self.seconds)
        if task in done:
            return task.result()
        if started:
            # the answer is already on its way: let it finish rather than cut a response in half
            return await task
        timed_out = True
        task.cancel()
        task.add_done_callback(lambda t: t.cancelled() or t.exception())  # no "exception never retrieved"
        response = error_response(504, "timeout", f"no answer within {self.seconds:g} s; try again, or ask a narrower question")
        await response(scope, receive, send)
