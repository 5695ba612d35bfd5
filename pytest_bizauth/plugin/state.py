"""What the fixtures of one running test share, kept in the test's own stash: its
settings, its fakes, and the transports and guard its fakes are mounted on (made by the
first fake fixture, closed when the test's teardown reaches them)."""

from __future__ import annotations

import contextvars
import sys
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Callable, TypeVar

import pytest

from .._lazy import loaded_module
from ..extend import MARKER, registered

if TYPE_CHECKING:
    from ..client.sessions import SessionPool
    from ..core.fake import FakeProvider
    from ..transport.base import Transport
    from ..transport.guard import Guard
    from ..transport.late import LateImports
    from ..transport.responses import SharedRequestsMock
    from .options import Settings

__all__ = ["CURRENT", "STATE", "PerTest", "Transports", "end_of_session", "current_test",
           "of_test", "responses_mock", "session_pool", "stop_responses", "settings_for",
           "transports"]  # fmt: skip


@dataclass
class PerTest:
    """What the fixtures of one running test share; dropped when the test ends, so a
    long session keeps nothing per test."""

    #: The test's settings (shared with every test that has the same markers).
    settings: Settings | None = None
    #: Its fakes, in the order their fixtures were set up (the clock asks them about
    #: their opaque tokens).
    fakes: list[FakeProvider] = field(default_factory=list)
    #: The ``responses`` mock every fake of the test registers on.
    responses: SharedRequestsMock | None = None
    #: Its transports and guard, made by the first fake fixture.
    transports: Transports | None = None


#: Each test's :class:`PerTest`, in its own stash.
STATE = pytest.StashKey[PerTest]()
# The transports started per test (those whose libraries are installed), found once per
# session: (name, the module of its library, whether it starts before that is imported).
PER_TEST = pytest.StashKey["tuple[tuple[str, str, bool], ...]"]()
# Every test's resolved settings, by the identities of its markers (kept alive with
# them; none for the ini file's alone): the tests of one parametrized function share
# their markers, and their settings. The one cache of the settings pipeline.
RESOLVED = pytest.StashKey["dict[tuple[int, ...], tuple[tuple[pytest.Mark, ...], Settings]]"]()
# Whether this session holds the guard's wrappers in place (see ``transports``).
GUARD_HELD = pytest.StashKey[bool]()
# The sessions lent to the fixtures' clients, from test to test.
SESSIONS = pytest.StashKey["SessionPool"]()
_T = TypeVar("_T")

# The test being run in this context (pytester runs a session inside a test, and each
# resets it on the way out). The fixtures find their test here rather than through
# ``request``, which costs a fixture lookup each time it is asked for.
CURRENT: contextvars.ContextVar[pytest.Item | None] = contextvars.ContextVar(
    "pytest_bizauth_test", default=None
)


def current_test() -> pytest.Item:
    """The test whose fixtures are being set up."""
    item = CURRENT.get()
    if item is None:
        raise RuntimeError("pytest-bizauth's fixtures are for tests pytest is running")
    return item


def _stashed(stash: pytest.Stash, key: pytest.StashKey[_T], make: Callable[[], _T]) -> _T:
    """What ``stash`` holds under ``key``, made by ``make`` on first use."""
    found = stash.get(key, None)
    if found is None:
        found = stash[key] = make()
    return found


def of_test(node: pytest.Item) -> PerTest:
    """The test's shared state, made on first use."""
    return _stashed(node.stash, STATE, PerTest)


def settings_for(node: pytest.Item) -> Settings:
    """The test's settings: its markers' (closest first) over the ini file's, each set
    of markers worked out once per session."""
    state = of_test(node)
    if state.settings is not None:
        return state.settings
    marks = tuple(node.iter_markers(MARKER))
    key = tuple(map(id, marks))
    known = node.config.stash.setdefault(RESOLVED, {})
    found = known.get(key)
    if found is None:
        from .options import resolve

        settings: Settings | None = None
        problem = None
        try:
            settings = resolve(marks, node.config)
        except (TypeError, ValueError) as exc:
            problem = str(exc)
        if settings is None:  # failed outside the except: no chained traceback
            pytest.fail(f"pytest-bizauth: {problem}", pytrace=False)
        found = known[key] = (marks, settings)
    state.settings = found[1]
    return found[1]


def session_pool(config: pytest.Config) -> SessionPool:
    """The session's pool of ``requests`` sessions for the fixtures' clients."""
    return _stashed(
        config.stash, SESSIONS, loaded_module("pytest_bizauth.client.sessions").SessionPool
    )


def end_of_session(config: pytest.Config) -> None:
    """Close the session's pooled sessions; let go of the guard's wrappers."""
    pool = config.stash.get(SESSIONS, None)
    if pool is not None:
        pool.close()
    if config.stash.get(GUARD_HELD, False):
        loaded_module("pytest_bizauth.transport.guard").let_go(config)
        del config.stash[GUARD_HELD]


