"""How `inspectqa serve` runs uvicorn: a deadline on each request head and a cap on connections.

uvicorn's h11 protocol arms no timer until a first response is sent, so a client that opens a
connection and never finishes its request line and headers (or trickles them a byte at a time) holds
a file descriptor for ever; enough of them exhaust the process's descriptors. `HeadDeadline` closes
any connection whose request head is not complete `header_read_seconds` after its first byte (or
after the connection opened), and `limit_concurrency` answers 503 beyond `max_connections`.
"""

from __future__ import annotations

import asyncio

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol


class HeadDeadline(H11Protocol):
    """H11Protocol that closes a connection whose request head takes longer than `seconds` to arrive."""

    seconds = 10.0
    _deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def _arm(self) -> None:
        if self._deadline is None:
            self._deadline = self.loop.call_later(self.seconds, self._too_slow)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def data_received(self, data: bytes) -> None:
        if self.conn.their_state is h11.IDLE:
            self._arm()  # the first bytes of the next request on a kept-alive connection
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:
            self._disarm()  # the head is in: from here the body limits (service/limits.py) apply

    def connection_lost(self, exc) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _too_slow(self) -> None:
        self._deadline = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.logger.info("closed a connection that sent no complete request head within %.1f s", self.seconds)
            self.transport.close()


def protocol_with_deadline(seconds: float) -> type[HeadDeadline]:
    return type("HeadDeadline", (HeadDeadline,), {"seconds": seconds})


def server_config(app, settings, host: str, port: int):
    """The uvicorn Config `inspectqa serve` runs (tests run the same one)."""
    import uvicorn

    # proxy_headers off: the peer address must be the real one, since trusted_proxies is checked against it;
    # access_log off: the service writes its own access line, with the request id;
    # keep-alive longer than a reverse proxy's idle timeout (nginx: 60 s), so the proxy, not us, closes idle connections
    return uvicorn.Config(
        app, host=host, port=port, log_config=None, access_log=False, proxy_headers=False, timeout_keep_alive=75,
        http=protocol_with_deadline(settings.header_read_seconds), limit_concurrency=settings.max_connections,
    )  # fmt: skip
