"""What every fake shares: its route table, call log, fault injection, state changes
and assertions.

A fake is a plain state object. Its rules take a :class:`~.wire.FakeRequest` and return
a :class:`~.wire.Reply` or raise a :class:`~.wire.Refusal`; transports only translate to
and from HTTP. A vendor's fake subclasses :class:`FakeProvider`, lists its routes and
says, in a few class attributes, what its bodies look like.
"""

from __future__ import annotations

import datetime as _dt
import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Union

from .._redact import HIDDEN_FIELDS, TOKEN_FIELDS, mask, redact, scrub
from ..clock import now, register_expiry_source
from .calllog import CallIndex
from .faults import Fault, FaultTarget, Step, check_error, check_status, phrase
from .tokens import TokenStore
from .wire import CONTROL_PREFIX, Call, EventKind, FakeRequest, Refusal, Reply

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["FakeProvider", "Route", "account_data", "account_fields"]

#: How a route answers: a function of the fake and the request (unbound, so a fake and
#: its route table hold no cycle of references).
Rule = Callable[[Any, FakeRequest], Reply]
#: What answers a declared endpoint: the request and its token's claims in, a reply out.
Handler = Callable[[FakeRequest, dict[str, Any]], Any]


@dataclass(frozen=True)
class Route:
    """One endpoint of a fake: its short ``name``, what kind of auth event a call is
    (``login``, ``refresh``, ``resource``, ``discovery``; or a function of the request,
    for an endpoint that both logs in and refreshes), and the rule that answers it."""

    name: str
    method: str
    path: str
    kind: Union[EventKind, Callable[[FakeRequest], EventKind]]  # noqa: UP007
    rule: Rule

    def event(self, request: FakeRequest) -> EventKind:
        return self.kind(request) if callable(self.kind) else self.kind

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


