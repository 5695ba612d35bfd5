"""A real HTTP server on loopback, for clients no in-process transport reaches
(aiohttp, urllib, another language, curl, a browser).

One waitress server per fake being served, started on first use and kept for the
session; each test points a server at its own fake and lets go of it at teardown.
waitress does the HTTP: request parsing, chunked bodies, keep-alive, and the bounds a
hostile client meets (a body cap, an idle timeout, a connection cap; a request reaches
a thread only once it is whole). Why waitress: docs/architecture.md, "The server".
"""

from __future__ import annotations

import contextlib
import socket
import threading
from typing import TYPE_CHECKING, Any, Callable
from urllib.parse import urlsplit

from .._compat import real_seconds, waitress_connection, waitress_real_time
from .._redact import scrub_path
from ..core.faults import phrase
from ..core.wire import FakeRequest, NetworkError
from ..errors import UsageTypeError, UsageValueError
from .base import NoAnswer, no_endpoint, outcome_of
from .bounds import CONNECTION_TIMEOUT, MAX_BODY, MAX_CONNECTIONS, MEMORY_BODY, WORKERS

if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Protocol

    from _typeshed.wsgi import StartResponse, WSGIEnvironment

    from ..core.fake import FakeProvider
    from ..core.wire import Reply
    from .base import Outcome

    class Control(Protocol):
        """Answers a control request for the fake a server serves (``scope``: the
        :data:`Router`'s, for a request it routed elsewhere)."""

        def __call__(
            self, fake: FakeProvider, request: FakeRequest, scope: object = None
        ) -> Outcome: ...

        def refusal(self, request: FakeRequest) -> Reply | None:
            """The answer to a request that may not drive the control API (known from
            its headers, before its body is read), or ``None``."""

    #: Sees each request a server answered, and what it made of it.
    Observer = Callable[[FakeProvider, FakeRequest, Outcome], None]

    class Router(Protocol):
        """Who answers a path the served fake does not own (a tenant's ``/t/<id>/...``
        on ``bizauth serve``): None (the served fake), a reply (sent as is), or
        ``(fake, path, scope)``: ``fake`` answers ``path`` inside ``scope.reading()``,
        and the control API is told of ``scope``."""

        def __call__(
            self, fake: FakeProvider, path: str
        ) -> Reply | tuple[FakeProvider, str, Any] | None: ...


__all__ = ["CONTROL_PREFIX", "LoopbackServer", "ServerPool"]

#: Where a server with a control API answers it: no vendor path starts so.
CONTROL_PREFIX = "/_bizauth/"

# Errors of the fakes kept for a test's teardown, at most.
_MAX_ERRORS = 20
#: The longest a test may make a ``timeout`` fault hold its answer: an hour.
MAX_HOLD = 3600.0
#: How long a ``timeout`` fault holds its answer, at most, before closing the connection.
DEFAULT_HOLD = 5.0
_TICK = 0.05


