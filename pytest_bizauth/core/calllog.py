"""What the assertions ask of a fake's call log, kept up to date call by call, so an
assertion costs the same on a log of ten calls and of ten thousand."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .wire import Call, EventKind

__all__ = ["CallIndex"]


class CallIndex:
    """The auth events, successes by kind, bearer tokens seen (masked) and the last
    refresh of a call log. :meth:`add` each call as it is logged; :meth:`sync` starts
    over if the log was changed from outside (a test cleared it)."""

    def __init__(self, bearer_headers: Sequence[str]) -> None:
        self._headers = tuple(bearer_headers)
        self.reset()

    def reset(self) -> None:
        self.size = 0
        self.events: list[str] = []
        self.successes: Counter[EventKind] = Counter()
        self.bearers: set[str] = set()
        self.last_refresh: Call | None = None

    def add(self, call: Call) -> None:
        self.size += 1
        if call.kind != "discovery":
            self.events.append(call.event)
        if call.ok:
            self.successes[call.kind] += 1
        if call.kind == "refresh":
            self.last_refresh = call
        for header in self._headers:
            value = call.request.get(header)
            if value:
                self.bearers.add(str(value).partition(" ")[2])

    def sync(self, calls: Sequence[Call]) -> CallIndex:
        """This index, made to match ``calls`` again if they changed behind its back."""
        if len(calls) != self.size:
            self.reset()
            for call in calls:
                self.add(call)
        return self
