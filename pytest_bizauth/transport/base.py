"""The protocol every transport follows, and the registry of transports by name."""

from __future__ import annotations

import functools
import importlib
import importlib.util
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, Union
from urllib.parse import urlsplit

from .._lazy import loaded_module
from .._messages import injected_fault, no_endpoint as endpoint_missing, refused_connection
from .._redact import scrub_path
from ..core.wire import FakeRequest, NetworkError

if TYPE_CHECKING:
    from ..core.fake import FakeProvider
    from ..core.wire import Reply

__all__ = [
    "IN_PROCESS",
    "InProcess",
    "Transport",
    "NoAnswer",
    "Outcome",
    "available",
    "load",
    "no_endpoint",
    "outcome_of",
    "serve",
    "served_by",
    "unserved",
]


class Transport(Protocol):
    """A way for clients to reach fakes. ``mount`` may be called before or after
    ``start``; ``verify`` raises at teardown what the transport saw go wrong."""

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def mount(self, fake: FakeProvider) -> None: ...

    def verify(self) -> None: ...


@dataclass(frozen=True)
class InProcess:
    """What the shared code knows of one in-process transport, without importing it
    or its library: the class (``"module:Class"``), the modules it needs, the library
    it serves and where that library shows on a stack (for the guard's message), how
    the library reaches the fakes in-process (that message's hint), and when it is put
    in place (``per_test``: started and stopped around each test that has imported its
    library; ``always``: whether or not the test's code imported it yet)."""

    name: str
    cls: str
    needs: tuple[str, ...]
    library: str
    how: str
    stack: tuple[str, ...] = ()
    per_test: bool = True
    always: bool = False

    @property
    def prefixes(self) -> tuple[str, ...]:
        return self.stack or (self.library,)


def _around(library: str, api: str, *more: str) -> str:
    why = ", ".join(("a client with a transport of its own", *more))
    return f"{library} reaches the fakes in-process through its {api}; this request went " \
        f"around it ({why})"  # fmt: skip


#: Every in-process transport, one row each; the fixtures, the guard and the import
#: checks all read this table. (A row, not an import of the transport's module, so that
#: learning what is installed imports no HTTP library.)
IN_PROCESS: dict[str, InProcess] = {
    row.name: row
    for row in (
        InProcess(
            "responses",
            "pytest_bizauth.transport.responses:SharedRequestsMock",
            ("responses",),
            "requests",
            "requests reaches the fakes in-process through responses; this request went "
            "around it (a session with an adapter of its own, or responses stopped by "
            "other code)",
            per_test=False,
        ),
        InProcess(
            "httpx",
            "pytest_bizauth.transport.httpx:HttpxTransport",
            ("httpx",),
            "httpx",
            _around("httpx", "HTTPTransport"),
            stack=("httpx", "httpcore"),
            always=True,  # the plugin's own async clients import httpx after set-up
        ),
        InProcess(
            "httpx2",
            "pytest_bizauth.transport.httpx2:Httpx2Transport",
            ("httpx2",),
            "httpx2",
            _around("httpx2", "HTTPTransport"),
            stack=("httpx2", "httpcore2"),
        ),
        InProcess(
            "aiohttp",
            "pytest_bizauth.transport.aiohttp:AiohttpTransport",
            ("aiohttp", "h11"),
            "aiohttp",
            "aiohttp reaches the fakes in-process through its TCPConnector; this request "
            "went around it (a connector of its own)",
        ),
    )
}


def available(name: str) -> bool:
    """Whether the libraries a transport needs are installed."""
    return all(importlib.util.find_spec(module) is not None for module in IN_PROCESS[name].needs)


def load(name: str) -> type[Transport]:
    """A transport's class, imported on first use (from the module loaded now: a test
    session inside a test may load it afresh)."""
    module, _, attribute = IN_PROCESS[name].cls.partition(":")
    found: type[Transport] = getattr(loaded_module(module), attribute)
    return found


def served_by(base_url: str, url: str) -> bool:
    """Whether ``url`` is at or below ``base_url`` (same scheme, host and port)."""
    return url.startswith(base_url) and url[len(base_url) : len(base_url) + 1] in ("", "/", "?")


def no_endpoint(fake: FakeProvider, method: str, path: str) -> str:
    """That a fake serves no such endpoint (and what was probably meant), and the
    endpoints it does serve."""
    hint = fake.near_miss(method, path)
    missing = endpoint_missing(fake.vendor, method, path, fake.routes)
    return missing if hint is None else missing.replace(".\n", f" ({hint}).\n", 1)


def unserved(fake: FakeProvider, method: str, path: str) -> str:
    """Why a request to a fake's host got no answer in-process: a refused connection."""
    return refused_connection(fake.base_url, no_endpoint(fake, method, path))


@dataclass(frozen=True)
class NoAnswer:
    """A request that gets no HTTP answer: a path the fake does not serve (``unserved``:
    a refused connection), or an injected network fault. Each transport maps it to its
    own library's failure in one small function."""

    kind: NetworkError
    why: str
    unserved: bool = False


#: What a fake makes of a request, for a transport to translate.
Outcome = Union["Reply", NoAnswer]

_INJECTED = {
    NetworkError.TIMEOUT: "Read timed out",
    NetworkError.CONNECTION: "Connection aborted",
}


def outcome_of(fake: FakeProvider, request: FakeRequest) -> Outcome:
    """The fake's answer to ``request``: a reply, or why there is none."""
    reply = fake.handle(request)
    if reply is None:
        why = unserved(fake, request.method, scrub_path(request.path))
        return NoAnswer(NetworkError.CONNECTION, why, unserved=True)
    if reply.fault is not None:
        why = injected_fault(_INJECTED[reply.fault], request.method, scrub_path(request.path))
        return NoAnswer(reply.fault, why)
    return reply


def serve(fake: FakeProvider, method: str, url: str, headers: Any, body: object) -> Outcome:
    """The fake's answer to a request as a client library holds it."""
    parts = urlsplit(url)
    request = FakeRequest.build(method, parts.path, dict(headers), body, parts.query)
    return outcome_of(fake, request)


@functools.lru_cache(maxsize=64)
def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()
