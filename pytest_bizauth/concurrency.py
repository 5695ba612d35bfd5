"""Run a callable on many threads, or a coroutine function on many tasks, released
together, to prove single-flight refresh."""

from __future__ import annotations

import asyncio
import inspect
import sys
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Generic, TypeVar, Union, cast

from .core.inflight import Hold, holding
from .errors import UsageValueError

if TYPE_CHECKING:
    import datetime as _dt
    from collections.abc import Awaitable

    from .clock import Clock

__all__ = ["Race", "RaceResult", "race", "race_tasks"]

# freezegun answers time.time() with the real time when one of the five callers nearest
# to the call belongs to an ignored module such as threading. Calling the racer this
# many frames below the thread's own entry keeps code that reads time.time() frozen.
_FROZEN_DEPTH = 5


T = TypeVar("T")
#: What races: a callable, or a coroutine function (then it races as tasks on one loop).
Racer = Union[Callable[[], T], Callable[[], "Awaitable[T]"]]


@dataclass(frozen=True)
class RaceResult(Generic[T]):
    """What the racing threads (or tasks) returned and raised, in start order."""

    threads: int
    values: list[T] = field(repr=False)
    errors: list[BaseException]

    @property
    def ok(self) -> bool:
        """Every thread returned without raising."""
        return not self.errors

    @property
    def distinct(self) -> list[T]:
        """The different values returned, in first-seen order."""
        seen: list[T] = []
        for value in self.values:
            if value not in seen:
                seen.append(value)
        return seen

    def raise_errors(self) -> None:
        """Re-raise the first error a thread raised, if any."""
        if self.errors:
            raise self.errors[0]


def _call_deep(fn: Callable[[], Any], depth: int) -> Any:
    if depth > 0:
        return _call_deep(fn, depth - 1)
    return fn()


def _check(threads: object, clock: Clock | None, past: str | _dt.datetime | None) -> None:
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 2:
        raise UsageValueError(f"threads must be a whole number, 2 or more, not {threads!r}")
    if past is not None:
        if clock is None:
            raise UsageValueError("race(past=...) needs the clock: pass clock=bizauth_clock")
        clock.travel_past(past)


def race(
    fn: Racer[T],
    *,
    threads: int = 16,
    clock: Clock | None = None,
    past: str | _dt.datetime | None = None,
    switch_interval: float = 1e-6,
    timeout: float = 30.0,
    hold: float = 0.01,
) -> RaceResult[T]:
    """Call ``fn`` on ``threads`` threads released together by a barrier; a coroutine
    function runs as ``threads`` tasks on one new event loop, released together.

    With ``past`` (a token or an instant) the clock first travels just past it, so every
    thread finds the token expired at once. While threads run, the interpreter switches
    threads as often as it can (``switch_interval``), and the fakes hold each login and
    refresh in flight until every other thread has reached a fake too or finished, for
    ``hold`` seconds of real time at most: a client without a lock shows its extra
    renewals even on a busy machine, and one with a lock waits ``hold`` once. Inside a
    running event loop, ``await race_tasks(...)`` instead.
    """
    if inspect.iscoroutinefunction(fn):
        _outside_a_loop()
        return asyncio.run(race_tasks(fn, threads=threads, clock=clock, past=past, timeout=timeout))
    _check(threads, clock, past)
    _check_hold(hold)
    plain = cast("Callable[[], T]", fn)  # not a coroutine function: checked above
    return _run_threads(plain, threads, Hold(threads, hold), switch_interval, timeout)


def _run_threads(
    fn: Callable[[], T], threads: int, held: Hold, switch_interval: float, timeout: float
) -> RaceResult[T]:
    barrier = threading.Barrier(threads)
    values: list[Any] = [None] * threads
    errors: list[tuple[int, BaseException]] = []

    def run(index: int) -> None:
        try:
            barrier.wait(timeout)
            values[index] = _call_deep(fn, _FROZEN_DEPTH)
        except BaseException as exc:
            errors.append((index, exc))
        finally:
            held.finished()

    workers = [
        threading.Thread(target=run, args=(i,), name=f"bizauth-race-{i}") for i in range(threads)
    ]
    previous = sys.getswitchinterval()
    sys.setswitchinterval(switch_interval)
    try:
        with holding(held):
            for worker in workers:
                worker.start()
            for worker in workers:
                worker.join(timeout)
    finally:
        sys.setswitchinterval(previous)
    stuck = [worker.name for worker in workers if worker.is_alive()]
    if stuck:
        raise TimeoutError(f"{len(stuck)} racing thread(s) did not finish within {timeout} s")
    return RaceResult(threads, values, [exc for _, exc in sorted(errors, key=lambda e: e[0])])


def _check_hold(hold: object) -> None:
    if isinstance(hold, bool) or not isinstance(hold, (int, float)) or not 0 <= hold <= 10:
        raise UsageValueError(f"hold must be a number of seconds from 0 to 10, not {hold!r}")


def _outside_a_loop() -> None:
    """Refuse to start an event loop of our own inside a running one."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return
    raise RuntimeError(
        "race() of a coroutine function runs its own event loop; inside a running "
        "loop, use: await race_tasks(fn, ...)"
    )


async def race_tasks(
    fn: Callable[[], Awaitable[T]],
    *,
    threads: int = 16,
    clock: Clock | None = None,
    past: str | _dt.datetime | None = None,
    timeout: float = 30.0,
) -> RaceResult[T]:
    """Run ``threads`` tasks of the coroutine function ``fn`` in the running event loop
    (asyncio or trio), all released at once after each has started and reached the
    gate."""
    import anyio
    import anyio.lowlevel

    _check(threads, clock, past)
    gate = anyio.Event()
    arrived = 0
    outcomes: list[Any] = [None] * threads

    async def one(index: int) -> None:
        nonlocal arrived
        arrived += 1
        await gate.wait()
        try:
            outcomes[index] = await fn()
        except Exception as exc:  # reported in the result, as the threads' are
            outcomes[index] = exc

    try:
        with anyio.fail_after(timeout):
            async with anyio.create_task_group() as group:
                for index in range(threads):
                    group.start_soon(one, index)
                while arrived < threads:
                    await anyio.lowlevel.checkpoint()
                gate.set()
    except TimeoutError:
        raise TimeoutError(f"racing tasks did not finish within {timeout} s") from None
    values: list[Any] = [None if isinstance(o, BaseException) else o for o in outcomes]
    errors = [o for o in outcomes if isinstance(o, BaseException)]
    return RaceResult(threads, values, errors)


class Race:
    """``race`` bound to a clock; the ``bizauth_race`` fixture gives one."""

    def __init__(self, clock: Clock | None = None) -> None:
        self.clock = clock

    def __call__(
        self,
        fn: Racer[T],
        *,
        threads: int = 16,
        past: str | _dt.datetime | None = None,
        switch_interval: float = 1e-6,
        timeout: float = 30.0,
        hold: float = 0.01,
    ) -> RaceResult[T]:
        return race(
            fn,
            threads=threads,
            clock=self.clock,
            past=past,
            switch_interval=switch_interval,
            timeout=timeout,
            hold=hold,
        )

    async def tasks(
        self,
        fn: Callable[[], Awaitable[T]],
        *,
        threads: int = 16,
        past: str | _dt.datetime | None = None,
        timeout: float = 30.0,
    ) -> RaceResult[T]:
        """:func:`race_tasks` bound to the clock, for a test already inside a loop."""
        return await race_tasks(fn, threads=threads, clock=self.clock, past=past, timeout=timeout)

    def __repr__(self) -> str:
        return f"Race(clock={self.clock!r})"