def responses_mock(node: pytest.Item) -> tuple[SharedRequestsMock, bool]:
    """The test's ``responses`` mock, started by whichever asks first (``True``: this
    caller, who stops it at its teardown)."""
    state = of_test(node)
    if state.responses is not None:
        return state.responses, False
    mock = state.responses = loaded_module(
        "pytest_bizauth.transport.responses"
    ).SharedRequestsMock()
    mock.start()
    return mock, True


def stop_responses(node: pytest.Item, mock: SharedRequestsMock) -> None:
    of_test(node).responses = None
    mock.stop()  # and dropped with the test's state: nothing to reset


class Transports:
    """The transports of one test: every fake is mounted on each."""

    def __init__(
        self,
        *transports: Transport,
        guard: Guard | None = None,
        stop_responses: Callable[[], None] | None = None,
        own: tuple[Transport, ...] = (),
    ) -> None:
        self.transports = [*transports, *own]
        self.guard = guard
        self.stop_responses = stop_responses
        self._own = list(own)
        self._fakes: list[FakeProvider] = []
        self._late: LateImports | None = None

    def watch(self, late: dict[str, str]) -> None:
        """Put the transport of each library in ``late`` (module -> transport) in place
        if the test imports it while it runs."""
        self._late = loaded_module("pytest_bizauth.transport.late").LateImports(late, self._arrived)
        self._late.install()

    def _arrived(self, name: str) -> None:
        transport = loaded_module("pytest_bizauth.transport.base").load(name)()
        transport.start()
        for fake in self._fakes:
            transport.mount(fake)
        self._own.append(transport)
        self.transports.append(transport)

    def close(self) -> None:
        if self._late is not None:
            self._late.remove()
            self._late = None  # (it calls back here: no cycle left for the collector)
        for transport in reversed(self._own):  # the last patch made is undone first
            transport.stop()
        if self.guard is not None:
            self.guard.stop()
        if self.stop_responses is not None:
            self.stop_responses()

    def mount(self, fake: FakeProvider, hosts: tuple[str, ...] = ()) -> None:
        self._fakes.append(fake)
        for transport in self.transports:
            transport.mount(fake)
        if self.guard is not None:
            self.guard.mount(fake)
            for host in hosts:
                self.guard.add(host, fake.vendor)


def fixture_of(vendor: str) -> str:
    for spec in registered():
        if spec.title == vendor:
            return f"{spec.name}_mock"
    return "the fake's fixture"


def per_test_transports(config: pytest.Config) -> tuple[tuple[Transport, ...], dict[str, str]]:
    """The transports started for one test and stopped after it (cheap to start): those
    of the libraries installed (found once per session) that the test's code has
    imported by now (and httpx always). Importing one costs more than most tests: a
    session whose code never imports it never pays for it. Also the libraries not
    imported yet (module -> transport), to watch for while the test runs."""
    rows = config.stash.get(PER_TEST, None)
    if rows is None:
        base = loaded_module("pytest_bizauth.transport.base")
        rows = config.stash[PER_TEST] = tuple(
            (row.name, row.needs[0], row.always)
            for row in base.IN_PROCESS.values()
            if row.per_test and base.available(row.name)
        )
    if not rows:
        return (), {}
    load = loaded_module("pytest_bizauth.transport.base").load
    made: list[Transport] = []
    later = {}
    for name, module, always in rows:
        if always or module in sys.modules:
            transport = load(name)()
            transport.start()
            made.append(transport)
        else:
            later[module] = name
    return tuple(made), later


def transports(node: pytest.Item, settings: Settings) -> Transports:
    """The test's transports and guard, shared by its fakes: made by the first fake
    fixture, closed at the test's teardown in its turn (after the fixtures set up later,
    before those set up earlier, such as another plugin's mock)."""
    state = of_test(node)
    if state.transports is not None:
        return state.transports
    mock, made = responses_mock(node)
    stop = partial(stop_responses, node, mock) if made else None
    guard = None
    if settings["guard"]:
        guards = loaded_module("pytest_bizauth.transport.guard")
        if GUARD_HELD not in node.config.stash:
            # Its wrappers stay in place until the session ends (each test switches its
            # guard on and off): patching the resolvers for every test costs more.
            guards.hold(node.config)
            node.config.stash[GUARD_HELD] = True
        guard = guards.Guard(fixture_of)
        guard.start()
    own, later = per_test_transports(node.config)
    shared = state.transports = Transports(mock, guard=guard, stop_responses=stop, own=own)
    if later:
        shared.watch(later)
    node.addfinalizer(shared.close)
    return shared
