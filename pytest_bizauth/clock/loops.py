"""What asyncio's event loops read as their time while a :class:`~pytest_bizauth.clock.Clock`
runs, by the clock's ``loop_time``:

- ``real``: real time, so ``asyncio.sleep()`` and timeouts end as they would unfrozen;
- ``follow``: real time plus how far the clock has moved forward, so a timer due after
  a move fires at the loop's next turn;
- ``jump``: only how far the clock has moved forward: when nothing is left to run but
  timers, the loop jumps to the next one and moves the clock with it
  (:mod:`~pytest_bizauth.clock.jumping`).

The loop's class is patched while the clock runs (every loop of the running event-loop
policy, made before or during the test); ``run_in_executor`` is watched so that a loop
never jumps, and :func:`settle` never returns, while a thread works for it.
"""

from __future__ import annotations

import contextlib
import threading
import weakref
from typing import TYPE_CHECKING, Any, Callable

from .._compat import loop_ready, real_monotonic, real_seconds
from ..errors import UsageValueError

if TYPE_CHECKING:
    import asyncio

__all__ = ["LOOP_TIMES", "ClockLoopTime", "RealLoopTime", "check_loop_time", "settle"]

#: The loop times a clock offers, by the name the ``loop_time`` option takes.
LOOP_TIMES = ("real", "follow", "jump")

# The event-loop class of each event-loop policy class, learned once by making a loop.
_loop_classes: dict[type, type] = {}

_ABSENT = object()


def check_loop_time(value: object, what: str = "loop_time") -> str:
    """``value`` if it names a loop time, else a clear error."""
    if not isinstance(value, str) or value.strip() not in LOOP_TIMES:
        raise UsageValueError(f"{what} must be one of {', '.join(LOOP_TIMES)}, not {value!r}")
    return value.strip()


def _loop_class() -> type:
    import asyncio

    policy = type(asyncio.get_event_loop_policy())
    found = _loop_classes.get(policy)
    if found is None:
        loop = asyncio.new_event_loop()
        loop.close()
        found = _loop_classes[policy] = type(loop)
    return found


class _ClassPatch:
    """Methods set on a loop class, put back as they were on :meth:`restore`."""

    def __init__(self, loop_class: type | None) -> None:
        self._class = loop_class
        self._saved: dict[str, Any] = {}

    def set(self, name: str, value: Callable[..., Any]) -> None:
        """Set ``name`` on the loop class; a class that takes no attribute (uvloop's,
        written in C) keeps its own."""
        assert self._class is not None
        saved = vars(self._class).get(name, _ABSENT)
        try:
            setattr(self._class, name, value)
        except (TypeError, AttributeError):
            return
        self._saved[name] = saved

    def restore(self) -> None:
        if self._class is None:
            return
        for name, saved in self._saved.items():
            if saved is _ABSENT:
                delattr(self._class, name)
            else:
                setattr(self._class, name, saved)
        self._class = None


class RealLoopTime(_ClassPatch):
    """Event loops read the real monotonic clock while a :class:`Clock` runs, so
    ``asyncio.sleep`` and timeouts still end."""

    @classmethod
    def patch(cls) -> RealLoopTime:
        patch = cls(_loop_class())
        real = real_monotonic()
        patch.set("time", lambda loop: real())
        return patch

    def advance(self, seconds: float) -> None:
        """The clock moved forward: real loop time does not care."""


