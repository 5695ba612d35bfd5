"""What every fake shares: its route table, call log, fault injection and assertions.

A fake is a plain state object. Its routes take a :class:`FakeRequest` and return a
:class:`Reply`; transports (``responses`` today) only translate to and from HTTP.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Callable, ClassVar

from .. import _jwt
from ..clock import now

if TYPE_CHECKING:
    import datetime as _dt
    from collections.abc import Iterable, Mapping

    from ._request import FakeRequest

__all__ = ["Call", "FakeProvider", "Reply", "Route"]

NETWORK_FAULTS = ("connection", "timeout")
_HIDDEN_FIELDS = frozenset({"password", "secret", "client_secret"})
_TOKEN_FIELDS = frozenset(
    {"access_token", "refresh_token", "refreshtoken", "token", "authorization", "id_token"}
)


def redact(value: Any, key: str = "") -> Any:
    """A copy of a request or response body fit for a log: passwords and secrets hidden,
    tokens shortened to a prefix and a digest."""
    lowered = key.lower()
    if isinstance(value, dict):
        return {k: redact(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v, key) for v in value]
    if not isinstance(value, str) or not value:
        return value
    if lowered in _HIDDEN_FIELDS:
        return _jwt.hide(value)
    if lowered in _TOKEN_FIELDS:
        scheme, space, rest = value.partition(" ")
        if space and scheme.lower() == "bearer":
            return f"{scheme} {_jwt.mask(rest)}"
        return _jwt.mask(value)
    return value


@dataclass(frozen=True)
class Reply:
    """A fake's answer. ``body`` is JSON-encoded unless it is ``bytes`` (sent as is) or
    ``None`` (an empty body). ``fault`` asks the transport for a network failure instead.
    ``kind`` names the auth event when the route alone does not tell (a refresh sent to
    a login route)."""

    status: int
    body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)
    fault: str | None = None
    kind: str | None = None

    def content(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        return json.dumps(self.body, separators=(",", ":"), ensure_ascii=False).encode()

    def all_headers(self) -> dict[str, str]:
        headers = dict(self.headers)
        if self.body is not None and not isinstance(self.body, bytes):
            headers.setdefault("Content-Type", "application/json")
        return headers


@dataclass(frozen=True)
class Route:
    """One endpoint of a fake: its short ``name``, what kind of auth event a successful
    call is (``login``, ``refresh``, ``resource``), and the rule that answers it."""

    name: str
    method: str
    path: str
    kind: str
    handler: Callable[[FakeRequest], Reply]

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


@dataclass(frozen=True)
class Call:
    """One request a fake answered, with secrets redacted."""

    endpoint: str
    method: str
    kind: str
    request: Mapping[str, Any]
    status: int | None
    response: Any
    at: _dt.datetime
    fault: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    def describe(self) -> str:
        outcome = self.fault or str(self.status)
        message = ""
        if isinstance(self.response, dict) and self.response.get("message"):
            message = f" {self.response['message']!r}"
        return (
            f"{self.at.strftime('%Y-%m-%dT%H:%M:%SZ')} {self.method} {self.endpoint} "
            f"-> {outcome}{message}"
        )


@dataclass
class _Fault:
    status: int | None
    error: str | None
    remaining: int | None  # None: every call

    def describe(self) -> str:
        what = self.error or f"HTTP {self.status}"
        return what if self.remaining is None else f"{what} (x{self.remaining})"


class FakeProvider:
    """The shared machinery of the fakes. Subclasses list their routes and rules."""

    vendor: ClassVar[str] = "provider"

    def __init__(self, base_url: str) -> None:
        if not isinstance(base_url, str) or not base_url.startswith(("http://", "https://")):
            raise ValueError(f"base_url must be an http(s) URL, not {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self._lock = threading.RLock()
        self._routes: dict[tuple[str, str], Route] = {
            (route.method, route.path): route for route in self._route_table()
        }
        self._by_name = {route.name: route for route in self._routes.values()}
        self._faults: dict[str, deque[_Fault]] = {}
        self.calls: list[Call] = []
        self.unmatched: list[str] = []

    # -- what subclasses provide ---------------------------------------------------------

    def _route_table(self) -> Iterable[Route]:
        raise NotImplementedError

    def _error_body(self, route: Route, status: int) -> Any:
        """The body a faulted call answers with (the vendor's documented one where known)."""
        return {"message": HTTPStatus(status).phrase if status in _KNOWN_STATUSES else "Error"}

    # -- routes --------------------------------------------------------------------------

    @property
    def routes(self) -> list[str]:
        """The endpoints this fake serves, as ``"METHOD /path"``."""
        return [str(route) for route in self._routes.values()]

    def route(self, endpoint: str) -> Route:
        """A route by its short name (``"token"``) or its path (``"/api/1.0/auth/token"``)."""
        found = self._by_name.get(endpoint)
        if found is None:
            for route in self._routes.values():
                if endpoint in (route.path, str(route)):
                    return route
            names = ", ".join(f"{r.name!r} ({r.path})" for r in self._routes.values())
            raise ValueError(f"{self.vendor} has no endpoint {endpoint!r}; use one of: {names}")
        return found

    def handle(self, request: FakeRequest) -> Reply | None:
        """Answer a request, or return ``None`` when no route matches it."""
        route = self._routes.get((request.method, request.path))
        with self._lock:
            if route is None:
                self.unmatched.append(f"{request.method} {request.path}")
                return None
            fault = self._take_fault(route.name)
            if fault is None:
                reply = route.handler(request)
            elif fault.error is not None:
                reply = Reply(0, fault=fault.error)
            else:
                status = fault.status or 500
                reply = Reply(status, self._error_body(route, status))
            self.calls.append(self._record(route, request, reply))
        return reply

    def _record(self, route: Route, request: FakeRequest, reply: Reply) -> Call:
        form = request.form()
        fields: dict[str, Any] = {}
        if form is not None:
            fields = {k: v[0] if len(v) == 1 else v for k, v in form.values.items()}
            for upload in form.uploads:
                fields.setdefault(upload.name, []).append(
                    f"<{upload.filename}: {upload.size} bytes>"
                )
        for header in ("authorization", "token"):
            if header in request.headers:
                fields[header] = request.headers[header]
        return Call(
            endpoint=route.path,
            method=route.method,
            kind=reply.kind or route.kind,
            request=redact(fields),
            status=None if reply.fault else reply.status,
            response=redact(reply.body) if not isinstance(reply.body, bytes) else reply.body,
            at=now(),
            fault=reply.fault,
        )

    # -- fault injection -----------------------------------------------------------------

    def fail_next(
        self,
        endpoint: str,
        status: int = 500,
        *,
        error: str | None = None,
        times: int = 1,
    ) -> None:
        """Make the next ``times`` calls to ``endpoint`` fail: with HTTP ``status`` and the
        vendor's error body for it, or, with ``error="connection"`` or ``"timeout"``, with
        a network failure that no response follows."""
        route = self.route(endpoint)
        if error is not None and error not in NETWORK_FAULTS:
            raise ValueError(f"error must be one of {NETWORK_FAULTS}, not {error!r}")
        if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
            raise ValueError(f"status must be an HTTP status code (100-599), not {status!r}")
        if isinstance(times, bool) or not isinstance(times, int) or times < 1:
            raise ValueError(f"times must be a whole number of calls, 1 or more, not {times!r}")
        with self._lock:
            self._faults.setdefault(route.name, deque()).append(_Fault(status, error, times))

    def clear_faults(self, endpoint: str | None = None) -> None:
        """Forget injected faults that have not fired (for one endpoint, or all)."""
        with self._lock:
            if endpoint is None:
                self._faults.clear()
            else:
                self._faults.pop(self.route(endpoint).name, None)

    @property
    def pending_faults(self) -> dict[str, list[str]]:
        """Injected faults that have not fired yet, by endpoint name."""
        with self._lock:
            return {k: [f.describe() for f in v] for k, v in self._faults.items() if v}

    def _take_fault(self, name: str) -> _Fault | None:
        queue = self._faults.get(name)
        if not queue:
            return None
        fault = queue[0]
        if fault.remaining is not None:
            fault.remaining -= 1
            if fault.remaining <= 0:
                queue.popleft()
        return fault

    # -- call log and assertions ---------------------------------------------------------

    def calls_to(self, endpoint: str) -> list[Call]:
        """The calls made to one endpoint (by short name or path)."""
        route = self.route(endpoint)
        with self._lock:
            return [c for c in self.calls if c.endpoint == route.path and c.method == route.method]

    def _successes(self, kind: str) -> int:
        with self._lock:
            return sum(1 for c in self.calls if c.kind == kind and c.ok)

    def format_calls(self) -> str:
        """The call log, one numbered line a call, for assertion messages."""
        with self._lock:
            if not self.calls:
                return f"  (no calls reached the {self.vendor} fake)"
            return "\n".join(f"  {i}. {c.describe()}" for i, c in enumerate(self.calls, 1))

    def _assert_count(self, kind: str, verb: str, times: int | None) -> None:
        if times is not None and (
            isinstance(times, bool) or not isinstance(times, int) or times < 0
        ):
            raise ValueError(f"times must be a whole number, 0 or more, or None, not {times!r}")
        count = self._successes(kind)
        if (times is None and count >= 1) or count == times:
            return
        expected = "at least once" if times is None else _times(times)
        raise AssertionError(
            f"expected the {self.vendor} fake to have {verb} {expected}, "
            f"but it {verb} {_times(count)}.\nCalls:\n{self.format_calls()}"
        )

    def assert_logged_in(self, times: int | None = None) -> None:
        """Successful logins: ``times`` exactly, or at least one when ``None``."""
        self._assert_count("login", "logged in", times)

    def assert_refreshed(self, times: int | None = None) -> None:
        """Successful refreshes: ``times`` exactly, or at least one when ``None``."""
        self._assert_count("refresh", "refreshed", times)

    def assert_not_refreshed(self) -> None:
        """No refresh succeeded."""
        self._assert_count("refresh", "refreshed", 0)

    def verify(self, *, unmatched: bool = True, unused_faults: bool = True) -> None:
        """Raise ``AssertionError`` if a request matched no route, or an injected fault
        never fired. The fixtures call this at teardown."""
        problems = []
        with self._lock:
            if unmatched and self.unmatched:
                listed = "\n".join(f"  - {r}" for r in self.unmatched)
                routes = "\n".join(f"  - {r}" for r in self.routes)
                problems.append(
                    f"{len(self.unmatched)} request(s) to the {self.vendor} fake at "
                    f"{self.base_url} matched no endpoint:\n{listed}\nIt serves:\n{routes}"
                )
            pending = self.pending_faults
        if unused_faults and pending:
            listed = "\n".join(f"  - {k}: {', '.join(v)}" for k, v in pending.items())
            problems.append(
                f"fault(s) injected into the {self.vendor} fake never fired:\n{listed}\n"
                "The code under test never reached that endpoint; remove the fault, or call "
                "clear_faults() when not firing is expected"
            )
        if problems:
            raise AssertionError("\n\n".join(problems))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r}, calls={len(self.calls)})"


def _times(n: int) -> str:
    return "once" if n == 1 else f"{n} times"


_KNOWN_STATUSES = frozenset(s.value for s in HTTPStatus)
