"""What bounds a loopback server: the body it reads, how long a connection may stall,
how many connections it serves at once. A request over a bound is refused; no request,
however it is sent, holds the server's memory or threads."""

from __future__ import annotations

import io
import threading
from typing import IO, TYPE_CHECKING, Callable

if TYPE_CHECKING:
    import socket
    import socketserver

__all__ = [
    "CONNECTION_TIMEOUT",
    "MAX_BODY",
    "MAX_CONNECTIONS",
    "LastLine",
    "TooLong",
    "bound_connections",
    "bounded_body",
]

#: The largest request body a server reads (a vendor's mail may carry 20MB of
#: attachments); a longer one is answered 413 unread, or as soon as it passes this.
MAX_BODY = 32 * 1024 * 1024
#: Real seconds a connection may take to send its request line and headers, or stay
#: idle between reads, before the server closes it.
CONNECTION_TIMEOUT = 10.0
#: Connections a server handles at once; one more is closed at once.
MAX_CONNECTIONS = 256


class TooLong(Exception):
    """A request body over :data:`MAX_BODY`."""


def bounded_body(stream: IO[bytes], declared: object) -> bytes:
    """The request body, read up to :data:`MAX_BODY` (a longer declared length is
    refused before any of it is read; a chunked body as soon as it passes the cap)."""
    if str(declared or "").strip().isdigit() and int(str(declared)) > MAX_BODY:
        raise TooLong
    body = bytearray()
    while chunk := stream.read(65_536):
        body += chunk
        if len(body) > MAX_BODY:
            raise TooLong
    return bytes(body)


def bound_connections(server: socketserver.BaseServer, most: int) -> None:
    """Let ``server`` handle at most ``most`` connections at once; it closes one more
    at once rather than start a thread for it."""
    slots = threading.BoundedSemaphore(most)
    process: Callable[..., None] = server.process_request
    finish: Callable[..., None] = getattr(server, _THREAD)

    def process_request(request: socket.socket, client_address: object) -> None:
        if not slots.acquire(blocking=False):
            server.shutdown_request(request)
            return
        try:
            process(request, client_address)
        except BaseException:
            slots.release()
            raise

    def process_request_thread(request: socket.socket, client_address: object) -> None:
        try:
            finish(request, client_address)
        finally:
            slots.release()

    setattr(server, _PROCESS, process_request)
    setattr(server, _THREAD, process_request_thread)


# The ThreadingMixIn methods that start and run a connection's thread.
_PROCESS, _THREAD = "process_request", "process_request_thread"


class LastLine(io.BufferedIOBase):
    """A request's reader while its headers are parsed, remembering the last line read:
    whether the headers ended with their blank line, or with the connection."""

    def __init__(self, raw: io.BufferedIOBase) -> None:
        super().__init__()
        self.raw = raw
        self.last = b""

    @property
    def ended(self) -> bool:
        return self.last in (b"\r\n", b"\n")

    def readline(self, limit: int | None = -1) -> bytes:
        self.last = self.raw.readline(limit)
        return self.last