class _Slot:
    """One server on one port, serving at most one fake at a time."""

    def __init__(self, pool: ServerPool, host: str, port: int) -> None:
        from waitress.server import create_server

        waitress_real_time(real_seconds())  # idle timeouts in real seconds, clock or not
        self.pool = pool
        self.fake: FakeProvider | None = None
        self.released = threading.Event()
        # Bound here, so that a taken port is an OSError its caller can explain.
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        listener = socket.create_server((host, port), family=family, backlog=128)
        self.connections: dict[int, socket.socket] = {}  # waitress's map of its sockets
        try:
            self.server = create_server(
                self._app,
                map=self.connections,
                sockets=[listener],
                threads=WORKERS,
                ident="pytest-bizauth",
                max_request_body_size=MAX_BODY + 1,  # waitress refuses the size itself
                inbuf_overflow=MEMORY_BODY,
                channel_timeout=CONNECTION_TIMEOUT,
                cleanup_interval=1,
                connection_limit=MAX_CONNECTIONS + 2,  # and its listener and its waker
                asyncore_use_poll=True,  # no select(): past 1024 sockets too
                channel_request_lookahead=1,  # so that a held answer sees the client leave
                log_socket_errors=False,
                expose_tracebacks=False,
            )
        except BaseException:
            listener.close()
            raise
        self.port = listener.getsockname()[1]
        self.url = f"http://{f'[{host}]' if family == socket.AF_INET6 else host}:{self.port}"
        self.thread = threading.Thread(
            target=self.server.run, name=f"bizauth-server-{self.port}", daemon=True
        )
        self.thread.start()

    def bind(self, fake: FakeProvider) -> None:
        self.released.clear()
        self.fake = fake

    def release(self) -> None:
        self.fake = None
        self.released.set()

    def close(self) -> None:
        from waitress import wasyncore

        self.release()
        self.server.task_dispatcher.shutdown()
        wasyncore.close_all(self.connections)  # the listener and every connection

    # -- the WSGI application -------------------------------------------------------------

    def _app(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        fake = self.fake
        if fake is None:
            return _plain(start_response, 503, "pytest-bizauth: no fake is served here now")
        try:
            return self._answer(fake, environ, start_response)
        except Exception as exc:  # surfaced in the test at teardown
            self.pool.record(exc)
            return _plain(start_response, 500, f"pytest-bizauth: the fake raised {exc!r}")

    def _answer(
        self, fake: FakeProvider, environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes]:
        from werkzeug.datastructures import EnvironHeaders

        target = urlsplit(str(environ.get("REQUEST_URI") or environ.get("PATH_INFO") or "/"))
        method = str(environ["REQUEST_METHOD"])
        headers = dict(EnvironHeaders(environ))
        path, scope = target.path, None
        if self.pool.router is not None:
            routed = self.pool.router(fake, path)
            if isinstance(routed, tuple):
                fake, path, scope = routed
            elif routed is not None:
                return self._reply(routed, start_response)
        control = self.pool.control
        if control is not None and path.startswith(CONTROL_PREFIX):
            # Who may drive the control API is known before its body is read.
            asked = FakeRequest.build(method, path, headers, b"", target.query)
            refused = control.refusal(asked)
            if refused is not None:
                return self._reply(refused, start_response)
        body = environ["wsgi.input"].read(MAX_BODY)  # whole: waitress took it, to the cap
        request = FakeRequest.build(method, path, headers, body, target.query)
        with contextlib.nullcontext() if scope is None else scope.reading():
            if control is not None and path.startswith(CONTROL_PREFIX):
                outcome: Outcome = control(fake, request, scope)
            else:
                outcome = outcome_of(fake, request)
        if self.pool.on_request is not None:
            self.pool.on_request(fake, request, outcome)
        if isinstance(outcome, NoAnswer):
            return self._no_answer(outcome, fake, request, environ, start_response)
        return self._reply(outcome, start_response)

    @staticmethod
    def _reply(reply: Reply, start_response: StartResponse) -> list[bytes]:
        content = reply.content()
        headers = [(k, v) for k, v in reply.all_headers().items() if k.lower() != "content-length"]
        start_response(
            _status_line(reply.status), [*headers, ("Content-Length", str(len(content)))]
        )
        return [content]

    def _no_answer(
        self,
        no_answer: NoAnswer,
        fake: FakeProvider,
        request: FakeRequest,
        environ: WSGIEnvironment,
        start_response: StartResponse,
    ) -> Iterable[bytes]:
        """An unserved path answers 404 over HTTP; an injected fault drops the
        connection, after holding it for a timeout."""
        if no_answer.unserved:
            path = scrub_path(request.path)
            text = f"pytest-bizauth: {no_endpoint(fake, request.method, path)}"
            return _plain(start_response, 404, text)
        if no_answer.kind is NetworkError.TIMEOUT:
            self._hold(environ["waitress.client_disconnected"])
        # Nothing is sent: the connection closes before the answer's first byte, and
        # waitress finds it closed when it writes.
        write = start_response("500 Internal Server Error", [("Content-Length", "0")])
        connection = waitress_connection(write)
        if connection is not None:  # else the client has gone already
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        return []

    def _hold(self, client_left: Callable[[], bool]) -> None:
        """Answer nothing until the client gives up (closes), the test ends, or the
        pool's hold time passes. Counted in real time: the frozen clock does not move."""
        for _ in range(max(1, int(self.pool.hold / _TICK))):
            if client_left() or self.released.wait(_TICK):
                return


def _status_line(status: int) -> str:
    return f"{status} {phrase(status) or 'Unknown'}"


def _plain(start_response: StartResponse, status: int, text: str) -> list[bytes]:
    content = text.encode()
    start_response(
        _status_line(status),
        [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(content)))],
    )
    return [content]


