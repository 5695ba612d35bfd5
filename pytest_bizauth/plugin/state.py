"""What the fixtures of one running test share, kept in the test's own stash: its
settings' cache, its fakes, and the transports and guard its fakes are mounted on (made
by the first fake fixture, closed when the test's teardown reaches them)."""

from __future__ import annotations

import contextvars
from functools import partial
from typing import TYPE_CHECKING, Any, Callable

import pytest

from ..extend import registered

if TYPE_CHECKING:
    from ..core.fake import FakeProvider
    from ..transport.base import Transport
    from ..transport.guard import Guard
    from ..transport.responses import SharedRequestsMock
    from .options import Settings

__all__ = ["CURRENT", "Transports", "current_test", "responses_mock", "stop_responses",
           "test_state", "transports"]  # fmt: skip

PER_TEST = pytest.StashKey["tuple[str, ...]"]()
# What the fixtures of one running test share (its settings, fakes, transports and
# responses mock), in the test's own stash; dropped when the test ends, so a long
# session keeps nothing per test.
STATE = pytest.StashKey[dict[str, Any]]()
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


def test_state(node: pytest.Item) -> dict[str, Any]:
    found = node.stash.get(STATE, None)
    if found is None:
        found = node.stash[STATE] = {}
    return found


def responses_mock(node: pytest.Item) -> tuple[SharedRequestsMock, bool]:
    """The test's ``responses`` mock, started by whichever asks first (``True``: this
    caller, who stops it at its teardown)."""
    state = test_state(node)
    found: SharedRequestsMock | None = state.get("responses")
    if found is not None:
        return found, False
    from ..transport.responses import SharedRequestsMock

    mock = state["responses"] = SharedRequestsMock()
    mock.start()
    return mock, True


def stop_responses(node: pytest.Item, mock: SharedRequestsMock) -> None:
    test_state(node).pop("responses", None)
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
        self._own = own

    def close(self) -> None:
        for transport in reversed(self._own):  # the last patch made is undone first
            transport.stop()
        if self.guard is not None:
            self.guard.stop()
        if self.stop_responses is not None:
            self.stop_responses()

    def mount(self, fake: FakeProvider, hosts: tuple[str, ...] = ()) -> None:
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


def per_test_transports(config: pytest.Config) -> tuple[Transport, ...]:
    """The transports started for one test and stopped after it (cheap to start): those
    of the libraries installed (found once per session) that the test's code has
    imported by now (and httpx always). Importing one costs more than most tests: a
    session whose code never imports it never pays for it."""
    names = config.stash.get(PER_TEST, None)
    if names is None:
        from ..transport.base import IN_PROCESS, available

        names = config.stash[PER_TEST] = tuple(
            row.name for row in IN_PROCESS.values() if row.per_test and available(row.name)
        )
    if not names:
        return ()
    from ..transport.base import IN_PROCESS, load, loaded

    made = tuple(load(name)() for name in names if IN_PROCESS[name].always or loaded(name))
    for transport in made:
        transport.start()
    return made


def transports(node: pytest.Item, settings: Settings) -> Transports:
    """The test's transports and guard, shared by its fakes: made by the first fake
    fixture, closed at the test's teardown in its turn (after the fixtures set up later,
    before those set up earlier, such as another plugin's mock)."""
    state = test_state(node)
    shared: Transports | None = state.get("transports")
    if shared is not None:
        return shared
    mock, made = responses_mock(node)
    stop = partial(stop_responses, node, mock) if made else None
    guard = None
    if settings["guard"]:
        from ..transport.guard import Guard

        guard = Guard(fixture_of)
        guard.start()
    shared = state["transports"] = Transports(
        mock,
        guard=guard,
        stop_responses=stop,
        own=per_test_transports(node.config),
    )
    node.addfinalizer(shared.close)
    return shared