class ClockLoopTime(_ClassPatch):
    """Event loops read the clock: real seconds plus how far it moved forward
    (``follow``), or only how far it moved forward (``jump``)."""

    def __init__(self, jump: bool, shift: Callable[[float], object]) -> None:
        super().__init__(_loop_class())
        self.jump = jump
        self._shift = shift
        #: Seconds the clock has moved forward since it started.
        self.ahead = 0.0
        self.real = real_seconds()
        self._origin = self.real()
        # The loops that read this time (woken when the clock moves), and the threads
        # (futures) and processes (transports) started for them.
        self._loops: weakref.WeakSet[asyncio.AbstractEventLoop] = weakref.WeakSet()
        self.outside: weakref.WeakSet[Any] = weakref.WeakSet()
        self._jumpers: list[Any] = []
        self._lock = threading.Lock()

    @classmethod
    def patch(cls, jump: bool, shift: Callable[[float], object]) -> ClockLoopTime:
        patch = cls(jump, shift)
        loops, adopt = patch._loops, patch._adopt
        if jump:

            def time(loop: asyncio.AbstractEventLoop) -> float:
                if loop not in loops:
                    adopt(loop)
                return patch._origin + patch.ahead
        else:

            def time(loop: asyncio.AbstractEventLoop) -> float:
                if loop not in loops:
                    adopt(loop)
                return patch.real() + patch.ahead

        assert patch._class is not None
        patch.set("time", time)
        for name in (
            "run_in_executor",
            "subprocess_exec",
            "subprocess_shell",
            "shutdown_default_executor",
        ):
            patch.set(name, patch._watching(getattr(patch._class, name)))
        return patch

    def _watching(self, method: Callable[..., Any]) -> Callable[..., Any]:
        """``method`` (one that starts a thread or a process for the loop, or waits
        for its threads), noting what it started while this clock runs."""
        outside = self.outside
        if method.__name__ == "run_in_executor":

            def run_in_executor(loop: Any, *args: Any) -> Any:
                future = method(loop, *args)
                outside.add(future)
                return future

            return run_in_executor

        if method.__name__ == "shutdown_default_executor":
            # It joins the executor's threads from a thread of its own, under a timeout
            # since Python 3.12: the loop must not jump to that timeout meanwhile.
            async def shutdown_default_executor(loop: Any, *args: Any, **kwargs: Any) -> Any:
                joining = loop.create_future()
                outside.add(joining)
                try:
                    return await method(loop, *args, **kwargs)
                finally:
                    joining.cancel()

            return shutdown_default_executor

        async def start_process(loop: Any, *args: Any, **kwargs: Any) -> Any:
            transport, protocol = await method(loop, *args, **kwargs)
            outside.add(transport)
            return transport, protocol

        return start_process

    def _adopt(self, loop: asyncio.AbstractEventLoop) -> None:
        with self._lock:
            if loop in self._loops:
                return
            self._loops.add(loop)
            if self.jump:
                from .jumping import Jumper

                jumper = Jumper.install(loop, self)
                if jumper is not None:
                    self._jumpers.append(jumper)

    def shift(self, seconds: float) -> object:
        """Move the clock (the fakes see the new instant): an idle loop jumps."""
        return self._shift(seconds)

    def advance(self, seconds: float) -> None:
        """The clock moved forward by ``seconds``: so do the loops, and a loop waiting
        in another thread wakes to fire what is now due."""
        import asyncio

        self.ahead += seconds
        try:
            current = asyncio.get_running_loop()
        except RuntimeError:
            current = None
        for loop in list(self._loops):
            if loop is not current and loop.is_running() and not loop.is_closed():
                with contextlib.suppress(RuntimeError):  # closed meanwhile
                    loop.call_soon_threadsafe(_nothing)

    def working(self, loop: asyncio.AbstractEventLoop) -> bool:
        """Whether a thread (``run_in_executor``) or a process (``subprocess_exec``)
        still works for ``loop``."""
        for started in list(self.outside):
            if hasattr(started, "get_returncode"):  # a process's transport
                if started.get_returncode() is None and not started.is_closing():
                    return True
            elif not started.done() and started.get_loop() is loop:
                return True
        return False

    def restore(self) -> None:
        for jumper in self._jumpers:
            jumper.remove()
        self._jumpers = []
        super().restore()


def _nothing() -> None:
    """A callback that only wakes a loop."""


async def settle(loop_time: object, timeout: float = 5.0) -> None:
    """Let every task that can run, run: until the loop has nothing left to do at its
    next turn and no thread works for it (asyncio), or every task is blocked (trio);
    at most ``timeout`` real seconds."""
    import asyncio

    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        loop = None
    if loop is None:
        import trio.testing

        await trio.testing.wait_all_tasks_blocked()
        return
    real = real_seconds()
    deadline = real() + timeout
    working = loop_time.working if isinstance(loop_time, ClockLoopTime) else None
    while True:
        await asyncio.sleep(0)
        busy = loop_ready(loop) or (working is not None and working(loop))
        if not busy:
            return
        if real() > deadline:
            raise TimeoutError(
                f"bizauth_clock.settle(): tasks still had work after {timeout:g} real "
                "seconds; give settle() a longer timeout, or await what they wait on"
            )
        if not loop_ready(loop):
            await asyncio.sleep(0.001)  # a thread works: give it real time
