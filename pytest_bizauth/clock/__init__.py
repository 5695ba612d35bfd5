"""The frozen clock: the one place that touches freezegun.

Everything in pytest-bizauth reads the time through :func:`now`, at the moment it needs
it, so freezing the clock governs the fakes, the token factories and the clients alike.
"""

from __future__ import annotations

import contextvars
import datetime as _dt
import math
import re
import weakref
from typing import Any, Callable, Union

from .._compat import freezegun_factories, time_machine_depth
from .._jwt import expiry
from .._redact import mask
from ..errors import UsageTypeError, UsageValueError
from .freezing import BACKENDS, Freeze, freeze
from .loops import check_loop_time, settle

__all__ = ["DEFAULT_START", "Clock", "ClockConflictError", "now", "read_by", "reading"]

UTC = _dt.timezone.utc

#: The instant a :class:`Clock` starts at unless told otherwise.
DEFAULT_START = _dt.datetime(2025, 1, 1, tzinfo=UTC)

Instant = Union[_dt.datetime, str]
Seconds = Union[int, float, _dt.timedelta]

# Running clocks, innermost last. While one is also freezegun's innermost freeze, now()
# answers from it directly instead of through freezegun's (slower) fake datetime.
_running: list[Clock] = []
# The clock of the context being served, when it is not the process's: a tenant of
# ``bizauth serve`` reads its own (see :func:`reading`).
_context: contextvars.ContextVar[Callable[[], _dt.datetime] | None] = contextvars.ContextVar(
    "pytest_bizauth_clock", default=None
)


class ClockConflictError(RuntimeError):
    """Another ``freeze_time`` or ``time_machine.travel`` froze time inside or around a
    running :class:`Clock`."""


def running_clock() -> Clock | None:
    """The innermost running :class:`Clock` (the test's ``bizauth_clock``), if any; none
    in a context that reads a clock of its own (a tenant of ``bizauth serve``)."""
    return _running[-1] if _running and _context.get() is None else None


def now() -> _dt.datetime:
    """The current instant as an aware UTC datetime (frozen while a :class:`Clock` runs)."""
    own = _context.get()
    if own is not None:
        return own()
    if _running:
        clock = _running[-1]
        if clock._governs_time():
            return clock._instant
    return _dt.datetime.now(UTC)


def reading(clock: Callable[[], _dt.datetime] | None) -> contextvars.Token[Any]:
    """Make :func:`now` answer ``clock()`` in this context (``None``: the process's
    time again) until ``_context.reset(token)`` with the token returned; see
    :func:`read_by`."""
    return _context.set(clock)


def read_by(token: contextvars.Token[Any]) -> None:
    """Undo :func:`reading`."""
    _context.reset(token)


def timestamp() -> float:
    """The current instant in seconds since the epoch, read through :func:`now`."""
    return now().timestamp()


# ISO 8601 with any number of fractional digits (some servers write seven), which
# datetime.fromisoformat reads only from Python 3.11 on.
_ISO = re.compile(
    r"(\d{4}-\d\d-\d\d)[Tt ](\d\d:\d\d(?::\d\d)?)(?:[.,](\d+))?([Zz]|[+-]\d\d:?\d\d)?"
)


def _fromisoformat(text: str) -> _dt.datetime:
    match = _ISO.fullmatch(text)
    if match is None:
        return _dt.datetime.fromisoformat(text)  # a date alone, or the error it raises
    date, time, fraction, offset = match.groups()
    micro = f".{fraction[:6].ljust(6, '0')}" if fraction else ""
    if offset in ("Z", "z"):
        offset = "+00:00"
    elif offset and ":" not in offset:
        offset = f"{offset[:3]}:{offset[3:]}"
    return _dt.datetime.fromisoformat(f"{date}T{time}{micro}{offset or ''}")


