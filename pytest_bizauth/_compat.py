"""The only place that touches private names of dependencies.

Each helper says which private name it needs, why no public API does the job, and the
versions it was checked against. Everything else in the package uses public APIs only.
"""

from __future__ import annotations

import sys
from types import ModuleType, SimpleNamespace
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    import socket

__all__ = [
    "aiohttp_connector_method",
    "aiohttp_response_handler",
    "set_aiohttp_connector_method",
    "c_socket_module",
    "ini_keys",
    "loop_ready",
    "loop_selector",
    "loop_self_pipe",
    "freezegun_factories",
    "freezegun_real_time_ids",
    "real_monotonic",
    "real_seconds",
    "real_wall_time",
    "respx_routers",
    "mock_real_send",
    "registry_routes",
    "responses_real_send",
    "set_registry_routes",
    "set_responses_real_send",
    "start_freezer_patching",
    "stop_freezer",
    "time_machine_depth",
    "waitress_connection",
    "waitress_real_time",
]


# -- freezegun (checked with 1.4 to 1.5) ---------------------------------------------------


def freezegun_real_time_ids() -> set[int]:
    """The ids of the real time functions freezegun looks for in every module
    (``freezegun.api._real_time_object_ids``): the clock's module scan must find the
    same names freezegun's own walk would, and freezegun offers no public list."""
    from freezegun import api

    ids: set[int] = api._real_time_object_ids
    return ids


def freezegun_factories() -> list[Any]:
    """freezegun's stack of active freezes (``freezegun.api.freeze_factories``), innermost
    last: the only way to tell whether our freeze or a user's ``freeze_time`` inside it
    governs time. The list object is stable for the life of the process."""
    from freezegun import api

    factories: list[Any] = api.freeze_factories
    return factories


class _NoWalk(dict[str, Any]):
    """What freezegun's walk sees as ``sys.modules``: no module to walk (its
    ``modules_at_start`` is set at the stop, by :func:`stop_freezer`)."""


# freezegun's fake for each real time function, by the real one's id, for the freezegun
# module they belong to (a test may import freezegun afresh, pytester's runs do).
_fakes: tuple[Any, dict[int, Any]] = (None, {})


def start_freezer_patching(
    freezer: Any, targets: list[tuple[str, ModuleType, tuple[str, ...]]]
) -> Any:
    """Start a ``freeze_time`` and point at its fakes exactly the names in ``targets``
    (``(module name, module, names)`` holding real time functions), as its own walk of
    every loaded module would, with the same skips and the same undo at stop.

    freezegun reads ``sys.modules`` through its module global ``sys``
    (``freezegun.api.sys``) and has no option to narrow its walk; it undoes its changes
    from ``undo_changes``, maps fakes to reals in ``reals`` and names them in
    ``fake_names``; its fakes are the module attributes of those names. Checked with
    freezegun 1.4 and 1.5.
    """
    from freezegun import api

    walked: Any = api
    walked.sys = SimpleNamespace(modules=_NoWalk())
    try:
        factory = freezer.start()
    finally:
        walked.sys = sys
    global _fakes
    if len(api.freeze_factories) > 1:
        return factory  # an inner freeze: freezegun patched nothing, nor do we
    module, fakes = _fakes
    if module is not api:
        fakes = {}
        for name in freezer.fake_names:
            fake = getattr(api, name)
            fakes[id(freezer.reals[id(fake)])] = fake
        _fakes = (api, fakes)
    undo = freezer.undo_changes
    for module, names in _kept(targets, tuple(freezer.ignore), api.__name__):
        namespace = module.__dict__
        for name in names:
            real = namespace.get(name)
            fake = fakes.get(id(real))
            if fake is not None:
                namespace[name] = fake
                undo.append((module, name, real))
    return factory


# The targets freezegun's skips keep, for the last targets and ignore list seen (the
# clock's module scan hands over the same list while no module is imported).
_last_kept: tuple[object, tuple[str, ...], list[tuple[ModuleType, tuple[str, ...]]]] = (
    None,
    (),
    [],
)


def _kept(
    targets: list[tuple[str, ModuleType, tuple[str, ...]]], ignore: tuple[str, ...], own: str
) -> list[tuple[ModuleType, tuple[str, ...]]]:
    global _last_kept
    seen, seen_ignore, kept = _last_kept
    if seen is targets and seen_ignore == ignore:
        return kept
    kept = [
        (module, names)
        for module_name, module, names in targets
        if not (
            module_name == own
            or module_name.startswith(ignore)
            or module_name.endswith(".six.moves")
            or getattr(module, "__name__", None) in (None, "datetime", "time")
        )
    ]
    _last_kept = (targets, ignore, kept)
    return kept


