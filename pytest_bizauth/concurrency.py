"""Run a callable on many threads released together, to prove single-flight refresh."""

from __future__ import annotations

import sys
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    import datetime as _dt

    from .clock import Clock

__all__ = ["Race", "RaceResult", "race"]

# freezegun answers time.time() with the real time when one of the five callers nearest
# to the call belongs to an ignored module such as threading. Calling the racer this
# many frames below the thread's own entry keeps code that reads time.time() frozen.
_FROZEN_DEPTH = 5


@dataclass(frozen=True)
class RaceResult:
    """What the racing threads returned and raised, in thread order."""

    threads: int
    values: list[Any] = field(repr=False)
    errors: list[BaseException]

    @property
    def ok(self) -> bool:
        """Every thread returned without raising."""
        return not self.errors

    @property
    def distinct(self) -> list[Any]:
        """The different values returned, in first-seen order."""
        seen: list[Any] = []
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


def race(
    fn: Callable[[], Any],
    *,
    threads: int = 16,
    clock: Clock | None = None,
    past: str | _dt.datetime | None = None,
    switch_interval: float = 1e-6,
    timeout: float = 30.0,
) -> RaceResult:
    """Call ``fn`` on ``threads`` threads released together by a barrier.

    With ``past`` (a token or an instant) the clock first travels just past it, so every
    thread finds the token expired at once. While the threads run, the interpreter
    switches threads as often as it can (``switch_interval``), so a missing lock shows.
    """
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 2:
        raise ValueError(f"threads must be a whole number, 2 or more, not {threads!r}")
    if past is not None:
        if clock is None:
            raise ValueError("race(past=...) needs the clock: pass clock=bizauth_clock")
        clock.travel_past(past)
    barrier = threading.Barrier(threads)
    values: list[Any] = [None] * threads
    errors: list[tuple[int, BaseException]] = []

    def run(index: int) -> None:
        try:
            barrier.wait(timeout)
            values[index] = _call_deep(fn, _FROZEN_DEPTH)
        except BaseException as exc:
            errors.append((index, exc))

    workers = [
        threading.Thread(target=run, args=(i,), name=f"bizauth-race-{i}") for i in range(threads)
    ]
    previous = sys.getswitchinterval()
    sys.setswitchinterval(switch_interval)
    try:
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


class Race:
    """``race`` bound to a clock; the ``bizauth_race`` fixture gives one."""

    def __init__(self, clock: Clock | None = None) -> None:
        self.clock = clock

    def __call__(
        self,
        fn: Callable[[], Any],
        *,
        threads: int = 16,
        past: str | _dt.datetime | None = None,
        switch_interval: float = 1e-6,
        timeout: float = 30.0,
    ) -> RaceResult:
        return race(
            fn,
            threads=threads,
            clock=self.clock,
            past=past,
            switch_interval=switch_interval,
            timeout=timeout,
        )

    def __repr__(self) -> str:
        return f"Race(clock={self.clock!r})"
