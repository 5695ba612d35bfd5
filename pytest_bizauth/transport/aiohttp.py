"""Serve fakes to ``aiohttp`` in-process: while a test runs, a ``TCPConnector`` asked to
connect to a fake's host gets a connection that lives in memory. aiohttp writes its
request to it as to a socket, h11 reads the request, the fake answers, and aiohttp reads
the answer as it would a server's: its own request and response code runs, with no
socket, no DNS and no TLS. A connection to any other host is made as before (the
network, or another mock that patched the connector first); a mock that stands in front
of the connector (aioresponses) answers first, and hands the fakes' hosts on when told
to pass them through."""

from __future__ import annotations

import asyncio
import errno
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

import aiohttp
import h11

from .._compat import (
    aiohttp_connector_method,
    aiohttp_response_handler,
    set_aiohttp_connector_method,
)
from ..core.wire import NetworkError
from .base import NoAnswer, serve, served_by

if TYPE_CHECKING:
    from collections.abc import Iterable

    from ..core.fake import FakeProvider
    from ..core.wire import Reply

__all__ = ["AiohttpTransport"]

#: Headers the in-memory connection sets itself: the answer's length, and that the
#: connection closes after it (no connection outlives its answer, or the test).
_FRAMING = frozenset({"content-length", "transfer-encoding", "connection"})


def _failure(no_answer: NoAnswer, connection_key: Any) -> Exception:
    """aiohttp's own exception for a request with no answer: a refused connection (not
    retried), a timeout, or a connection dropped mid-request (which aiohttp retries once
    for an idempotent method, as it would with a server)."""
    if no_answer.unserved:
        refused = ConnectionRefusedError(errno.ECONNREFUSED, no_answer.why)
        return aiohttp.ClientConnectorError(connection_key, refused)
    if no_answer.kind is NetworkError.TIMEOUT:
        return aiohttp.ServerTimeoutError(no_answer.why)
    return aiohttp.ClientOSError(errno.ECONNRESET, no_answer.why)


def _answer_bytes(server: h11.Connection, reply: Reply, method: str) -> bytes:
    """The reply as an HTTP/1.1 server would write it, on the connection (h11's server
    side) that read the request."""
    content = reply.content()
    bodiless = method == "HEAD" or reply.status in (204, 304)
    headers = [(k, v) for k, v in reply.all_headers().items() if k.lower() not in _FRAMING]
    if reply.status not in (204, 304):
        headers.append(("Content-Length", str(len(content))))
    headers.append(("Connection", "close"))
    try:
        reason = HTTPStatus(reply.status).phrase
    except ValueError:
        reason = ""
    out = server.send(h11.Response(status_code=reply.status, headers=headers, reason=reason))
    if not bodiless and content:
        out = (out or b"") + (server.send(h11.Data(data=content)) or b"")
    return (out or b"") + (server.send(h11.EndOfMessage()) or b"")


class _MemoryConnection(asyncio.Transport):
    """One connection to a fake: takes the bytes of one request, answers it, closes."""

    def __init__(self, loop: asyncio.AbstractEventLoop, protocol: Any, fake: FakeProvider,
                 request: Any) -> None:  # fmt: skip
        super().__init__()
        self._loop = loop
        self._protocol = protocol
        self._fake = fake
        self._origin = str(request.url.origin())
        self._key = request.connection_key
        self._reader = h11.Connection(h11.SERVER)
        self._request: h11.Request | None = None
        self._body = bytearray()
        self._closing = False

    # -- what aiohttp writes -------------------------------------------------------------

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if self._closing:
            return
        self._reader.receive_data(bytes(data))
        while True:
            try:
                event = self._reader.next_event()
            except h11.RemoteProtocolError as exc:
                why = f"pytest-bizauth could not read the request aiohttp wrote: {exc}"
                self._fail(aiohttp.ClientOSError(errno.EPROTO, why))
                return
            if event is h11.NEED_DATA or event is h11.PAUSED:
                return
            if isinstance(event, h11.Request):
                self._request = event
                if self._reader.they_are_waiting_for_100_continue:
                    # aiohttp's expect100: it sends the body once the server says so.
                    go_on = self._reader.send(
                        h11.InformationalResponse(status_code=100, headers=[], reason="Continue")
                    )
                    self._loop.call_soon(self._protocol.data_received, go_on)
            elif isinstance(event, h11.Data):
                self._body += event.data
            elif isinstance(event, h11.EndOfMessage):
                self._loop.call_soon(self._answer)
                return

    def writelines(self, list_of_data: Iterable[bytes | bytearray | memoryview]) -> None:
        for data in list_of_data:
            self.write(data)

    def _answer(self) -> None:
        request = self._request
        if self._closing or request is None:
            return
        method = request.method.decode("ascii")
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in request.headers}
        target = request.target.decode("ascii")
        # Through a proxy, aiohttp asks for the absolute URL rather than its path.
        url = target if target.startswith(("http://", "https://")) else self._origin + target
        outcome = serve(self._fake, method, url, headers, bytes(self._body))
        if isinstance(outcome, NoAnswer):
            self._fail(_failure(outcome, self._key))
            return
        self._protocol.data_received(_answer_bytes(self._reader, outcome, method))
        self.close()

    def _fail(self, exc: Exception) -> None:
        self._protocol.set_exception(exc)
        self.close()

    # -- the rest of a transport ---------------------------------------------------------

    def close(self) -> None:
        if not self._closing:
            self._closing = True
            self._loop.call_soon(self._protocol.connection_lost, None)

    def abort(self) -> None:
        self.close()

    def is_closing(self) -> bool:
        return self._closing

    def get_extra_info(self, name: str, default: object = None) -> Any:
        return default

    def can_write_eof(self) -> bool:
        return False

    def get_write_buffer_size(self) -> int:
        return 0

    def is_reading(self) -> bool:
        return not self._closing

    def pause_reading(self) -> None:
        """Nothing to pause: the answer is handed over whole."""

    def resume_reading(self) -> None:
        """Nothing to resume."""


class AiohttpTransport:
    """The fakes, reachable from ``aiohttp.ClientSession`` with no socket."""

    def __init__(self) -> None:
        self.fakes: list[FakeProvider] = []
        self._saved: object = None

    def mount(self, fake: FakeProvider) -> None:
        self.fakes.append(fake)

    def start(self) -> None:
        if self._saved is not None:
            return
        original = self._saved = aiohttp_connector_method()
        ours = self

        async def create_connection(connector: Any, request: Any, traces: Any, timeout: Any) -> Any:
            url = str(request.url)
            fake = next((f for f in ours.fakes if served_by(f.base_url, url)), None)
            if fake is None:
                return await original(connector, request, traces, timeout)
            loop = asyncio.get_running_loop()
            protocol = aiohttp_response_handler(loop)
            protocol.connection_made(_MemoryConnection(loop, protocol, fake, request))
            return protocol

        set_aiohttp_connector_method(create_connection)

    def stop(self) -> None:
        if self._saved is None:
            return
        set_aiohttp_connector_method(self._saved)
        self._saved = None
        self.fakes.clear()

    def verify(self) -> None:
        """Nothing to check: the fakes record what went wrong themselves."""