# The ignore list under every freeze (see stop_freezer): every module name starts so.
_ALWAYS_REAL = ("",)


def stop_freezer(
    freezer: Any, shape_then: tuple[int, str | None], names_then: list[str],
    shape_now: tuple[int, str | None],
) -> None:  # fmt: skip
    """Stop a ``freeze_time`` started by :func:`start_freezer_patching`.

    At its outermost stop freezegun looks through every module imported since it
    started (``set(sys.modules) - freezer.modules_at_start``, read through its global
    ``sys``) to point their names back at the real time functions. ``shape_then`` and
    ``shape_now`` are how many modules were loaded and the last one's name, at the start
    and now; ``names_then`` the modules loaded at the start. When the shapes are the
    same, no module was imported meanwhile, and freezegun is shown none rather than made
    to compare two sets of every loaded module's name. Reads ``freezegun.api``'s
    ``freeze_factories`` and ``ignore_lists`` too (see the stop race below)."""
    from freezegun import api

    lists: list[Any] = api.ignore_lists
    if not lists or lists[0] is not _ALWAYS_REAL:
        # A thread reading the time while freezegun stops may find its ignore lists
        # emptied between its check and its read (an IndexError from the clock). Under
        # every freeze lies one more list, which ignores every caller: such a read takes
        # the real time, as it would a moment later. A freeze started after pushes its
        # own list above it.
        lists.insert(0, _ALWAYS_REAL)
    if len(api.freeze_factories) > 1 or shape_then != shape_now:
        freezer.modules_at_start = set(names_then)
        freezer.stop()
        return
    walked: Any = api
    freezer.modules_at_start = set()
    walked.sys = SimpleNamespace(modules=_NoWalk())
    try:
        freezer.stop()
    finally:
        walked.sys = sys


def real_wall_time() -> Callable[[], float]:
    """The real ``time.time`` (``freezegun.api.real_time``): the wall clock whatever
    freezes the process's time. time-machine patches it in C (its 2.x and 3.x), so a
    clock that must ignore a frozen process reads freezegun's saved one."""
    from freezegun import api

    found: Callable[[], float] = api.real_time
    return found


def real_seconds() -> Callable[[], float]:
    """A clock of real seconds for deadlines, under either backend: freezegun's saved
    ``time.perf_counter`` (``freezegun.api.real_perf_counter``). time-machine 2.x
    freezes ``time.monotonic`` itself, even as saved before it started; no version
    freezes ``perf_counter``."""
    from freezegun import api

    found: Callable[[], float] = api.real_perf_counter
    return found


def real_monotonic() -> Callable[[], float]:
    """The real ``time.monotonic`` (``freezegun.api.real_monotonic``), which asyncio's
    loops must keep reading while time is frozen."""
    from freezegun import api

    found: Callable[[], float] = api.real_monotonic
    return found


# -- responses (checked with 0.23 to 0.26) --------------------------------------------------


def responses_real_send() -> Callable[..., Any]:
    """The ``HTTPAdapter.send`` that responses saved when it was imported
    (``responses._real_send``): comparing it with the current one is the only way to
    tell that another mock is already active."""
    import responses

    send: Callable[..., Any] = responses._real_send
    return send


def mock_real_send(mock: Any) -> Callable[..., Any]:
    """Where a ``RequestsMock`` sends passed-through requests (``mock._real_send``)."""
    send: Callable[..., Any] = mock._real_send
    return send


def set_responses_real_send(mock: Any, send: Callable[..., Any]) -> None:
    """Make ``mock`` pass requests through to ``send`` (``RequestsMock._real_send``) rather
    than to the network: how the default mock hands the fakes' hosts to ours."""
    mock._real_send = send


def registry_routes(registry: Any) -> list[Any]:
    """A registry's routes as the list it matches against (``registry._responses``);
    ``registered`` returns the same list, but replacing it needs the attribute."""
    routes: list[Any] = registry._responses
    return routes


def set_registry_routes(registry: Any, routes: list[Any]) -> None:
    registry._responses = routes


# -- pytest (checked with 7.0 to 9.x) ------------------------------------------------------


