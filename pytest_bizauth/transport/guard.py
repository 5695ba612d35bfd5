"""The guard: while a fake is active, resolving its vendor's real hostnames fails at
once, whatever library asks, so no test reaches the real vendor by mistake.

It wraps the resolver functions of :mod:`socket`, which every Python HTTP library ends
up calling, and raises :class:`socket.gaierror` with a message naming pytest-bizauth,
the way to reach the fake from that library, and how to switch the guard off.
"""

from __future__ import annotations

import functools
import inspect
import socket
import sys
import threading
from typing import TYPE_CHECKING, Callable

from .._compat import c_socket_module
from .._loopback import is_loopback
from .._messages import guarded_host, loopback_hint
from .base import host_of

if TYPE_CHECKING:
    from types import FrameType

    from ..core.fake import FakeProvider

__all__ = ["Guard", "GuardedHostError", "active_hosts", "hold", "let_go"]

#: A function the guard wraps (a resolver, a connect): whatever it takes and answers
#: passes through.
Function = Callable[..., object]
#: What makes a function's guarded wrapper.
Wrap = Callable[[Function], Function]

_lock = threading.Lock()
_active: list[Guard] = []
_RESOLVERS = ("getaddrinfo", "gethostbyname", "gethostbyname_ex")
# Methods patched beside the resolvers, and what they were: (class, name, original).
_method_originals: list[tuple[object, str, object]] = []

# Libraries with no in-process transport, where they show on the stack: they go to
# bizauth_server instead (the transports' own rows say how theirs reach the fakes).
_OTHERS = ("urllib3", "urllib.request", "http.client", "asyncio")
# Those that sit beneath the library the code uses.
_BENEATH = frozenset({"urllib3", "asyncio", "http.client"})


@functools.lru_cache(maxsize=1)
def _libraries() -> tuple[tuple[str, str, str | None], ...]:
    """(stack prefix, library, how it reaches the fakes in-process or ``None``)."""
    from .base import IN_PROCESS

    rows = IN_PROCESS.values()
    found = [(prefix, row.library, row.how) for row in rows for prefix in row.prefixes]
    others = [(prefix, prefix.replace(".request", ""), None) for prefix in _OTHERS]
    return (*found, *others)


class GuardedHostError(socket.gaierror):
    """Resolving a real vendor host was refused by pytest-bizauth's guard."""


def _library() -> tuple[str, str | None]:
    """The HTTP library that asked (its name, and the in-process transport serving it)."""
    frame: FrameType | None = sys._getframe(2)
    found: tuple[str, str | None] = ("this client", None)
    while frame is not None:
        module = str(frame.f_globals.get("__name__", ""))
        for prefix, name, transport in _libraries():
            if module == prefix or module.startswith(prefix + "."):
                found = (name, transport)
                if name not in _BENEATH:
                    return found  # the outermost library is the one the code uses
        frame = frame.f_back
    return found


class Guard:
    """Refuses to resolve ``hosts`` between :meth:`start` and :meth:`stop`."""

    def __init__(self, fixture_hint: Callable[[str], str] | None = None) -> None:
        self.hosts: dict[str, str] = {}
        self._hint = fixture_hint or (lambda host: "the fake's fixture")

    def add(self, host: str, vendor: str) -> None:
        """Guard ``host``, a host of ``vendor``'s (loopback names are never guarded)."""
        host = host.lower().rstrip(".")
        if host and not is_loopback(host):
            self.hosts[host] = vendor

    def start(self) -> None:
        with _lock:
            if not _method_originals or not _wrapped_all():
                _install()
            _active.append(self)

    def stop(self) -> None:
        with _lock:
            if self in _active:
                _active.remove(self)
            if not _active and not _held:
                _uninstall()

    def mount(self, fake: FakeProvider) -> None:
        self.add(host_of(fake.base_url), fake.vendor)

    def verify(self) -> None:
        """Nothing to check: a refused lookup fails the code that asked, at once."""

    def refusal(self, host: str) -> GuardedHostError:
        vendor = self.hosts[host]
        library, how_in_process = _library()
        if library == "aiohttp" and not _installed("h11"):
            how_in_process = None  # in-process needs h11 too: the loopback server serves it
        fixture = self._hint(vendor)
        how = how_in_process if how_in_process is not None else loopback_hint(library, fixture)
        return GuardedHostError(socket.EAI_NONAME, guarded_host(host, vendor, how))


# Holders keeping the wrappers in place while no guard is active (a pytest session: its
# tests switch their guards on and off; the wrappers pass everything through meanwhile).
_held: list[object] = []


