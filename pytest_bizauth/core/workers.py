"""Threads that run webhook receivers in-process (a WSGI or ASGI application), kept
for the next delivery instead of started anew for each.

A delivery runs its receiver in a worker thread so that its deadline holds whatever the
receiver does; starting a thread for every delivery cost more than many a receiver's
whole answer. A worker that finishes returns to the idle list (at most :data:`KEEP`
wait there; one more ends); a receiver that never returns keeps its worker, and the
next delivery gets another.
"""

from __future__ import annotations

import queue
import threading
from typing import Callable

__all__ = ["KEEP", "Workers"]

#: The most idle workers kept for the next deliveries.
KEEP = 4

Job = tuple[Callable[[], None], threading.Event]


class Workers:
    """A few daemon threads that run one job at a time each."""

    def __init__(self, keep: int = KEEP) -> None:
        self._keep = keep
        self._idle: list[queue.SimpleQueue[Job]] = []
        self._lock = threading.Lock()
        #: How many jobs are running now.
        self.busy = 0

    def run(self, job: Callable[[], None], timeout: float) -> threading.Event:
        """Start ``job`` on a worker; the returned event is set when it has returned.
        Waits at most ``timeout`` seconds for it."""
        done = threading.Event()
        with self._lock:
            jobs = self._idle.pop() if self._idle else None
        if jobs is None:
            jobs = queue.SimpleQueue()
            threading.Thread(
                target=self._serve, args=(jobs,), name="bizauth-webhook", daemon=True
            ).start()
        with self._lock:
            self.busy += 1
        jobs.put((job, done))
        done.wait(timeout)
        return done

    def _serve(self, jobs: queue.SimpleQueue[Job]) -> None:
        while True:
            job, done = jobs.get()
            try:
                job()
            except BaseException:  # the job reports its own failures
                pass
            finally:
                with self._lock:
                    self.busy -= 1
                done.set()
            # What the job held (an application, its environ, an exception and its
            # frames) goes now, as it would with a thread of its own, not at the next job.
            del job, done
            with self._lock:
                if len(self._idle) >= self._keep:
                    return
                self._idle.append(jobs)
