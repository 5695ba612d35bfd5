"""How a :class:`~pytest_bizauth.clock.Clock` freezes time: freezegun (the default),
made cheap to start, or time-machine (opt in), which patches time at the C level and
costs the same whatever the number of loaded modules. Each backend's freeze moves to an
instant, says whether it is the innermost freeze, and stops."""

from __future__ import annotations

import functools
import sys
from types import ModuleType
from typing import TYPE_CHECKING, Any

from .._compat import (
    freezegun_factories,
    freezegun_real_time_ids,
    start_freezer_patching,
    stop_freezer,
    time_machine_depth,
)
from ..errors import UsageValueError

if TYPE_CHECKING:
    import datetime as _dt
    from collections.abc import Callable

    from .imports import RealDatesOnImport
    from .loops import ClockLoopTime, RealLoopTime

__all__ = ["BACKENDS", "Freeze", "freeze"]

#: A module holding time functions: its name, the module, and the names that hold them.
Target = tuple[str, ModuleType, tuple[str, ...]]

#: Packages that keep real time under the frozen clock: pytest's own timing (test
#: durations, ``--durations``) and its plugin machinery. freezegun would hand them its
#: fakes, which look up the call stack on every call to tell pytest apart.
_REAL_TIME_PACKAGES = ("_pytest.", "pytest.", "pluggy.", "xdist.")
#: Modules that keep real time too: a subprocess's timeout counts real seconds, even
#: while the code it waits on moves the frozen clock.
_REAL_TIME_MODULES = frozenset({"subprocess"})

#: The clock's backends, by the name ``bizauth_clock_backend`` takes.
BACKENDS = ("freezegun", "time-machine")


def modules_shape() -> tuple[int, str | None]:
    """How many modules are loaded, and the name of the last loaded: an import or a
    removal changes one or the other, and reading both costs the same whatever the
    number of modules."""
    return len(sys.modules), next(reversed(sys.modules), None)


class _ModuleScan:
    """Makes freezegun's start cheap without changing what it does.

    On every start freezegun walks all of ``sys.modules`` looking for names bound to the
    real time functions (``from time import time``), to point them at its fakes, and
    checks each module against its cache by listing its names. Nearly every module holds
    none. We remember, for each module (keyed by the module object and the size of its
    namespace), which of its names hold a time function, and point exactly those at
    freezegun's fakes.

    The modules are walked again (each one looked into only if it is new, replaced, or
    has gained or lost names) when a module was imported or removed since the last walk,
    or when a module that was new at the last walk (perhaps still being imported then)
    has gained or lost names since: a start costs the same whatever the number of loaded
    modules. Like freezegun's own cache, this does not notice an existing name rebound
    to a time function; nor, until the next import, a module of long standing replaced
    in ``sys.modules`` under its own name, or one given a new name for a time function.
    """

    def __init__(self) -> None:
        self._seen: dict[str, tuple[int, int, tuple[str, ...]]] = {}
        #: ``modules_shape()`` at the last walk, and the names of the modules then.
        self.shape: tuple[int, str | None] = (-1, None)
        self.names: list[str] = []
        # The namespaces of the modules that were new at the last walk, with their sizes
        # then, and how many starts have found them unchanged since.
        self._young: list[tuple[dict[str, object], int]] = []
        self._steady = 0
        self._found: list[Target] = []

    def candidates(self, real_ids: set[int]) -> list[Target]:
        """``(module name, module, names holding a time function)`` for each module
        that holds one."""
        if modules_shape() == self.shape and self._young_unchanged():
            return self._found  # the common case: nothing imported, no name added
        self.names = list(sys.modules)
        self.shape = modules_shape()
        self._found = self._walk(real_ids)
        return self._found

    def _young_unchanged(self) -> bool:
        if not all(len(namespace) == size for namespace, size in self._young):
            return False
        self._steady += 1
        if self._steady > 2:  # imported in full by now: no need to look again
            self._young = []
        return True

    def _walk(self, real_ids: set[int]) -> list[Target]:
        seen = self._seen
        found = []
        young = []
        for name, module in list(sys.modules.items()):
            if (
                not isinstance(module, ModuleType)
                or name.startswith(_REAL_TIME_PACKAGES)
                or name in _REAL_TIME_MODULES
            ):
                continue
            namespace = module.__dict__
            if namespace is not module.__dict__:
                # Built anew on each look (a cffi library): no Python name to point
                # anywhere, and costly to look at every time.
                continue
            size = len(namespace)
            known = seen.get(name)
            if known is not None and known[0] == id(module) and known[1] == size:
                names = known[2]
            else:
                names = tuple(k for k, v in list(namespace.items()) if id(v) in real_ids)
                seen[name] = (id(module), size, names)
                young.append((namespace, size))
            if names:
                found.append((name, module, names))
        self._young = young
        self._steady = 0
        return found


_scan = _ModuleScan()


def _start_freezer(freezer: Any) -> Any:
    return start_freezer_patching(freezer, _scan.candidates(freezegun_real_time_ids()))