def hold(holder: object) -> None:
    """Keep the guard's wrappers in place until ``holder`` lets go (:func:`let_go`),
    even while no guard is active: then each lookup passes straight through to the
    original. Installing them once saves every test the patching."""
    with _lock:
        if holder not in _held:
            _held.append(holder)
            if not _method_originals:
                _install()


def let_go(holder: object) -> None:
    """Stop holding the wrappers; they go once no guard is active."""
    with _lock:
        if holder in _held:
            _held.remove(holder)
        if not _active and not _held:
            _uninstall()


def active_hosts() -> dict[str, str]:
    """The hosts refused now (host -> vendor), by every guard active."""
    with _lock:
        return {host: vendor for guard in _active for host, vendor in guard.hosts.items()}


def _install() -> None:
    """Wrap every method :func:`_methods` names that is not wrapped yet (aiohttp's
    resolver joins once aiohttp is loaded)."""
    done = {(id(owner), name) for owner, name, _ in _method_originals}
    for owner, name, make in _methods():
        if (id(owner), name) in done:
            continue
        original = getattr(owner, name)
        _method_originals.append((owner, name, original))
        setattr(owner, name, _wrapper(make, original))


def _wrapped_all() -> bool:
    """Whether aiohttp's resolver, if loaded since the wrappers went in, is wrapped too."""
    resolver = getattr(sys.modules.get("aiohttp.resolver"), "AsyncResolver", None)
    return resolver is None or any(owner is resolver for owner, _, _ in _method_originals)


def _uninstall() -> None:
    for owner, name, original in reversed(_method_originals):
        setattr(owner, name, original)
    _method_originals.clear()


# The wrapper made for each original (made once: a test starts the guard afresh).
_wrappers: dict[tuple[Wrap, Function], Function] = {}


def _wrapper(make: Wrap, original: Function) -> Function:
    key = (make, original)
    found = _wrappers.get(key)
    if found is None:
        if len(_wrappers) > 64:  # other code patching these afresh in every test
            _wrappers.clear()
        found = _wrappers[key] = make(original)
    return found


def _refuse_guarded(host: object) -> None:
    """Raise the guard's refusal if ``host`` is a guarded vendor host."""
    if isinstance(host, (bytes, bytearray)):
        host = bytes(host).decode("ascii", "replace")
    if not isinstance(host, str):
        return
    if not _active:
        return  # the wrappers are held in place between tests: pass through
    key = host.lower().rstrip(".")
    for guard in list(_active):
        if key in guard.hosts:
            raise guard.refusal(key)


def _guarded_connect(original: Function) -> Function:
    """``socket.socket.connect`` (or ``connect_ex``) by a host name, which resolves in C
    without the module's resolvers: refused for a guarded host like a lookup."""

    def connect(sock: object, address: object, *args: object, **kwargs: object) -> object:
        if isinstance(address, tuple) and address:
            _refuse_guarded(address[0])
        return original(sock, address, *args, **kwargs)

    connect.__name__ = getattr(original, "__name__", "connect")
    return connect


def _guarded_resolver(original: Function) -> Function:
    """A resolver (the socket module's, or the C module's it calls, which code may call
    directly): refused for a guarded host."""

    def resolve(host: object, *args: object, **kwargs: object) -> object:
        _refuse_guarded(host)
        return original(host, *args, **kwargs)

    resolve.__name__ = getattr(original, "__name__", "resolve")
    return resolve


def _guarded_resolve(original: Function) -> Function:
    """aiohttp's ``AsyncResolver.resolve`` (aiodns, c-ares: a resolver of its own)."""

    async def resolve(resolver: object, host: str, *args: object, **kwargs: object) -> object:
        _refuse_guarded(host)
        answer = original(resolver, host, *args, **kwargs)
        assert inspect.isawaitable(answer)
        return await answer

    return resolve


def _methods() -> list[tuple[object, str, Wrap]]:
    """The methods that connect or resolve without the socket module's resolvers: the
    socket's own, and aiohttp's c-ares resolver when aiohttp is loaded."""
    found: list[tuple[object, str, Wrap]] = [
        (socket.socket, "connect", _guarded_connect),
        (socket.socket, "connect_ex", _guarded_connect),
        *(
            (module, name, _guarded_resolver)
            for module in (socket, c_socket_module())
            for name in _RESOLVERS
        ),
    ]
    resolver = sys.modules.get("aiohttp.resolver")
    if resolver is None and _installed("aiodns") and _installed("aiohttp"):
        # aiohttp resolves through c-ares only with aiodns installed: load it now, as
        # the code under test would, so that its resolver is guarded from the start.
        import importlib

        resolver = importlib.import_module("aiohttp.resolver")
    if resolver is not None and hasattr(resolver, "AsyncResolver"):
        found.append((resolver.AsyncResolver, "resolve", _guarded_resolve))
    return found


@functools.cache
def _installed(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None
