"""The guard: while a fake is active, resolving its vendor's real hostnames fails at
once, whatever library asks, so no test reaches the real vendor by mistake.

It wraps the resolver functions of :mod:`socket`, which every Python HTTP library ends
up calling, and raises :class:`socket.gaierror` with a message naming pytest-bizauth,
the way to reach the fake from that library, and how to switch the guard off.
"""

from __future__ import annotations

import socket
import sys
import threading
from typing import Any, Callable

from .._messages import guarded_host, loopback_hint

__all__ = ["Guard", "GuardedHostError"]

_lock = threading.Lock()
_active: list[Guard] = []
_originals: dict[str, Callable[..., Any]] = {}
_RESOLVERS = ("getaddrinfo", "gethostbyname", "gethostbyname_ex")

_REQUESTS = (
    "requests reaches the fakes in-process through responses; this request went around "
    "it (a session with an adapter of its own, or responses stopped by other code)"
)
_HTTPX = (
    "httpx reaches the fakes in-process through respx when both are installed "
    "(pip install 'pytest-bizauth[httpx]'); this request went around it (a client with a "
    "transport of its own, or respx missing)"
)
# Where a library shows on the stack (module prefix), its name, and how it reaches the
# fakes in-process (None: it cannot, and goes to bizauth_server instead).
_HTTPX2 = (
    "httpx2 reaches the fakes in-process through its HTTPTransport; this request went "
    "around it (a client with a transport of its own)"
)
_LIBRARIES: tuple[tuple[str, str, str | None], ...] = (
    ("aiohttp", "aiohttp", None),
    ("httpx2", "httpx2", _HTTPX2),
    ("httpcore2", "httpx2", _HTTPX2),
    ("httpx", "httpx", _HTTPX),
    ("httpcore", "httpx", _HTTPX),
    ("requests", "requests", _REQUESTS),
    ("urllib3", "urllib3", None),
    ("urllib.request", "urllib", None),
    ("http.client", "http.client", None),
    ("asyncio", "asyncio", None),
)


class GuardedHostError(socket.gaierror):
    """Resolving a real vendor host was refused by pytest-bizauth's guard."""


def _library() -> tuple[str, str | None]:
    """The HTTP library that asked (its name, and the in-process transport serving it)."""
    frame = sys._getframe(2)
    found: tuple[str, str | None] = ("this client", None)
    while frame is not None:
        module = str(frame.f_globals.get("__name__", ""))
        for prefix, name, transport in _LIBRARIES:
            if module == prefix or module.startswith(prefix + "."):
                found = (name, transport)
                if name not in ("urllib3", "asyncio", "http.client"):
                    return found  # the outermost library is the one the code uses
        frame = frame.f_back  # type: ignore[assignment]
    return found


class Guard:
    """Refuses to resolve ``hosts`` between :meth:`start` and :meth:`stop`."""

    def __init__(self, fixture_hint: Callable[[str], str] | None = None) -> None:
        self.hosts: dict[str, str] = {}
        self._hint = fixture_hint or (lambda host: "the fake's fixture")

    def add(self, host: str, vendor: str) -> None:
        """Guard ``host``, a host of ``vendor``'s (loopback names are never guarded)."""
        host = host.lower().rstrip(".")
        if host and host not in ("localhost", "127.0.0.1", "::1") and not host.startswith("127."):
            self.hosts[host] = vendor

    def start(self) -> None:
        with _lock:
            if not _active:
                for name in _RESOLVERS:
                    _originals[name] = getattr(socket, name)
                    setattr(socket, name, _guarded(name))
            _active.append(self)

    def stop(self) -> None:
        with _lock:
            if self in _active:
                _active.remove(self)
            if not _active:
                for name, original in _originals.items():
                    setattr(socket, name, original)
                _originals.clear()

    def mount(self, fake: Any) -> None:
        from .base import host_of

        self.add(host_of(fake.base_url), fake.vendor)

    def verify(self) -> None:
        """Nothing to check: a refused lookup fails the code that asked, at once."""

    def refusal(self, host: str) -> GuardedHostError:
        vendor = self.hosts[host]
        library, how_in_process = _library()
        fixture = self._hint(vendor)
        how = how_in_process if how_in_process is not None else loopback_hint(library, fixture)
        return GuardedHostError(socket.EAI_NONAME, guarded_host(host, vendor, how))


def _guarded(name: str) -> Callable[..., Any]:
    def resolve(host: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(host, (bytes, bytearray)):
            key = bytes(host).decode("ascii", "replace")
        else:
            key = str(host) if host is not None else ""
        key = key.lower().rstrip(".")
        for guard in list(_active):
            if key in guard.hosts:
                raise guard.refusal(key)
        return _originals[name](host, *args, **kwargs)

    resolve.__name__ = name
    return resolve
