"""Connections that never finish their request head are closed; everyone else is still answered.

Review finding: 1,500 connections that never finished their headers stayed open (file descriptors
71 -> 1,565). `inspectqa serve` now closes a connection whose request line and headers are not all in
within INSPECTQA_HEADER_READ_SECONDS (service/server.py). The server here runs the same uvicorn
configuration `inspectqa serve` does, on 127.0.0.1.
"""

from __future__ import annotations

import select
import socket
import threading
import time
import urllib.request

from conftest import LiveServer

LIMIT = 1.0  # INSPECTQA_HEADER_READ_SECONDS for these tests


def _closed_within(sock: socket.socket, seconds: float, trickle: bool) -> float | None:
    """Seconds until the server closed `sock` (sending a header byte every 0.2 s if `trickle`), None if still open."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        readable, _, _ = select.select([sock], [], [], 0.2)
        if readable:
            try:
                if sock.recv(4096) == b"":
                    return time.monotonic() - started
            except ConnectionResetError:
                return time.monotonic() - started
        if trickle:
            try:
                sock.send(b"a")
            except (BrokenPipeError, ConnectionResetError):
                return time.monotonic() - started
    return None


def test_a_connection_trickling_its_headers_is_closed_while_normal_requests_are_answered(settings, encoder, built_index):
    from service.main import create_app

    served = settings.model_copy(update={"header_read_seconds": LIMIT, "max_connections": 200})
    with LiveServer(create_app(served, encoder), served) as server:
        trickling = []
        for _ in range(20):
            sock = socket.create_connection(("127.0.0.1", server.port))
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            trickling.append(sock)
        idle = socket.create_connection(("127.0.0.1", server.port))  # opens and never sends a byte
        closes: dict[int, float | None] = {}

        def watch(n, sock, trickle):
            closes[n] = _closed_within(sock, LIMIT + 4, trickle)

        watchers = [threading.Thread(target=watch, args=(n, s, True)) for n, s in enumerate(trickling)]
        watchers.append(threading.Thread(target=watch, args=(len(trickling), idle, False)))
        for w in watchers:
            w.start()
        answered = []
        for _ in range(10):  # while they trickle, ordinary requests are answered at once
            with urllib.request.urlopen(f"{server.url}/healthz", timeout=5) as reply:
                answered.append(reply.status)
            time.sleep(0.1)
        for w in watchers:
            w.join()
        for sock in [*trickling, idle]:
            sock.close()
    assert answered == [200] * 10
    assert all(t is not None for t in closes.values()), f"connections still open after {LIMIT + 4} s: {closes}"
    assert max(closes.values()) < LIMIT + 1.5, closes


def test_a_complete_slow_client_is_not_cut_off_by_the_head_deadline(settings, encoder, built_index):
    """The deadline is on the head only: a keep-alive connection idle between requests, then a prompt request, is answered."""
    from service.main import create_app

    served = settings.model_copy(update={"header_read_seconds": LIMIT})
    with LiveServer(create_app(served, encoder), served) as server:
        with socket.create_connection(("127.0.0.1", server.port)) as sock:
            for _ in range(2):
                sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                reply = b""
                while not reply.endswith(b'{"status":"ok"}'):  # head and body may come in separate segments
                    chunk = sock.recv(4096)
                    assert chunk, f"closed after {reply!r}"
                    reply += chunk
                assert reply.startswith(b"HTTP/1.1 200"), reply
                time.sleep(LIMIT + 0.5)  # idle longer than the head deadline: keep-alive, not a slow head