def parse_instant(value: object, *, what: str = "instant") -> _dt.datetime:
    """An aware UTC datetime from a datetime or an ISO 8601 string with an offset (any
    number of fractional digits; those past microseconds are dropped)."""
    if isinstance(value, str):
        try:
            value = _fromisoformat(value.strip())
        except ValueError:
            raise UsageValueError(
                f"{what} {value!r} is not an ISO 8601 date-time; "
                "write it like '2025-01-01T00:00:00Z' or '2025-01-01T07:00:00+07:00'"
            ) from None
    elif not isinstance(value, _dt.datetime):
        raise UsageTypeError(
            f"{what} must be a datetime or an ISO 8601 string, not {type(value).__name__}"
        )
    if value.tzinfo is None or value.utcoffset() is None:
        raise UsageValueError(
            f"{what} {value.isoformat()!r} has no time zone; give an aware datetime "
            "(tzinfo=timezone.utc) or a string ending in 'Z' or '+HH:MM'"
        )
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise UsageValueError(f"{what} {value.isoformat()!r} is out of range") from None


def check_start(instant: _dt.datetime, what: str) -> _dt.datetime:
    """A clock may start from 1970 to 8999: tokens minted then can still expire."""
    if not 1970 <= instant.year <= 8999:
        raise UsageValueError(
            f"{what} {instant.isoformat()!r} is out of range: start the clock between "
            "1970-01-01 and 8999-12-31"
        )
    return instant


#: The furthest a clock moves in one step: a thousand years, either way.
MAX_STEP = 1000 * 366 * 86_400


def _seconds(value: Seconds, *, what: str) -> float:
    if isinstance(value, _dt.timedelta):
        value = value.total_seconds()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise UsageTypeError(
            f"{what} must be a number of seconds or a timedelta, not {type(value).__name__}"
        )
    if not math.isfinite(value) or abs(value) > MAX_STEP:
        raise UsageValueError(
            f"{what} must be a finite number of seconds, at most {MAX_STEP} (a thousand "
            f"years) either way, not {value!r}"
        )
    return float(value)


