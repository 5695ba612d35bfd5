"""How a webhook reaches its receiver: POSTed to a URL over real HTTP, or handed to a
WSGI or ASGI application in-process (no socket, and no mock of the test's in the way),
at the path the receiver's route expects.

Every delivery has one deadline for the whole of it (connecting, sending, the answer's
status, headers and body) and reads at most ``cap`` bytes of the answer: a receiver
that never answers, trickles, streams without end or answers too much ends the
delivery in time, as a refused one with a one-line reason (:class:`Undelivered`), and
so does a receiver that breaks HTTP or raises. An in-process application runs in a
thread of its own, which ends with the delivery (an ASGI application is cancelled; a
WSGI application's answer is read no further). A URL is sent directly, never through a
proxy, and a redirect is not followed.
"""

from __future__ import annotations

import asyncio
import http.client
import inspect
import json
import threading
from typing import TYPE_CHECKING, Any, Callable, Union
from urllib.parse import urlsplit

from .._compat import real_seconds
from .._redact import scrub_path
from .workers import Workers

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from .._types import JSONObject, JSONView

__all__ = ["ANSWER_CAP", "TIMEOUT", "Target", "Undelivered", "decoded", "send_once", "where"]

#: Where webhooks go: a URL, a WSGI application or an ASGI application.
Target = Union[str, Callable[..., Any]]
#: How long a whole delivery may take, in real seconds, unless told.
TIMEOUT = 10.0
#: The most of an answer a delivery reads: a receiver's answer is a short JSON object.
ANSWER_CAP = 1024 * 1024


class Undelivered(Exception):
    """A delivery that got no usable answer; the message says why, in one line."""


def where(target: Target) -> str:
    """How a target is named in records and messages: an application by its name, a
    URL without its credentials and with its query's values masked."""
    if not isinstance(target, str):
        return str(getattr(target, "__name__", type(target).__name__))
    parts = urlsplit(target)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    query = "&".join(f"{pair.partition('=')[0]}=***" for pair in parts.query.split("&") if pair)
    return f"{parts.scheme}://{netloc}{scrub_path(parts.path)}" + (f"?{query}" if query else "")


def _is_asgi(app: Callable[..., object]) -> bool:
    call = getattr(app, "__call__", None)  # noqa: B004  (a class's instances too)
    return inspect.iscoroutinefunction(app) or inspect.iscoroutinefunction(call)


def decoded(content: bytes) -> Any:
    """A receiver's answer: its JSON, else its text (the first 500 characters)."""
    try:
        return json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return content.decode("utf-8", "replace")[:500]


class _Answer:
    """An answer being read, up to the cap."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.status: int | None = None
        self.body = bytearray()

    def add(self, chunk: bytes) -> None:
        self.body += chunk
        if len(self.body) > self.cap:
            raise Undelivered(f"the answer was longer than {self.cap} bytes")


def _to_url(
    url: str, content: bytes, headers: Mapping[str, str], timeout: float, cap: int
) -> tuple[int, bytes]:
    clock = real_seconds()  # real seconds, whatever the test's clock reads
    deadline = clock() + timeout
    parts = urlsplit(url)
    kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = kind(parts.hostname or "", parts.port, timeout=timeout)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    answer = _Answer(cap)
    try:
        connection.request("POST", target, body=content, headers=dict(headers))
        response = connection.getresponse()
        answer.status = response.status
        while chunk := _read_by(connection, response, deadline, clock):
            answer.add(chunk)
        if response.length:  # the connection closed before the body's length
            raise http.client.IncompleteRead(bytes(answer.body), response.length)
    except (OSError, http.client.HTTPException) as exc:
        raise Undelivered(_failure(exc, clock() >= deadline)) from None
    finally:
        connection.close()
    assert answer.status is not None
    return answer.status, bytes(answer.body)


def _read_by(
    connection: http.client.HTTPConnection,
    response: http.client.HTTPResponse,
    deadline: float,
    clock: Callable[[], float],
) -> bytes:
    left = deadline - clock()
    if left <= 0:
        raise TimeoutError
    if connection.sock is not None:
        connection.sock.settimeout(left)
    return response.read1(65_536)


def _failure(exc: BaseException, late: bool) -> str:
    if isinstance(exc, TimeoutError) or late:
        return "no answer within the deadline"
    if isinstance(exc, OSError):  # refused, unreachable, reset
        return f"no answer: {_one_line(exc)}"
    return f"no usable answer: {_one_line(exc)}"  # the receiver broke HTTP


def _one_line(exc: BaseException) -> str:
    """An exception's type and the first line of its message, cut short."""
    lines = str(exc).splitlines()
    return f"{type(exc).__name__}: {lines[0][:200]}" if lines else type(exc).__name__


# The threads receivers run in, reused from delivery to delivery.
_WORKERS = Workers()