def ini_keys(config: object) -> list[str]:
    """The keys the project's ini file sets (``config.inicfg``, deprecated in pytest 9
    with no public way to list them): to catch a misspelled ``bizauth_*`` option."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        keys = list(getattr(config, "inicfg", {}) or {})
    return keys


# -- respx (checked with 0.20 to 0.22) -----------------------------------------------------


def respx_routers(mocker: str) -> list[Any]:
    """Every started respx router that patches through ``mocker`` (``"httpcore"``), ours
    and the user's (``respx.mocks.Mocker.registry[mocker].routers``): respx hands a
    request to each in turn and offers no public list of them."""
    from respx import mocks

    routers: list[Any] = mocks.Mocker.registry[mocker].routers
    return routers


# -- time-machine (checked with 2.10 to 3.6) -------------------------------------------------


def time_machine_depth() -> int:
    """How many ``time_machine.travel`` are running (its module's ``traveller_stack``,
    ``coordinates_stack`` before 3.0): the only way to tell a user's travel beside the
    clock, and time-machine offers no public one. 0 when time-machine is not loaded."""
    module = sys.modules.get("time_machine")
    if module is None:
        return 0
    stack: Any = getattr(module, "traveller_stack", None)
    if stack is None:
        stack = getattr(module, "coordinates_stack", ())
    return len(stack)


# -- the standard library ------------------------------------------------------------------


def c_socket_module() -> ModuleType:
    """The C module behind ``socket`` (``_socket``), whose resolvers code may call
    directly, going around the ``socket`` module's: the guard stands there too. Stable
    since Python 3.0."""
    import _socket

    return _socket


# -- aiohttp (checked with 3.9 to 3.14) ----------------------------------------------------


def aiohttp_connector_method() -> Any:
    """``aiohttp.TCPConnector._create_connection(request, traces, timeout)``: where a
    connector opens a connection for a request (DNS, socket, TLS) and hands back its
    protocol. aiohttp has no public hook between a session and the network."""
    import aiohttp

    return aiohttp.TCPConnector._create_connection


def set_aiohttp_connector_method(method: Any) -> None:
    import aiohttp

    aiohttp.TCPConnector._create_connection = method  # type: ignore[method-assign]


def aiohttp_response_handler(loop: Any) -> Any:
    """The protocol aiohttp reads an answer with (``aiohttp.client_proto.ResponseHandler``),
    as a connector makes it for each connection."""
    from aiohttp.client_proto import ResponseHandler

    return ResponseHandler(loop=loop)


# -- waitress (checked with 3.0.1 to 3.0.2) ------------------------------------------------


def waitress_connection(write: Callable[[bytes], object]) -> socket.socket | None:
    """The socket of the connection a waitress request is answered on, reached from the
    ``write`` callable its ``start_response`` returns (a method of the task, whose
    ``channel`` holds the socket). An injected network fault closes that connection
    with no answer; waitress exposes no public way to, as a WSGI application never
    needs one. ``None`` once the connection is closed (the client left)."""
    connection: socket.socket | None = write.__self__.channel.socket  # type: ignore[attr-defined]
    return connection


def waitress_real_time(seconds: Callable[[], float]) -> None:
    """Let waitress's idle timeouts count real seconds under a frozen clock.

    ``waitress.channel`` and ``waitress.server`` read ``time.time()`` for a connection's
    last activity and for their cleanup pass, and use only the differences. Under a
    frozen clock a half-sent request would then never time out, and a clock moved on by
    an hour would close every idle connection at once. No setting names the clock they
    read: give those two modules a ``time`` whose ``time()`` is ``seconds`` (a clock of
    real seconds)."""
    from waitress import channel, server

    reader = SimpleNamespace(time=seconds)
    channel.time = reader  # type: ignore[attr-defined]
    server.time = reader  # type: ignore[attr-defined]


# -- asyncio's selector event loops (checked with CPython 3.9 to 3.13) ----------------------


def loop_selector(loop: Any) -> Any:
    """The selector a selector event loop waits on (``BaseSelectorEventLoop._selector``),
    or None for a loop without one (the proactor loop on Windows, uvloop)."""
    return getattr(loop, "_selector", None)


def loop_self_pipe(loop: Any) -> int | None:
    """The descriptor of the loop's own wake-up socket (``_ssock``), which its selector
    always watches."""
    sock = getattr(loop, "_ssock", None)
    return None if sock is None else int(sock.fileno())


def loop_ready(loop: Any) -> int:
    """How many callbacks the loop will run at its next turn (``len(loop._ready)``)."""
    return len(getattr(loop, "_ready", ()))