class ServerPool:
    """Servers on loopback, one per fake being served, reused from test to test."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        hold: float = DEFAULT_HOLD,
        *,
        control: Control | None = None,
        on_request: Observer | None = None,
        router: Router | None = None,
    ) -> None:
        self.host = host
        #: Routes paths the served fake does not own (``bizauth serve``'s tenants).
        self.router = router
        self.hold = hold
        #: Answers requests under ``/_bizauth/`` instead of the fake (``bizauth serve``).
        self.control = control
        #: Told of every request and its reply (``None``: no route).
        self.on_request = on_request
        self.errors: list[BaseException] = []
        self._slots: list[_Slot] = []
        self._lock = threading.Lock()

    def url_for(self, fake: FakeProvider, port: int = 0) -> str:
        """The base URL of a server serving ``fake`` (started, or taken from the free
        ones, on first use)."""
        with self._lock:
            for slot in self._slots:
                if slot.fake is fake:
                    return slot.url
            free = next((s for s in self._slots if s.fake is None and port in (0, s.port)), None)
            if free is None:
                free = _Slot(self, self.host, port)
                self._slots.append(free)
            free.bind(fake)
            return free.url

    def rebind(self, old: FakeProvider, new: FakeProvider) -> None:
        """Serve ``new`` wherever ``old`` was served, on the same port."""
        with self._lock:
            for slot in self._slots:
                if slot.fake is old:
                    slot.fake = new

    def release_all(self) -> None:
        with self._lock:
            for slot in self._slots:
                slot.release()

    def record(self, error: BaseException) -> None:
        """Keep a fake's error for the test's teardown: the first few only, as each
        holds its frames (``bizauth serve`` never takes them)."""
        if len(self.errors) < _MAX_ERRORS:
            self.errors.append(error)

    def take_errors(self) -> list[BaseException]:
        errors, self.errors = self.errors, []
        return errors

    def close(self) -> None:
        with self._lock:
            for slot in self._slots:
                slot.close()
            self._slots.clear()


class LoopbackServer:
    """The fakes over real HTTP on 127.0.0.1: ``url_for(fake)`` is the base URL that
    serves ``fake`` at the vendor's own paths, for this test."""

    def __init__(self, pool: ServerPool) -> None:
        self._pool = pool

    def url_for(self, fake: FakeProvider) -> str:
        """``http://127.0.0.1:<port>``, serving ``fake`` until the test ends."""
        if not hasattr(fake, "handle"):
            raise UsageTypeError(
                f"url_for() takes a fake (such as bizauth's *_mock fixtures give), "
                f"not {type(fake).__name__}"
            )
        return self._pool.url_for(fake)

    @property
    def hold(self) -> float:
        """Seconds a ``timeout`` fault holds its answer at most (the client should give
        up sooner), before the server closes the connection."""
        return self._pool.hold

    @hold.setter
    def hold(self, seconds: float) -> None:
        if (
            isinstance(seconds, bool)
            or not isinstance(seconds, (int, float))
            or not 0 < seconds <= MAX_HOLD  # NaN and infinities too
        ):
            raise UsageValueError(
                f"hold must be a number of seconds above 0 and at most {MAX_HOLD}, not {seconds!r}"
            )
        self._pool.hold = float(seconds)

    def mount(self, fake: FakeProvider) -> None:
        self.url_for(fake)

    def start(self) -> None:
        """Servers start on first use."""

    def stop(self) -> None:
        self._pool.release_all()
        self._pool.hold = DEFAULT_HOLD

    def verify(self) -> None:
        """Re-raise, in the test, the first exception raised in a server thread."""
        errors = self._pool.take_errors()
        if errors:
            raise errors[0]

    def __repr__(self) -> str:
        return f"LoopbackServer(host={self._pool.host!r})"