def _in_thread(run: Callable[[], None], stop: Callable[[], None], timeout: float) -> None:
    """Run ``run`` on a worker thread for at most ``timeout`` seconds; past that,
    ``stop`` it and wait (a second at most) for it to end."""
    done = _WORKERS.run(run, timeout)
    if not done.is_set():
        stop()
        done.wait(1.0)
        raise Undelivered("no answer within the deadline")


def _to_wsgi(
    app: Callable[..., Any],
    content: bytes,
    headers: Mapping[str, str],
    path: str,
    timeout: float,
    cap: int,
) -> tuple[int, bytes]:
    from werkzeug.test import EnvironBuilder, run_wsgi_app

    builder = EnvironBuilder(path=path, method="POST", headers=list(headers.items()), data=content)
    answer = _Answer(cap)
    outcome: list[BaseException] = []
    stopped = threading.Event()

    def run() -> None:
        app_iter: Iterable[bytes] = ()
        try:
            app_iter, status, _ = run_wsgi_app(app, builder.get_environ())
            answer.status = int(status.split()[0])
            for chunk in app_iter:
                answer.add(chunk)
                if stopped.is_set():
                    return
        except BaseException as exc:  # the application's, reported as the delivery's
            outcome.append(exc)
        finally:
            close = getattr(app_iter, "close", None)
            if close is not None:
                close()

    try:
        _in_thread(run, stopped.set, timeout)
    finally:
        builder.close()
    return _answered(answer, outcome)


def _answered(answer: _Answer, outcome: list[BaseException]) -> tuple[int, bytes]:
    """An application's answer, or why there is none (its exception, or no status)."""
    _raise_failure(outcome)
    if answer.status is None:
        raise Undelivered("the application gave no status")
    return answer.status, bytes(answer.body)


def _raise_failure(outcome: list[BaseException]) -> None:
    if not outcome:
        return
    exc = outcome[0]
    if isinstance(exc, Undelivered):
        raise exc
    text = str(exc).splitlines()[0][:200] if str(exc) else ""
    raise Undelivered(
        f"the application raised {type(exc).__name__}" + (f": {text}" if text else "")
    )


def _scope(path: str, headers: Mapping[str, str]) -> JSONObject:
    route, _, query = path.partition("?")
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": route,
        "raw_path": route.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 0),
        "server": ("127.0.0.1", 80),
        "state": {},
    }


class _AsgiChannel:
    """The two ends of an ASGI connection, as a server keeps them: ``receive`` gives the
    body, then waits until the client leaves (once the answer is complete); ``send``
    reads the answer up to the cap."""

    def __init__(self, content: bytes, answer: _Answer) -> None:
        self.content, self.answer = content, answer
        self.sent = False
        self.done = asyncio.Event()

    async def receive(self) -> JSONObject:
        if not self.sent:
            self.sent = True
            return {"type": "http.request", "body": self.content, "more_body": False}
        await self.done.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: JSONView) -> None:
        if message["type"] == "http.response.start":
            self.answer.status = int(message["status"])
        elif message["type"] == "http.response.body":
            self.answer.add(bytes(message.get("body", b"")))
            if not message.get("more_body", False):
                self.done.set()


def _to_asgi(
    app: Callable[..., Any],
    content: bytes,
    headers: Mapping[str, str],
    path: str,
    timeout: float,
    cap: int,
) -> tuple[int, bytes]:
    answer = _Answer(cap)
    outcome: list[BaseException] = []
    running: list[tuple[asyncio.AbstractEventLoop, asyncio.Task[None]]] = []

    async def deliver() -> None:
        channel = _AsgiChannel(content, answer)
        task = asyncio.ensure_future(app(_scope(path, headers), channel.receive, channel.send))
        running.append((asyncio.get_running_loop(), task))
        await task

    def run() -> None:  # its own thread and loop, whether or not a loop runs here
        try:
            asyncio.run(deliver())
        except asyncio.CancelledError:
            pass
        except BaseException as exc:
            outcome.append(exc)

    def stop() -> None:
        for loop, task in running:
            loop.call_soon_threadsafe(task.cancel)

    _in_thread(run, stop, timeout)
    return _answered(answer, outcome)


def send_once(
    target: Target,
    content: bytes,
    headers: Mapping[str, str],
    path: str = "/",
    *,
    timeout: float = TIMEOUT,
    cap: int = ANSWER_CAP,
) -> tuple[int, bytes]:
    """POST ``content`` to a URL, or call a WSGI or ASGI application with it at
    ``path``, within ``timeout`` seconds in all, reading at most ``cap`` bytes of the
    answer: the receiver's status and body, or :class:`Undelivered` saying why not."""
    if isinstance(target, str):
        return _to_url(target, content, headers, timeout, cap)
    if _is_asgi(target):
        return _to_asgi(target, content, headers, path, timeout, cap)
    return _to_wsgi(target, content, headers, path, timeout, cap)
