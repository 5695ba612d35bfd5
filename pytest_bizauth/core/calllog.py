"""A fake's call log and the assertions on it. What the assertions ask is kept up to
date call by call, so an assertion costs the same on a log of ten calls and of ten
thousand."""

from __future__ import annotations

import threading
from collections import Counter
from typing import TYPE_CHECKING, Any, Callable

from .._redact import mask, scrub_path
from ..clock import now
from ..errors import UsageValueError
from .call import Call
from .reasons import fallback
from .values import check_times

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .._types import JSONObject, JSONView
    from .routes import Route
    from .wire import EventKind, FakeRequest, Reply

__all__ = ["DEFAULT_LIMIT", "CallIndex", "CallLog", "LogVerbs", "record_call"]


class CallIndex:
    """The auth events, successes by kind, bearer tokens seen (masked) and the last
    refresh of a call log: :meth:`add` each call as it is logged."""

    def __init__(self, bearer_headers: Sequence[str]) -> None:
        self._headers = tuple(bearer_headers)
        self.reset()

    def reset(self) -> None:
        self.size = 0
        self.events: list[str] = []
        self.successes: Counter[EventKind] = Counter()
        self.bearers: set[str] = set()
        self.last_refresh: Call | None = None

    def add(self, call: Call, bearers: Sequence[str] | None = None) -> None:
        """Index ``call``; ``bearers``: its bearer tokens, masked, when the caller knows
        them (else read from its redacted request)."""
        self.size += 1
        if call.kind != "discovery":
            self.events.append(call.event)
        if call.ok:
            self.successes[call.kind] += 1
        if call.kind == "refresh":
            self.last_refresh = call
        if bearers is None:
            bearers = _bearers({h: call.request.get(h) for h in self._headers})
        self.bearers.update(bearers)


def _bearers(shown: JSONView) -> list[str]:
    """The masked tokens of bearer headers as a call log shows them."""
    return [str(value).partition(" ")[2] for value in shown.values() if value]


def _times(n: int) -> str:
    return "once" if n == 1 else f"{n} times"


# The most near-miss hints a log keeps (one per distinct unmatched request).
_MAX_HINTS = 1_000

#: How many calls a log keeps unless told otherwise.
DEFAULT_LIMIT = 10_000


def _trim(entries: list[Any], limit: int | None) -> int:
    """Drop the oldest of ``entries`` beyond ``limit``; how many went."""
    if limit is None or len(entries) <= limit:
        return 0
    dropped = len(entries) - limit
    del entries[:dropped]
    return dropped


class CallLog:
    """What one fake was asked and answered, redacted, and the assertions a test makes
    on it. ``calls`` is a plain list a test may read (or clear). It keeps the latest
    ``limit`` calls at most (``None``: every call); the assertions' counts still cover
    every call, unless a test changed the list itself."""

    def __init__(self, vendor: str, bearer_headers: Sequence[str], refresh_field: str) -> None:
        self._vendor = vendor
        self._refresh_field = refresh_field
        self._lock = threading.Lock()
        self._index = CallIndex(bearer_headers)
        self.calls: list[Call] = []
        self.unmatched: list[str] = []
        #: What each unmatched request was probably meant for (see ``near_miss``).
        self.near_misses: dict[str, str] = {}
        self.limit: int | None = DEFAULT_LIMIT
        #: Calls dropped from the front of ``calls`` to stay within ``limit``.
        self.dropped = 0

    def add(self, call: Call, bearers: Sequence[str] | None = None) -> None:
        """Log ``call`` (``bearers``: see :meth:`CallIndex.add`)."""
        with self._lock:
            self._synced().add(call, bearers)
            self.calls.append(call)
            self.dropped += _trim(self.calls, self.limit)
            _trim(self._index.events, self.limit)

    def add_unmatched(self, method: str, path: str, hint: str | None = None) -> None:
        entry = f"{method} {scrub_path(path)}"
        with self._lock:
            self.unmatched.append(entry)
            _trim(self.unmatched, self.limit)
            if hint is not None and len(self.near_misses) < _MAX_HINTS:
                self.near_misses.setdefault(entry, hint)

    def _synced(self) -> CallIndex:
        """The index, rebuilt from ``calls`` if a test changed the list behind its back."""
        if len(self.calls) + self.dropped != self._index.size:
            self.dropped = 0
            self._index.reset()
            for call in self.calls:
                self._index.add(call)
        return self._index

    def to(self, method: str, path: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.endpoint == path and c.method == method]

    def _indexed(self) -> CallIndex:
        with self._lock:
            return self._synced()

    def events(self) -> list[str]:
        return list(self._indexed().events)

    def format(self) -> str:
        """One numbered line a call, for assertion messages."""
        with self._lock:
            calls, dropped = list(self.calls), self.dropped
        if not calls:
            return f"  (no calls reached the {self._vendor} fake)"
        lines = [f"  {i}. {c.describe()}" for i, c in enumerate(calls, dropped + 1)]
        if dropped:
            lines.insert(0, f"  ({dropped} earlier calls not kept: the log keeps {self.limit})")
        return "\n".join(lines)

    def assert_count(self, kind: EventKind, verb: str, times: int | None) -> None:
        __tracebackhide__ = True
        check_times(times)
        count = self._indexed().successes[kind]
        if (times is None and count >= 1) or count == times:
            return
        expected = "at least once" if times is None else _times(times)
        self._fail(
            f"the {self._vendor} fake to have {verb} {expected}", f"it {verb} {_times(count)}"
        )

    def assert_bearer_used(self, token: str) -> None:
        __tracebackhide__ = True
        wanted = mask(token)
        if wanted not in self._indexed().bearers:
            self._fail(
                f"a call to the {self._vendor} fake with the bearer token {wanted}",
                "none carried it",
            )

    def assert_last_refresh_used(self, refresh_token: str) -> None:
        __tracebackhide__ = True
        wanted = mask(refresh_token)
        last = self._indexed().last_refresh
        used = None if last is None else last.request.get(self._refresh_field)
        if used != wanted:
            happened = "no refresh call was made" if last is None else f"it used {used}"
            self._fail(f"the {self._vendor} fake's last refresh to use {wanted}", happened)

    def _fail(self, expected: str, happened: str) -> None:
        __tracebackhide__ = True
        raise AssertionError(f"expected {expected}, but {happened}.\nCalls:\n{self.format()}")

    def unretried_expiries(self) -> list[Call]:
        """Resource calls refused for an expired token that no renewal and retry of the
        same endpoint followed."""
        with self._lock:
            calls = list(self.calls)
        missed = []
        for index, call in enumerate(calls):
            if call.kind != "resource" or call.note != "expired":
                continue
            later = calls[index + 1 :]
            renewed = next(
                (i for i, c in enumerate(later) if c.kind in ("login", "refresh") and c.ok), None
            )
            if renewed is None or not any(
                c.endpoint == call.endpoint for c in later[renewed + 1 :]
            ):
                missed.append(call)
        return missed


