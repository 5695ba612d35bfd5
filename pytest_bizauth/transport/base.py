"""The protocol every transport follows, and the registry of transports by name."""

from __future__ import annotations

import importlib
import importlib.util
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

from ..core.wire import NetworkError

if TYPE_CHECKING:
    from ..core.fake import FakeProvider
    from ..core.wire import Reply

__all__ = [
    "IN_PROCESS",
    "Transport",
    "available",
    "load",
    "no_answer",
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


#: In-process transports by name: the class that serves a client library without a
#: socket, and the modules it needs.
IN_PROCESS: dict[str, tuple[str, tuple[str, ...]]] = {
    "responses": ("pytest_bizauth.transport.responses:SharedRequestsMock", ("responses",)),
    "httpx": ("pytest_bizauth.transport.httpx:HttpxTransport", ("httpx", "respx")),
}


def available(name: str) -> bool:
    """Whether the libraries a transport needs are installed."""
    return all(importlib.util.find_spec(module) is not None for module in IN_PROCESS[name][1])


def load(name: str) -> type[Transport]:
    """A transport's class, imported on first use."""
    module, _, attribute = IN_PROCESS[name][0].partition(":")
    found: type[Transport] = getattr(importlib.import_module(module), attribute)
    return found


def served_by(base_url: str, url: str) -> bool:
    """Whether ``url`` is at or below ``base_url`` (same scheme, host and port)."""
    return url.startswith(base_url) and url[len(base_url) : len(base_url) + 1] in ("", "/", "?")


def unserved(fake: FakeProvider, method: str, path: str) -> str:
    """Why a request to a fake's host got no answer: the endpoints it does serve."""
    routes = "\n".join(f"- {r}" for r in fake.routes)
    return (
        f"Connection refused by pytest-bizauth: the {fake.vendor} fake at {fake.base_url} "
        f"has no endpoint {method} {path}.\nIt serves:\n{routes}"
    )


def no_answer(
    fake: FakeProvider, reply: Reply | None, method: str, path: str
) -> tuple[NetworkError | None, str] | None:
    """Why a request gets no HTTP answer, if it does not: ``(None, why)`` for a path the
    fake does not serve (a refused connection), ``(fault, why)`` for an injected network
    fault. Each transport raises its library's exception for it."""
    if reply is None:
        return None, unserved(fake, method, path)
    if reply.fault is NetworkError.TIMEOUT:
        return reply.fault, f"Read timed out (injected by pytest-bizauth into {method} {path})"
    if reply.fault is NetworkError.CONNECTION:
        return reply.fault, f"Connection aborted (injected by pytest-bizauth into {method} {path})"
    return None


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()
