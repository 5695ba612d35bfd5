"""A ``trio.abc.Clock`` tied to a running :class:`~pytest_bizauth.clock.Clock`.

trio asks its clock for the time and how long to sleep until a deadline. This one
answers as asyncio's loops do under ``loop_time``: ``follow`` (real seconds plus how
far the clock moved forward) or ``jump`` (only how far it moved forward: a task of the
clock's own waits until every task has been blocked for ``grace`` real seconds, then
moves the clock to the next deadline, as trio's ``MockClock`` autojumps). This module
is imported only when a test asks for a trio clock; without trio installed, the class
is a plain object that :meth:`~pytest_bizauth.clock.Clock.trio_clock` never makes.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Callable

from .._compat import real_seconds

__all__ = ["INSTALLED", "BizauthTrioClock"]

if TYPE_CHECKING:
    import trio
    import trio.testing

    _Base = trio.abc.Clock
else:
    try:
        import trio
        import trio.testing
    except ImportError:  # pragma: no cover - exercised by the suite without trio
        trio = None
        _Base = object
    else:
        _Base = trio.abc.Clock

#: Whether trio is installed (a trio clock can be made).
INSTALLED = trio is not None


class BizauthTrioClock(_Base):
    """trio's clock, read from ``bizauth_clock``: ``ahead()`` is how far the clock has
    moved forward in seconds, ``jump(seconds)`` moves it when every task waits."""

    def __init__(
        self,
        jump: Callable[[float], object],
        ahead: Callable[[], float],
        *,
        jumps: bool,
        grace: float,
    ) -> None:
        self._jump = jump
        self._ahead = ahead
        self._jumps = jumps
        self._grace = grace
        self._real = real_seconds()
        self._origin = self._real()
        self._jumping = False

    def start_clock(self) -> None:
        self._jumping = False

    def current_time(self) -> float:
        if not self._jumps:
            return self._real() + self._ahead()
        if not self._jumping:
            self._start_jumping()
        return self._origin + self._ahead()

    def deadline_to_sleep_time(self, deadline: float) -> float:
        left = deadline - self.current_time()
        if left <= 0:
            return 0.0
        return 86_400.0 if self._jumps else left  # under jump, time moves by jumps alone

    def _start_jumping(self) -> None:
        # The task that jumps starts from the first task to read the time: trio has no
        # system nursery yet when it starts the clock, nor in its own first task.
        try:
            if trio.lowlevel.current_task() is trio.lowlevel.current_root_task():
                return
        except RuntimeError:
            return  # the run loop itself asks
        self._jumping = True
        trio.lowlevel.spawn_system_task(self._autojump, name="bizauth_clock jumps")

    async def _autojump(self) -> None:
        while True:
            await trio.testing.wait_all_tasks_blocked(self._grace)
            step = trio.lowlevel.current_statistics().seconds_to_next_deadline
            if math.isfinite(step) and step > 0:
                self._jump(step)
            else:  # nothing to jump to: look again after a little real time
                await trio.testing.wait_all_tasks_blocked(max(self._grace, 0.01))

    def __repr__(self) -> str:
        mode = "jump" if self._jumps else "follow"
        return f"<bizauth trio clock ({mode}) at {self.current_time():.6f}>"