class Clock:
    """A frozen clock that the fakes, the token factories and the clients all read.

    The clock does not tick: time moves only when a test moves it. ``time.time()``,
    ``datetime.now()`` and ``datetime.utcnow()`` in the code under test see the frozen
    instant too.

    >>> clock = Clock("2025-01-01T00:00:00Z")
    >>> with clock:
    ...     clock.shift(90).isoformat()
    '2025-01-01T00:01:30+00:00'
    """

    def __init__(
        self,
        start: Instant = DEFAULT_START,
        *,
        expiry_sources: list[Any] | None = None,
        backend: str = "freezegun",
        loop_time: str = "real",
    ) -> None:
        self._instant = check_start(parse_instant(start, what="the clock's start"), "start")
        #: What :meth:`expiry_of` asks about opaque tokens (objects with
        #: ``expiry_of(token)``, such as the fakes), and tells when the clock moves (those
        #: with ``clock_moved(instant)``: a fake sends the webhook retries then due); the
        #: list may grow while it runs.
        self.expiry_sources: list[Any] = [] if expiry_sources is None else expiry_sources
        if backend not in BACKENDS:
            raise UsageValueError(
                f"the clock's backend is one of {', '.join(BACKENDS)}, not {backend!r}"
            )
        #: What freezes time: ``freezegun`` (the default) or ``time-machine``.
        self.backend = backend
        #: What asyncio's event loops read as their time while the clock runs: ``real``
        #: (the default), ``follow`` (timers due after a move fire) or ``jump`` (an idle
        #: loop jumps to its next timer, moving the clock).
        self.loop_time = check_loop_time(loop_time, "the clock's loop_time")
        self._factory: Freeze | None = None
        # Fakes made by hand while the clock runs (held weakly: a test drops them).
        self._joined: weakref.WeakSet[Any] = weakref.WeakSet()

    def join(self, source: object) -> None:
        """Ask ``source`` about opaque tokens and tell it when the clock moves, as the
        ``expiry_sources``, while both live (a fake made by hand joins its clock)."""
        if source not in self.expiry_sources:
            self._joined.add(source)

    def _sources(self) -> list[Any]:
        listed = list(self.expiry_sources)
        return listed + [s for s in list(self._joined) if s not in listed]

    # -- lifecycle -----------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """Whether the clock is currently frozen (between :meth:`start` and :meth:`stop`)."""
        return self._factory is not None

    def start(self) -> Clock:
        """Freeze time at the clock's instant. Use the clock as a context manager instead
        where you can."""
        if self._factory is not None:
            raise RuntimeError("this Clock is already running; call stop() before start()")
        if freezegun_factories() or time_machine_depth():
            raise self._conflict()
        self._factory = freeze(self._instant, self.backend, self.loop_time, self._jump)
        _running.append(self)
        return self

    def stop(self) -> None:
        """Let time run again. Stopping a clock that is not running does nothing."""
        if self._factory is None:
            return
        _running.remove(self)
        factory, self._factory = self._factory, None
        factory.stop()

    def __enter__(self) -> Clock:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- reading -------------------------------------------------------------------------

    def now(self) -> _dt.datetime:
        """The frozen instant, as an aware UTC datetime."""
        return self._instant

    def _governs_time(self) -> bool:
        """Whether this clock's freeze is the innermost one (a ``freeze_time`` started
        inside it would govern instead)."""
        return self._factory is not None and self._factory.governs()

    def _conflict(self) -> ClockConflictError:
        return ClockConflictError(
            "pytest-bizauth: another freeze_time (freezegun's, or pytest-freezer's "
            "freezer) or time_machine.travel is freezing time beside bizauth_clock, and "
            "moving one clock would "
            "leave the other behind. Use one clock: bizauth_clock has move_to(), shift() "
            "and travel_past(); drop the other freeze (one started inside bizauth_clock "
            "governs until it stops, but bizauth_clock cannot move meanwhile)."
        )

    def timestamp(self) -> float:
        """The frozen instant in seconds since the epoch."""
        return self.now().timestamp()

    # -- moving --------------------------------------------------------------------------

    def move_to(self, when: Instant) -> _dt.datetime:
        """Jump to an instant (an aware datetime or an ISO 8601 string); back in time too."""
        target = check_start(parse_instant(when, what="move_to()'s instant"), "move_to()")
        if self._factory is not None and not self._governs_time():
            raise self._conflict()
        self._instant = target
        if self._factory is not None:
            self._factory.move_to(target)
        for source in self._sources():
            moved = getattr(source, "clock_moved", None)
            if moved is not None:
                moved(target)
        return target

    def shift(self, delta: Seconds) -> _dt.datetime:
        """Move by ``delta`` seconds (or a timedelta); negative moves back."""
        return self.move_to(self.now() + _dt.timedelta(seconds=_seconds(delta, what="shift()")))

    def expiry_of(self, token: str | _dt.datetime) -> _dt.datetime:
        """When a token expires, as an aware UTC datetime: a JWT's ``exp``, an ISO 8601
        instant (an expiry time a vendor sent with a token), or, for an opaque refresh
        token, what the fake that issued it recorded. The signature is not checked."""
        if isinstance(token, _dt.datetime):
            return parse_instant(token)
        if isinstance(token, str) and token.count(".") == 2:
            return _dt.datetime.fromtimestamp(expiry(token), UTC)
        if isinstance(token, str) and _ISO.fullmatch(token.strip()):
            return parse_instant(token, what="the expiry time")
        for source in self._sources():
            expires = source.expiry_of(token) if isinstance(token, str) else None
            if expires is not None:
                return _dt.datetime.fromtimestamp(expires, UTC)
        raise UsageValueError(
            f"cannot tell when {mask(token)} expires: it is not a JWT, not an ISO 8601 "
            "instant, and no fake in this test issued it"
        )

    def travel_past(self, token: str | _dt.datetime, by: Seconds = 1) -> _dt.datetime:
        """Move to ``by`` seconds after the token's expiry (a token is expired from ``exp`` on)."""
        step = _seconds(by, what="travel_past()'s by")
        if step < 0:
            raise UsageValueError(
                "travel_past()'s by must be 0 or more seconds; use travel_to_just_before()"
            )
        return self.move_to(self.expiry_of(token) + _dt.timedelta(seconds=step))

    def travel_to_just_before(
        self, token: str | _dt.datetime, seconds: Seconds = 1
    ) -> _dt.datetime:
        """Move to ``seconds`` before the token's expiry: it is still valid, barely."""
        step = _seconds(seconds, what="travel_to_just_before()'s seconds")
        if step <= 0:
            raise UsageValueError(
                "travel_to_just_before()'s seconds must be more than 0; use travel_past()"
            )
        return self.move_to(self.expiry_of(token) - _dt.timedelta(seconds=step))

    def travel_into_refresh_window(
        self, token: str | _dt.datetime, leeway: Seconds, *, inside: Seconds = 1
    ) -> _dt.datetime:
        """Move into the window in which a client with this ``leeway`` refreshes the
        token: ``inside`` seconds past its start, ``leeway`` seconds before expiry. One
        second inside (the default) is in the window whether a client renews when
        ``exp - leeway <= now`` (this package's clients) or only when ``exp - leeway <
        now`` (authlib's); ``inside=0`` lands on the window's first instant."""
        window = _seconds(leeway, what="travel_into_refresh_window()'s leeway")
        if window < 0:
            raise UsageValueError("travel_into_refresh_window()'s leeway must be 0 or more seconds")
        step = _seconds(inside, what="travel_into_refresh_window()'s inside")
        if not 0 <= step <= window:
            raise UsageValueError(
                "travel_into_refresh_window()'s inside must be 0 or more seconds, and no more "
                f"than the leeway ({window:g})"
            )
        return self.move_to(self.expiry_of(token) - _dt.timedelta(seconds=window - step))

    # -- event loops ---------------------------------------------------------------------

    async def settle(self, timeout: float = 5.0) -> None:
        """Let the tasks a move woke run before the test looks: returns once the loop
        has nothing left to run at its next turn and no thread works for it (on trio,
        once every task is blocked); at most ``timeout`` real seconds (asyncio)."""
        loop_time = self._factory.loop_time if self._factory is not None else None
        await settle(loop_time, timeout)

    def trio_clock(self, *, jump: bool | None = None, grace: float = 0.0) -> Any:
        """A ``trio.abc.Clock`` on this clock, for ``trio.run(..., clock=...)``,
        pytest-trio's ``clock`` fixture or anyio's trio backend: it follows the clock
        (timers due after a move fire), and with ``jump`` (by default, when
        ``loop_time`` is ``jump``) it moves the clock to the next deadline once every
        task has been blocked for ``grace`` real seconds."""
        if self._factory is None:
            raise RuntimeError("start the clock (use bizauth_clock) before asking for a trio clock")
        from .trio_clock import INSTALLED, BizauthTrioClock

        if not INSTALLED:
            raise UsageValueError("trio_clock() needs trio: pip install trio")
        return BizauthTrioClock(
            self._jump,
            self._ahead,
            jumps=self.loop_time == "jump" if jump is None else jump,
            grace=_seconds(grace, what="trio_clock()'s grace"),
        )

    def _jump(self, seconds: float) -> None:
        """An idle event loop jumps ahead, moving the clock with it."""
        if self._factory is not None:
            self._factory.jump(seconds, self.move_to)

    def _ahead(self) -> float:
        return self._factory.ahead if self._factory is not None else 0.0

    def __repr__(self) -> str:
        state = "frozen" if self.running else "stopped"
        return f"Clock({self.now().isoformat()!r}, {state})"
