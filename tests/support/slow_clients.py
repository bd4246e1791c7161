"""Slow clients: raw sockets that send a request's header, or its body, a byte at a time.

Half of them trickle the header of a GET (never ending it); the other half send a whole callback
POST header announcing a large body and then trickle the body. A thread sends one byte on every
open socket each `every` seconds and notes when the server closes one (an answer such as 408, a
reset or an end of stream). With `reopen`, a closed one is replaced, so that `count` stay open.
"""

from __future__ import annotations

import contextlib
import select
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from tests.support.waiting import until

BODY_BYTES = 100_000  # the body each body trickler announces (and never finishes)


def _header_start(host: str) -> bytes:
    return f"GET / HTTP/1.1\r\nHost: {host}\r\nX-Slow: ".encode()


def _body_start(host: str) -> bytes:
    return (
        f"POST /_dash-update-component HTTP/1.1\r\nHost: {host}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {BODY_BYTES}\r\n\r\n{{"
    ).encode()


@dataclass
class SlowClients:
    """The state of the slow connections: how many were opened, how many the server closed."""

    opened: int = 0
    closed: int = 0
    open_sockets: list[socket.socket] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def open(self) -> int:
        """How many slow connections are open now."""
        with self.lock:
            return len(self.open_sockets)


def _connect(host: str, port: int, start: bytes) -> socket.socket:
    sock = socket.create_connection((host, port), timeout=5)
    sock.sendall(start)
    sock.setblocking(False)
    return sock


def _server_closed(sock: socket.socket) -> bool:
    """Whether the server answered or closed `sock` (a byte is sent on it, unless so)."""
    try:
        if select.select([sock], [], [], 0)[0]:
            sock.recv(4096)
            return True  # an answer (408, 400) or the end of the stream: the server is done
        sock.send(b"x")
    except (BlockingIOError, InterruptedError):
        return False  # send buffer full: still open
    except OSError:
        return True  # reset or broken pipe
    return False


def _trickle(url: str, clients: SlowClients, count: int, every: float, reopen: bool, stop) -> None:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    starts = [_header_start(parts.netloc), _body_start(parts.netloc)]
    while not stop.is_set():
        with clients.lock:
            done = [sock for sock in clients.open_sockets if _server_closed(sock)]
            for sock in done:
                clients.open_sockets.remove(sock)
                sock.close()
            clients.closed += len(done)
            while (reopen or clients.opened < count) and len(clients.open_sockets) < count:
                start = starts[clients.opened % 2]
                clients.open_sockets.append(_connect(host, port, start))
                clients.opened += 1
        stop.wait(every)


@contextlib.contextmanager
def slow_clients(
    url: str, count: int = 64, *, every: float = 1.0, reopen: bool = False
) -> Iterator[SlowClients]:
    """`count` slow connections to the server at `url` while the block runs; yields their state."""
    clients = SlowClients()
    stop = threading.Event()
    thread = threading.Thread(
        target=_trickle, args=(url, clients, count, every, reopen, stop), daemon=True
    )
    thread.start()
    try:
        until(lambda: clients.opened >= count, 30, every=0.05, what=f"{count} slow connections")
        yield clients
    finally:
        stop.set()
        thread.join(10)
        for sock in clients.open_sockets:
            sock.close()