class FakeProvider:
    """The shared machinery of the fakes. Subclasses list their routes and rules."""

    #: The vendor's name, as messages print it.
    vendor: ClassVar[str] = "provider"
    #: The keys of the vendor's JSON envelope (what ``error="missing_fields"`` keeps).
    envelope_keys: ClassVar[frozenset[str]] = frozenset({"message"})
    #: Body fields never shown in the call log, not even in part.
    hidden_fields: ClassVar[frozenset[str]] = HIDDEN_FIELDS
    #: Body fields and headers holding tokens: logged as a prefix and a digest.
    token_fields: ClassVar[frozenset[str]] = TOKEN_FIELDS
    #: Headers that may carry a bearer token.
    bearer_headers: ClassVar[tuple[str, ...]] = ("authorization",)
    #: The body field a refresh request presents its refresh token in.
    refresh_token_field: ClassVar[str] = "refresh_token"

    def __init__(
        self,
        base_url: str,
        *,
        single_use_refresh: bool = False,
        rotate_refresh_tokens: bool = True,
    ) -> None:
        if not isinstance(base_url, str) or not base_url.startswith(("http://", "https://")):
            raise ValueError(f"base_url must be an http(s) URL, not {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self._lock = threading.RLock()
        routes = _ROUTES.get(type(self))
        if routes is None:
            routes = _ROUTES[type(self)] = {(r.method, r.path): r for r in self._route_table()}
        self._routes: dict[tuple[str, str], Route] = dict(routes)
        self._by_name = {route.name: route for route in routes.values()}
        self._faults: dict[str, deque[Fault]] = {}
        self._skews: deque[float] = deque()
        self.store = TokenStore()
        self.calls: list[Call] = []
        self._index = CallIndex(self.bearer_headers)
        self.unmatched: list[str] = []
        for name, flag in (
            ("single_use_refresh", single_use_refresh),
            ("rotate_refresh_tokens", rotate_refresh_tokens),
        ):
            if not isinstance(flag, bool):
                raise TypeError(f"{name} must be True or False, not {flag!r}")
        #: Refresh tokens can be spent once (switch it any time).
        self.single_use_refresh = single_use_refresh
        #: A refresh answers a new refresh token; when off, the one it was given.
        self.rotate_refresh_tokens = rotate_refresh_tokens
        register_expiry_source(self)

    # -- what subclasses provide ---------------------------------------------------------

    @classmethod
    def _route_table(cls) -> Iterable[Route]:
        """The vendor's endpoints; their rules are the class's functions, called with the
        fake and the request."""
        raise NotImplementedError

    def _error_body(self, route: Route, status: int) -> Any:
        """The body a faulted call answers with (the vendor's documented one where known)."""
        return {"message": phrase(status) or "Error"}

    def _owner_of(self, account: Any) -> str:
        """The token store's owner key for an account (the default one when ``None``)."""
        raise NotImplementedError

    def accounts(self) -> list[dict[str, Any]]:
        """The accounts that can log in, with their credentials, as plain data (each
        with its ``kind``)."""
        raise NotImplementedError

    def add_account(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        """Add an account from plain data (``kind`` and the fields :meth:`accounts`
        lists); returns it as :meth:`accounts` lists it."""
        raise NotImplementedError

    def _use_key(self, key: Any) -> None:
        """Sign from now on with ``key`` (a new one when ``None``)."""
        raise NotImplementedError

    def _authenticate(self, request: FakeRequest) -> dict[str, Any]:
        """The claims of the request's good bearer token, as the vendor's protected
        endpoints check it; else raise the vendor's :class:`~.wire.Refusal`."""
        raise NotImplementedError

    def _refresh_key(self, token: str) -> str:
        """The form a refresh token is stored in (a vendor may compare them loosely)."""
        return token

    def expiry_of(self, token: str) -> float | None:
        """When a refresh token this fake issued expires (epoch seconds), if the token
        itself cannot tell; ``None`` when unknown."""
        return self.store.expiry_of(self._refresh_key(token))

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

    def add_endpoint(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        status: int = 200,
        body: bytes | str | None = None,
        headers: Mapping[str, str] | None = None,
        handler: Handler | None = None,
        name: str | None = None,
    ) -> str:
        """Serve an endpoint of the vendor that the fake does not model, protected by the
        vendor's bearer token exactly as the fake's own protected endpoints are.

        A call with a good token answers ``status`` with ``json`` (or the raw ``body``)
        and ``headers``; or, with ``handler``, whatever ``handler(request, claims)``
        returns: a :class:`~.wire.Reply`, or a JSON value answered with ``status`` and
        ``headers`` (it may raise :class:`~.wire.Refusal`). Calls are logged as
        ``resource`` events, and faults target the endpoint by ``name`` (the path when
        not given) or path. Returns the name."""
        route = _declared_route(method, path, json, status, body, headers, handler, name)
        with self._lock:
            clash = self._routes.get((route.method, route.path))
            if clash is not None:
                raise ValueError(f"the {self.vendor} fake already serves {clash}")
            if route.name in self._by_name:
                raise ValueError(
                    f"the {self.vendor} fake already has an endpoint named {route.name!r}; "
                    "give this one another name="
                )
            self._routes[(route.method, route.path)] = route
            self._by_name[route.name] = route
        return route.name

    def handle(self, request: FakeRequest) -> Reply | None:
        """Answer a request, or return ``None`` when no route matches it."""
        route = self._routes.get((request.method, request.path))
        with self._lock:
            if route is None:
                self.unmatched.append(f"{request.method} {request.path}")
                return None
            fault = self._take_fault(route.name)
            if fault is None:
                reply = self._apply(route.rule, request)
            else:
                target = FaultTarget(self.envelope_keys, lambda s: self._error_body(route, s))
                reply = fault.answer(lambda: self._apply(route.rule, request), target)
            call = self._record(route, request, reply)
            self._indexed().add(call)
            self.calls.append(call)
        return reply

    def _apply(self, rule: Rule, request: FakeRequest) -> Reply:
        try:
            return rule(self, request)
        except Refusal as refusal:
            return refusal.reply()

    def _secrets(self) -> frozenset[str]:
        """Every value this fake knows to be secret (passwords, client secrets), hidden
        from the call log wherever it appears."""
        return frozenset()

    def _redact(self, value: Any) -> Any:
        if isinstance(value, bytes):
            return scrub(value)
        return redact(
            value, hidden=self.hidden_fields, tokens=self.token_fields, known=self._secrets()
        )

    def _record(self, route: Route, request: FakeRequest, reply: Reply) -> Call:
        form = request.form()
        fields: dict[str, Any] = {}
        if form is not None:
            fields = {k: v[0] if len(v) == 1 else v for k, v in form.values.items()}
            for upload in form.uploads:
                fields.setdefault(upload.name, []).append(
                    f"<{upload.filename}: {upload.size} bytes>"
                )
        for header in self.bearer_headers:
            if header in request.headers:
                fields[header] = request.headers[header]
        return Call(
            endpoint=route.path,
            method=route.method,
            kind=route.event(request),
            request=self._redact(fields),
            status=None if reply.fault else reply.status,
            response=self._redact(reply.body),
            at=now(),
            fault=reply.fault.value if reply.fault else None,
            injected=reply.injected,
            note=reply.note,
        )

    # -- fault injection -----------------------------------------------------------------

    def fail_next(
        self,
        endpoint: str,
        status: int | None = None,
        *,
        error: str | None = None,
        times: int = 1,
    ) -> None:
        """Make the next ``times`` calls to ``endpoint`` fail: with HTTP ``status`` and the
        vendor's error body for it (500 unless given), or with ``error``: ``"connection"``
        or ``"timeout"`` (no response at all), ``"html"`` (a gateway's HTML page, 502
        unless given), ``"not_json"``, ``"truncated"`` (the real answer cut in half) or
        ``"missing_fields"`` (the real answer without its payload)."""
        if isinstance(times, bool) or not isinstance(times, int) or times < 1:
            raise ValueError(f"times must be a whole number of calls, 1 or more, not {times!r}")
        self._add_fault(endpoint, status, error, times)

    def fail_always(
        self, endpoint: str, status: int | None = None, *, error: str | None = None
    ) -> None:
        """Make every call to ``endpoint`` fail (as :meth:`fail_next`) until
        :meth:`clear_faults`."""
        self._add_fault(endpoint, status, error, None)

    def fail_sequence(self, endpoint: str, steps: Iterable[Step]) -> None:
        """Answer the next calls one step each, then normally again: a status code
        (``503``) or an error name (``"timeout"``), e.g. ``[503, 503]``."""
        route = self.route(endpoint)
        faults = [Fault.from_step(step) for step in steps]
        if not faults:
            raise ValueError("fail_sequence() needs at least one step, e.g. [503, 'timeout']")
        with self._lock:
            self._faults.setdefault(route.name, deque()).extend(faults)

    def _add_fault(
        self, endpoint: str, status: int | None, error: str | None, times: int | None
    ) -> None:
        route = self.route(endpoint)
        if status is not None:
            check_status(status)
        if error is not None:
            check_error(error)
        elif status is None:
            status = 500
        with self._lock:
            self._faults.setdefault(route.name, deque()).append(Fault(status, error, times))

    def clear_faults(self, endpoint: str | None = None) -> None:
        """Forget injected faults (for one endpoint, or all), fired or not."""
        with self._lock:
            if endpoint is None:
                self._faults.clear()
            else:
                self._faults.pop(self.route(endpoint).name, None)

    @property
    def pending_faults(self) -> dict[str, list[str]]:
        """Injected faults that calls never reached, by endpoint name."""
        with self._lock:
            found = {k: [f.describe() for f in v if f.unfired] for k, v in self._faults.items()}
        return {k: v for k, v in found.items() if v}

    def _take_fault(self, name: str) -> Fault | None:
        queue = self._faults.get(name)
        if not queue:
            return None
        fault = queue[0]
        if fault.take():
            queue.popleft()
        return fault

    # -- state changes -------------------------------------------------------------------

    def expire_access_tokens(self) -> int:
        """Every access token the fake has issued is expired from now on (the resource
        answers as for an expired token); returns how many were alive."""
        return self.store.expire_access()

    def revoke_refresh_token(self, token: str) -> None:
        """Refuse this refresh token from now on, as an invalid one."""
        self.store.revoke(self._refresh_key(token))

    def revoke_refresh_tokens(self, account: Any = None) -> int:
        """Refuse every refresh token the fake issued to ``account`` (the default one when
        ``None``); returns how many were alive."""
        return self.store.revoke_owned_by(self._owner_of(account))

    def rotate_keys(self, key: Any = None) -> None:
        """Sign with a new secret or key (given, or made up): tokens signed before are
        refused as wrongly signed, and the token factory mints with the new one."""
        with self._lock:
            self._use_key(key)

    def skew_next_token(self, seconds: float) -> None:
        """Issue the next token pair as if the provider's clock were ``seconds`` ahead
        (a future ``iat``/``nbf``); negative is behind. Calls queue up, one per issue."""
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
            raise TypeError(f"skew_next_token() takes a number of seconds, not {seconds!r}")
        with self._lock:
            self._skews.append(float(seconds))

    def _issue_instant(self) -> _dt.datetime:
        skew = self._skews.popleft() if self._skews else 0.0
        return now() + _dt.timedelta(seconds=skew)

    def _may_refresh(self, token: str) -> bool:
        """Count one refresh with ``token``, unless refresh tokens are single-use and it
        is spent: then ``False``."""
        key = self._refresh_key(token)
        if not self.store.may_spend(key, single_use=self.single_use_refresh):
            return False
        self.store.spend(key)
        return True

    # -- call log and assertions ---------------------------------------------------------

    def calls_to(self, endpoint: str) -> list[Call]:
        """The calls made to one endpoint (by short name or path)."""
        route = self.route(endpoint)
        with self._lock:
            return [c for c in self.calls if c.endpoint == route.path and c.method == route.method]

    def _indexed(self) -> CallIndex:
        return self._index.sync(self.calls)

    def _successes(self, kind: EventKind) -> int:
        with self._lock:
            return self._indexed().successes[kind]

    def format_calls(self) -> str:
        """The call log, one numbered line a call, for assertion messages."""
        with self._lock:
            if not self.calls:
                return f"  (no calls reached the {self.vendor} fake)"
            return "\n".join(f"  {i}. {c.describe()}" for i, c in enumerate(self.calls, 1))

    def _assert_count(self, kind: EventKind, verb: str, times: int | None) -> None:
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
        __tracebackhide__ = True
        __tracebackhide__ = True
        self._assert_count("login", "logged in", times)

    def assert_refreshed(self, times: int | None = None) -> None:
        """Successful refreshes: ``times`` exactly, or at least one when ``None``."""
        __tracebackhide__ = True
        self._assert_count("refresh", "refreshed", times)

    def assert_not_refreshed(self) -> None:
        """No refresh succeeded."""
        __tracebackhide__ = True
        self._assert_count("refresh", "refreshed", 0)

    @property
    def auth_events(self) -> list[str]:
        """The calls in order, as auth events a test can compare with a list:
        ``["login", "resource", "resource 401", "refresh", "resource"]``."""
        with self._lock:
            return list(self._indexed().events)

    def assert_bearer_used(self, token: str) -> None:
        """Some call to a protected endpoint carried this access token."""
        __tracebackhide__ = True
        wanted = mask(token)
        with self._lock:
            if wanted in self._indexed().bearers:
                return
        raise AssertionError(
            f"expected a call to the {self.vendor} fake with the bearer token {wanted}, "
            f"but none carried it.\nCalls:\n{self.format_calls()}"
        )

    def assert_last_refresh_used(self, refresh_token: str) -> None:
        """The most recent refresh call presented this refresh token."""
        __tracebackhide__ = True
        wanted = mask(refresh_token)
        with self._lock:
            last = self._indexed().last_refresh
        if last is None:
            raise AssertionError(
                f"expected the {self.vendor} fake's last refresh to use {wanted}, but no "
                f"refresh call was made.\nCalls:\n{self.format_calls()}"
            )
        used = last.request.get(self.refresh_token_field)
        if used != wanted:
            raise AssertionError(
                f"expected the {self.vendor} fake's last refresh to use {wanted}, but it "
                f"used {used}.\nCalls:\n{self.format_calls()}"
            )

    def _unretried_expiries(self) -> list[Call]:
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

    def verify(
        self, *, unmatched: bool = True, unused_faults: bool = True, retries: bool = False
    ) -> None:
        """Raise ``AssertionError`` if a request matched no route, an injected fault never
        fired, or (with ``retries``) a resource refused an expired token and the code
        under test never renewed it and tried again. The fixtures call this at teardown."""
        problems = []
        if retries:
            for call in self._unretried_expiries():
                problems.append(
                    f"{call.method} {call.endpoint} refused an expired token at "
                    f"{call.at.strftime('%Y-%m-%dT%H:%M:%SZ')}, and the code under test "
                    "never renewed the token and tried again"
                )
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


def _declared_route(
    method: str,
    path: str,
    json: Any,
    status: int,
    body: bytes | str | None,
    headers: Mapping[str, str] | None,
    handler: Handler | None,
    name: str | None,
) -> Route:
    """The route :meth:`FakeProvider.add_endpoint` declares, its arguments checked."""
    if not isinstance(method, str) or not method.isalpha():
        raise ValueError(f"method must be an HTTP method such as 'POST', not {method!r}")
    if not isinstance(path, str) or not path.startswith("/") or "?" in path or "#" in path:
        raise ValueError(f"path must start with '/' and hold no query, not {path!r}")
    if path.startswith(CONTROL_PREFIX):
        raise ValueError(f"paths under {CONTROL_PREFIX} are the control API's, not {path!r}")
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        raise ValueError(f"status must be an HTTP status code, not {status!r}")
    if sum(x is not None for x in (json, body, handler)) > 1:
        raise ValueError("give at most one of json=, body= and handler=")
    if body is not None and not isinstance(body, (bytes, str)):
        raise TypeError(f"body must be bytes or str, not {type(body).__name__}")
    if handler is not None and not callable(handler):
        raise TypeError(f"handler must be callable as handler(request, claims), not {handler!r}")
    if name is not None and (not isinstance(name, str) or not name):
        raise ValueError(f"name must be a non-empty string, not {name!r}")
    sent = dict(headers or {})
    raw = body.encode() if isinstance(body, str) else body
    answer = Reply(status, raw if raw is not None else json, sent)

    def rule(fake: FakeProvider, request: FakeRequest) -> Reply:
        claims = fake._authenticate(request)
        if handler is None:
            return answer
        result = handler(request, claims)
        return result if isinstance(result, Reply) else Reply(status, result, sent)

    return Route(name or path, method.upper(), path, "resource", rule)


# Each fake class's route table, made once.
_ROUTES: dict[type, dict[tuple[str, str], Route]] = {}


def account_fields(
    fields: Mapping[str, Any], kinds: Mapping[str, Iterable[str]], default: str, vendor: str
) -> tuple[str, dict[str, Any]]:
    """An account's ``kind`` and its other fields from plain data, checked against what
    each kind takes (``kinds``: kind -> field names)."""
    if not isinstance(fields, Mapping):
        raise TypeError(f"an account is an object of fields, not {type(fields).__name__}")
    kind = fields.get("kind", default)
    if kind not in kinds:
        raise ValueError(f"a {vendor} account's kind is one of {sorted(kinds)}, not {kind!r}")
    given = {k: v for k, v in fields.items() if k != "kind"}
    allowed = list(kinds[kind])
    unknown = sorted(set(given) - set(allowed))
    if unknown:
        raise ValueError(
            f"a {vendor} {kind} has no field {', '.join(map(repr, unknown))}; "
            f"it takes: {', '.join(allowed)}"
        )
    return kind, given


def account_data(kind: str, account: Any) -> dict[str, Any]:
    """An account dataclass as plain data, credentials included."""
    import dataclasses

    return {"kind": kind, **dataclasses.asdict(account)}


def _times(n: int) -> str:
    return "once" if n == 1 else f"{n} times"
