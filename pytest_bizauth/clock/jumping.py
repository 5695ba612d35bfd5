"""An asyncio loop that jumps to its next timer when it has nothing else to do.

The loop's selector is asked to wait until the next timer is due. It looks first (a
wait of zero): if nothing has arrived and nothing outside the loop can still bring work,
it waits no real time and moves the clock to the timer instead. Something outside the
loop can bring work while a thread runs for the loop (``run_in_executor``,
``asyncio.to_thread``), while the loop waits to write, while it watches a pipe or a
process (a subprocess), and, for :data:`GRACE` real seconds after the loop last
ran, while it watches a connected socket (an answer on its way, or a connection idle
in a pool: the two look alike). Meanwhile the loop waits real time in short slices,
and the clock moves by the real time waited, so a timeout around such a wait still
fires.
"""

from __future__ import annotations

import math
import os
import selectors
import socket
import stat
from typing import TYPE_CHECKING, Any, Callable, Protocol

from .._compat import loop_selector, loop_self_pipe

if TYPE_CHECKING:
    import asyncio

__all__ = ["SLICE", "GRACE", "Jumper", "LoopClock"]

#: Real seconds of quiet before the loop jumps while it watches a connected socket, or
#: after something arrived from outside (a pipe closing before its process is reaped).
GRACE = 0.2
#: The longest real wait at once while something outside the loop can bring work.
SLICE = 0.02

_LISTENING, _SOCKET, _OTHER = "listening", "socket", "other"
_ABSENT = object()


class LoopClock(Protocol):
    """What a jumping loop needs of the clock's loop time."""

    real: Callable[[], float]

    def shift(self, seconds: float) -> object: ...
    def working(self, loop: asyncio.AbstractEventLoop) -> bool: ...


def _kind(fd: int) -> str:
    """A listening socket, a connected socket, or anything else (a pipe, a pidfd)."""
    try:
        if not stat.S_ISSOCK(os.fstat(fd).st_mode):
            return _OTHER
        sock = socket.socket(fileno=fd)
    except OSError:
        return _OTHER
    try:
        listening = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN)
    except OSError:
        listening = 0
    finally:
        sock.detach()
    return _LISTENING if listening else _SOCKET


class Jumper:
    """Replaces one loop's ``selector.select`` while a clock with ``loop_time = jump``
    runs."""

    def __init__(self, loop: asyncio.AbstractEventLoop, selector: Any, time: LoopClock):
        self._loop = loop
        self._selector = selector
        self._time = time
        self._select = selector.select
        self._pipe = loop_self_pipe(loop)
        self._kinds: dict[int, tuple[object, str]] = {}
        self._replaced: object = _ABSENT
        # When the loop last ran callbacks, and when something last arrived from outside.
        self._ran = self._arrived = -math.inf

    @classmethod
    def install(cls, loop: asyncio.AbstractEventLoop, time: LoopClock) -> Jumper | None:
        """Make ``loop`` jump; None for a loop without a selector (it keeps following
        the clock without jumping). A ``select`` replaced by another library (looptime
        replaces it on every loop its plugin makes) is wrapped in turn."""
        selector = loop_selector(loop)
        if selector is None or isinstance(getattr(selector.select, "__self__", None), Jumper):
            return None
        jumper = cls(loop, selector, time)
        jumper._replaced = vars(selector).get("select", _ABSENT)
        selector.select = jumper.select
        return jumper

    def remove(self) -> None:
        if vars(self._selector).get("select") != self.select:
            return  # replaced since by someone else: theirs to put back
        if self._replaced is _ABSENT:
            del self._selector.select
        else:
            self._selector.select = self._replaced

    def select(self, timeout: float | None = None) -> list[tuple[Any, int]]:
        real = self._time.real
        if timeout is None or timeout <= 0:
            self._ran = real()  # callbacks are ready: the loop runs them next
            return self._seen(self._select(timeout))
        ready = self._seen(self._select(0))
        if ready:
            return ready
        began = real()
        if not self._outside_work(began):
            self._jump(timeout)
            return ready
        ready = self._seen(self._select(min(timeout, SLICE)))
        waited = real() - began
        if waited >= timeout:
            self._jump(timeout)
        elif waited > 0:
            self._time.shift(waited)  # time runs at real speed while the loop waits
        return ready

    def _jump(self, seconds: float) -> None:
        """Move to the next timer: the loop runs it next."""
        self._time.shift(seconds)
        self._ran = self._time.real()

    def _seen(self, ready: list[tuple[Any, int]]) -> list[tuple[Any, int]]:
        """Note when something arrived from outside (the loop's own wake-ups aside)."""
        if ready and any(key.fd != self._pipe for key, _ in ready):
            self._ran = self._arrived = self._time.real()
        return ready

    def _outside_work(self, now: float) -> bool:
        """Whether something outside the loop may still bring it work: a thread or a
        process started for it, a write waiting, a pipe watched, something arrived less
        than :data:`GRACE` ago, or a connected socket watched less than :data:`GRACE`
        after the loop last ran."""
        if self._time.working(self._loop) or now - self._arrived < GRACE:
            return True
        for key in list(self._selector.get_map().values()):
            if key.fd == self._pipe:
                continue
            if key.events & selectors.EVENT_WRITE:
                return True
            kind = self._kind(key)
            if kind == _OTHER or (kind == _SOCKET and now - self._ran < GRACE):
                return True
        return False

    def _kind(self, key: selectors.SelectorKey) -> str:
        known = self._kinds.get(key.fd)
        if known is not None and known[0] is key:
            return known[1]
        kind = _kind(key.fd)
        self._kinds[key.fd] = (key, kind)
        return kind
