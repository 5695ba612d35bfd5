"""Logins and refreshes held in flight during a thread race.

A client that checks its token and renews it without a lock only shows its race when a
second thread looks before the first renewal lands. On a busy machine the first thread
often finishes before any other is scheduled, so during a race the fakes hold each login
and refresh (in real time) until every other racer has either arrived at the fake too or
finished, or until the hold's bound passes. A client with its lock pays one bound per
race; one without shows its extra renewals.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["Hold", "hold_in_flight", "holding"]

_HELD_KINDS = frozenset({"login", "refresh"})


class Hold:
    """One race's hold: ``racers`` threads, ``bound`` seconds at most per renewal."""

    def __init__(self, racers: int, bound: float) -> None:
        self.racers = racers
        self.bound = bound
        self._changed = threading.Condition()
        self._inside = 0
        self._finished = 0

    def finished(self) -> None:
        """A racer returned (or raised): nobody waits for it to look any more."""
        with self._changed:
            self._finished += 1
            self._changed.notify_all()

    def wait(self) -> None:
        """Hold one renewal until each other racer has arrived or finished."""
        with self._changed:
            self._inside += 1
            self._changed.notify_all()
            try:
                self._changed.wait_for(
                    lambda: self._inside + self._finished >= self.racers, self.bound
                )
            finally:
                self._inside -= 1


_current: list[Hold] = []
_lock = threading.Lock()


@contextmanager
def holding(hold: Hold) -> Iterator[Hold]:
    """Hold logins and refreshes in flight while the block runs."""
    with _lock:
        _current.append(hold)
    try:
        yield hold
    finally:
        with _lock:
            _current.remove(hold)


def hold_in_flight(kind: str) -> None:
    """Called by a fake before it answers a call of ``kind``: during a race, a login or
    refresh waits as :class:`Hold` says; otherwise nothing happens."""
    if not _current or kind not in _HELD_KINDS:
        return
    _current[-1].wait()