class Freeze:
    """A running freeze: freezegun's factory, or time-machine's coordinates."""

    def __init__(
        self,
        backend: str,
        handle: Any,
        stopper: Any,
        loop_time: RealLoopTime | ClockLoopTime | None,
        instant: _dt.datetime,
    ) -> None:
        self.backend = backend
        #: What the event loops read as their time (None: what the backend gives them).
        self.loop_time = loop_time
        self._instant = instant
        #: Seconds the clock has moved forward since this freeze started, as the event
        #: loops count them (a loop's jump exactly, the clock's instant to the microsecond).
        self.ahead = 0.0
        self._jumping = False
        # The instant and the loops' seconds ahead at the clock's last move by anyone
        # but a loop: jumps since then put the clock there plus their sum, rounded once.
        self._base = (instant, 0.0)
        self._handle = handle
        self._stopper = stopper
        self._freezes = freezegun_factories() if backend == "freezegun" else []
        # How many time-machine travels run with this one: any other is a user's.
        self._travels = time_machine_depth()

    def move_to(self, instant: _dt.datetime) -> None:
        self._handle.move_to(instant)
        forward = (instant - self._instant).total_seconds()
        self._instant = instant
        if not self._jumping:
            if forward > 0:
                self._advance(forward)
            self._base = (instant, self.ahead)

    def jump(self, seconds: float, move_to: Callable[[_dt.datetime], object]) -> None:
        """An idle event loop jumps ``seconds`` ahead: the loops move by exactly
        ``seconds`` (so the timer they jump to is due), and ``move_to`` moves the clock to
        where the loops' jumps since its last other move put it, to the nearest
        microsecond (rounded once, not at every jump: a clock jumped a whole number of
        seconds in all reads a whole number of seconds)."""
        import datetime as dt

        base, ahead_then = self._base
        since = self.ahead + seconds - ahead_then
        self._jumping = True
        try:
            move_to(base + dt.timedelta(microseconds=round(since * 1_000_000)))
        finally:
            self._jumping = False
        self._advance(seconds)

    def _advance(self, seconds: float) -> None:
        self.ahead += seconds
        if self.loop_time is not None:
            self.loop_time.advance(seconds)

    def governs(self) -> bool:
        """Whether this freeze is the innermost (a freezegun freeze started inside it
        would govern instead; time-machine keeps no stack a test can see)."""
        if time_machine_depth() != self._travels:
            return False  # a user's time_machine.travel started inside it
        if self.backend != "freezegun":
            return True
        return bool(self._freezes) and self._freezes[-1] is self._handle

    def stop(self) -> None:
        if self.loop_time is not None:
            self.loop_time.restore()
        self._stopper.stop()


def freeze(
    instant: _dt.datetime,
    backend: str,
    loop_time: str = "real",
    shift: Callable[[float], object] | None = None,
) -> Freeze:
    """Freeze time at ``instant`` with ``backend`` (``freezegun`` or ``time-machine``);
    event loops read ``loop_time`` (``real``, ``follow`` or ``jump``: see
    :mod:`~pytest_bizauth.clock.loops`; ``shift`` moves the clock when a loop jumps)."""
    from .loops import ClockLoopTime, RealLoopTime

    follows: ClockLoopTime | None = None
    if loop_time != "real":
        follows = ClockLoopTime.patch(loop_time == "jump", shift or (lambda seconds: None))
    if backend == "time-machine":
        try:
            import time_machine
        except ImportError:
            if follows is not None:
                follows.restore()
            raise UsageValueError(
                "the time-machine clock backend needs time-machine: pip install time-machine"
            ) from None
        traveller = time_machine.travel(instant, tick=False)
        return Freeze(backend, traveller.start(), traveller, follows, instant)
    from freezegun import freeze_time

    # asyncio's loops keep real time, as freeze_time(real_asyncio=True) would have them;
    # that option makes and closes an event loop at every start to learn its class,
    # which costs more than the rest of the start.
    freezer = freeze_time(instant, tick=False)
    factory = _start_freezer(freezer)
    loops = follows if follows is not None else RealLoopTime.patch()
    return Freeze(backend, factory, _FreezegunStop(freezer), loops, instant)


@functools.lru_cache(maxsize=1)
def _imports_hook() -> RealDatesOnImport:
    """The import hook every freeze installs while it runs: one for the process."""
    from .imports import RealDatesOnImport

    return RealDatesOnImport()


class _FreezegunStop:
    """Stops a freezegun freeze, cheaply when no module was imported while it ran."""

    def __init__(self, freezer: object) -> None:
        self._freezer = freezer
        self._imports = _imports_hook()  # modules imported meanwhile see real dates
        self._imports.install()
        # The modules loaded at the start: those of the scan's last walk, made at this
        # start if any module came or went since the one before.
        self._shape = _scan.shape
        self._names = _scan.names

    def stop(self) -> None:
        self._imports.remove()
        stop_freezer(self._freezer, self._shape, self._names, modules_shape())