def record_call(
    route: Route,
    request: FakeRequest,
    reply: Reply,
    redact: Callable[[Any], Any],
    bearer_headers: Sequence[str],
) -> tuple[Call, list[str]]:
    """The log entry of one answered request, its secrets redacted by ``redact`` when
    first read; and the bearer tokens it carried, masked (for the log's index)."""
    form = request.form()
    fields: JSONObject = {}
    if form is not None:
        fields = {k: v[0] if len(v) == 1 else v for k, v in form.values.items()}
        for upload in form.uploads:
            fields.setdefault(upload.name, []).append(f"<{upload.filename}: {upload.size} bytes>")
    headers = {h: request.headers[h] for h in bearer_headers if h in request.headers}
    fields.update(headers)
    bearers = _bearers(redact(headers)) if headers else []
    call = Call(
        endpoint=route.path,
        method=route.method,
        kind=route.event(request),
        request=fields,
        status=None if reply.fault else reply.status,
        response=reply.body,
        at=now(),
        fault=reply.fault.value if reply.fault else None,
        injected=reply.injected,
        note=reply.note,
        reason=fallback(reply),
        redact=redact,
    )
    return call, bearers


class LogVerbs:
    """A fake's verbs on its call log: what tests read and assert."""

    _log: CallLog

    def route(self, endpoint: str) -> Route:
        raise NotImplementedError

    @property
    def calls(self) -> list[Call]:
        """Every call the fake answered, in order, secrets redacted."""
        return self._log.calls

    @property
    def max_calls(self) -> int | None:
        """How many calls ``calls`` keeps, the latest (``None``: all of them). The
        assertions count every call either way."""
        return self._log.limit

    @max_calls.setter
    def max_calls(self, limit: int | None) -> None:
        if limit is not None and (
            isinstance(limit, bool) or not isinstance(limit, int) or limit < 1
        ):
            raise UsageValueError(
                f"max_calls must be a whole number, 1 or more, or None (keep every call), "
                f"not {limit!r}"
            )
        self._log.limit = limit

    @property
    def unmatched(self) -> list[str]:
        """Requests to the fake's host that matched no endpoint, as ``"METHOD /path"``."""
        return self._log.unmatched

    @property
    def near_misses(self) -> dict[str, str]:
        """For each request in :attr:`unmatched` that was close to an endpoint, what it
        was probably meant for: ``{"POST /api/1.0/auth/token/": "closest: POST
        /api/1.0/auth/token (differs by a trailing slash)"}``."""
        return dict(self._log.near_misses)

    def calls_to(self, endpoint: str) -> list[Call]:
        """The calls made to one endpoint (by short name or path)."""
        route = self.route(endpoint)
        return self._log.to(route.method, route.path)

    def format_calls(self) -> str:
        """The call log, one numbered line a call, for assertion messages."""
        return self._log.format()

    def assert_logged_in(self, times: int | None = None) -> None:
        """Successful logins: ``times`` exactly, or at least one when ``None``."""
        __tracebackhide__ = True
        self._log.assert_count("login", "logged in", times)

    def assert_refreshed(self, times: int | None = None) -> None:
        """Successful refreshes: ``times`` exactly, or at least one when ``None``."""
        __tracebackhide__ = True
        self._log.assert_count("refresh", "refreshed", times)

    def assert_not_refreshed(self) -> None:
        """No refresh succeeded."""
        __tracebackhide__ = True
        self._log.assert_count("refresh", "refreshed", 0)

    @property
    def auth_events(self) -> list[str]:
        """The calls in order, as auth events a test can compare with a list:
        ``["login", "resource", "resource 401", "refresh", "resource"]``."""
        return self._log.events()

    def assert_bearer_used(self, token: str) -> None:
        """Some call to a protected endpoint carried this access token."""
        __tracebackhide__ = True
        self._log.assert_bearer_used(token)

    def assert_last_refresh_used(self, refresh_token: str) -> None:
        """The most recent refresh call presented this refresh token."""
        __tracebackhide__ = True
        self._log.assert_last_refresh_used(refresh_token)
