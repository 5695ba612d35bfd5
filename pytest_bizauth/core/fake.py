"""The front every fake shares: a route table, a fault book, a call log and a token
store composed into one object with the verbs tests use.

A fake is a plain state object. Its rules take a :class:`~.wire.FakeRequest` and return
a :class:`~.wire.Reply` or raise a :class:`~.wire.Refusal`; transports only translate to
and from HTTP. A vendor's fake subclasses :class:`FakeProvider`, lists its routes and
says, in a few class attributes, what its bodies look like.
"""

from __future__ import annotations

import datetime as _dt
import threading
from collections import deque
from functools import partial
from typing import TYPE_CHECKING, Any

from .._messages import unfired_faults, unmatched_requests, unretried_expiry
from .._redact import bounded, for_log, scrub
from ..clock import now, running_clock
from ..errors import UsageTypeError, UsageValueError
from .attributes import Setting
from .calllog import CallLog, LogVerbs, record_call
from .faults import FaultBook, FaultTarget
from .hooks import VendorHooks
from .inflight import hold_in_flight
from .routes import Route, RouteTable, declared_route
from .tokens import TokenStore
from .values import http_url
from .webhooks import WebhookSender, WebhookVerbs
from .wire import Refusal, Reply

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from .faults import Step
    from .routes import Handler, Rule
    from .settings import FakeSettings
    from .wire import FakeRequest

__all__ = ["FakeProvider"]

#: The furthest a provider's clock may be off: a year.
MAX_SKEW = 366 * 86_400
# Each fake class's routes, made once.
_ROUTES: dict[type, tuple[Route, ...]] = {}


class FakeProvider(VendorHooks, LogVerbs, WebhookVerbs):
    """The shared machinery of the fakes. Subclasses list their routes and rules (see
    :class:`VendorHooks` for what they provide)."""

    #: Refresh tokens can be spent once (switch it any time).
    single_use_refresh = Setting[bool]()
    #: A refresh answers a new refresh token; when off, the one it was given.
    rotate_refresh_tokens = Setting[bool]()

    def __init__(self, settings: FakeSettings) -> None:
        #: The fake's settings (a vendor's settings dataclass, checked when made).
        self.settings = settings
        self.base_url = http_url(settings.base_url, what="base_url")
        self._lock = threading.RLock()
        routes = _ROUTES.get(type(self))
        if routes is None:
            routes = _ROUTES[type(self)] = tuple(self._route_table())
        self._routes = RouteTable(routes, self.vendor)
        self._faults = FaultBook()
        self._log = CallLog(self.vendor, self.bearer_headers, self.refresh_token_field)
        self._webhooks = WebhookSender(self.vendor, bound=self._log)
        self._skews: deque[float] = deque()
        self.store = TokenStore()
        #: How many times :meth:`rotate_keys` replaced the signing key (refusal reasons
        #: say when a token was signed with a key rotated out).
        self.key_rotations = 0
        #: How many token pairs were issued with the clock off (:meth:`skew_next_token`).
        self.skewed_issues = 0
        clock = running_clock()
        if clock is not None:
            # The clock asks its fakes about their opaque tokens, and tells them when it
            # moves (their webhook retries fall due): a fake made by hand joins it too.
            clock.join(self)

    # -- routes and answering ------------------------------------------------------------

    @property
    def routes(self) -> list[str]:
        """The endpoints this fake serves, as ``"METHOD /path"``."""
        return [str(route) for route in self._routes]

    def near_miss(self, method: str, path: str) -> str | None:
        """What a request that matched no endpoint was probably meant for: the closest
        endpoint and how the request differs (method, trailing slash, case, a missing or
        extra prefix), or another fake's endpoint; None when nothing is close."""
        hint = self._routes.near_miss(method, path)
        if hint is not None:
            return hint
        for kind, routes in list(_ROUTES.items()):
            if kind is not type(self) and any((r.method, r.path) == (method, path) for r in routes):
                vendor = getattr(kind, "vendor", kind.__name__)
                return f"an endpoint of the {vendor} fake: send it to that fake's base URL"
        return None

    def route(self, endpoint: str) -> Route:
        """A route by its short name (``"token"``) or its path (``"/api/1.0/auth/token"``)."""
        return self._routes.named(endpoint)

    def add_endpoint(
        self,
        method: str,
        path: str,
        *,
        json: object = None,
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
        route = declared_route(
            method, path, json=json, status=status, body=body, headers=headers,
            handler=handler, name=name,
        )  # fmt: skip
        self._routes.add(route)
        return route.name

    def handle(self, request: FakeRequest) -> Reply | None:
        """Answer a request, or return ``None`` when no route matches it."""
        route = self._routes.find(request.method, request.path)
        if route is None:
            hint = self.near_miss(request.method, request.path)
            self._log.add_unmatched(request.method, request.path, hint)
            return None
        hold_in_flight(route.event(request))
        with self._lock:
            fault = self._faults.take(route.name)
            if fault is None:
                reply = self._apply(route.rule, request)
            else:
                target = FaultTarget(self.envelope_keys, lambda s: self._error_body(route, s))
                reply = fault.answer(lambda: self._apply(route.rule, request), target)
            # Redacted when first read, with the secrets known now (and no reference
            # back to the fake: a call log holds no cycle).
            redact = partial(
                _for_call_log, hidden=self.hidden_fields, tokens=self.token_fields,
                known=self._secrets(),
            )  # fmt: skip
            self._log.add(*record_call(route, request, reply, redact, self.bearer_headers))
        return reply

    def _apply(self, rule: Rule, request: FakeRequest) -> Reply:
        try:
            return rule(self, request)
        except Refusal as refusal:
            return refusal.reply()

    # -- fault injection -----------------------------------------------------------------

    def fail_next(
        self, endpoint: str, status: int | None = None, *, error: str | None = None, times: int = 1
    ) -> None:
        """Make the next ``times`` calls to ``endpoint`` fail: with HTTP ``status`` and the
        vendor's error body for it (500 unless given), or with ``error``: ``"connection"``
        or ``"timeout"`` (no response at all), ``"html"`` (a gateway's HTML page, 502
        unless given), ``"not_json"``, ``"truncated"`` (the real answer cut in half) or
        ``"missing_fields"`` (the real answer without its payload)."""
        if times is None:
            times = 0  # refused below: None means "always", which is fail_always()
        self._faults.add(self.route(endpoint).name, status, error, times)

    def fail_always(
        self, endpoint: str, status: int | None = None, *, error: str | None = None
    ) -> None:
        """Make every call to ``endpoint`` fail (as :meth:`fail_next`) until
        :meth:`clear_faults`."""
        self._faults.add(self.route(endpoint).name, status, error, None)

    def fail_sequence(self, endpoint: str, steps: Iterable[Step]) -> None:
        """Answer the next calls one step each, then normally again: a status code
        (``503``) or an error name (``"timeout"``), e.g. ``[503, 503]``."""
        self._faults.add_steps(self.route(endpoint).name, steps)

    def clear_faults(self, endpoint: str | None = None) -> None:
        """Forget injected faults (for one endpoint, or all), fired or not."""
        self._faults.clear(None if endpoint is None else self.route(endpoint).name)

    @property
    def pending_faults(self) -> dict[str, list[str]]:
        """Injected faults that calls never reached, by endpoint name."""
        return self._faults.pending()

    # -- state changes -------------------------------------------------------------------

    def expire_access_tokens(self) -> int:
        """Every access token the fake has issued is expired from now on (the resource
        answers as for an expired token); returns how many were alive."""
        return self.store.expire_access()

    def revoke_refresh_token(self, token: str) -> None:
        """Refuse this refresh token from now on, as an invalid one."""
        self.store.revoke(self._refresh_key(token))

    def revoke_refresh_tokens(self, account: object = None) -> int:
        """Refuse every refresh token the fake issued to ``account`` (the default one when
        ``None``); returns how many were alive."""
        return self.store.revoke_owned_by(self._owner_of(account))

    def rotate_keys(self, key: object = None) -> None:
        """Sign with a new secret or key (given, or made up): tokens signed before are
        refused as wrongly signed, and the token factory mints with the new one."""
        with self._lock:
            self._use_key(key)
            self.key_rotations += 1

    def skew_next_token(self, seconds: float) -> None:
        """Issue the next token pair as if the provider's clock were ``seconds`` ahead
        (a future ``iat``/``nbf``); negative is behind. Calls queue up, one per issue."""
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
            raise UsageTypeError(f"skew_next_token() takes a number of seconds, not {seconds!r}")
        if not abs(seconds) <= MAX_SKEW:  # NaN too
            raise UsageValueError(
                f"skew_next_token() takes at most {MAX_SKEW} seconds (a year) either way, "
                f"not {seconds!r}"
            )
        with self._lock:
            self._skews.append(float(seconds))

    def _issue_instant(self) -> _dt.datetime:
        skew = self._skews.popleft() if self._skews else 0.0
        if skew:
            self.skewed_issues += 1
        return now() + _dt.timedelta(seconds=skew)

    def problems(
        self, *, unmatched: bool = True, unused_faults: bool = True, retries: bool = False
    ) -> list[str]:
        """What the teardown check finds wrong besides webhooks: requests that matched
        no route, injected faults that never fired, and (with ``retries``) expired
        tokens a resource refused that the code under test never renewed and retried."""
        problems = problems_of(self, unmatched=unmatched, unused_faults=unused_faults)
        if retries:
            problems[:0] = [
                unretried_expiry(call.method, call.endpoint, f"{call.at:%Y-%m-%dT%H:%M:%SZ}")
                for call in self._log.unretried_expiries()
            ]
        return problems

    def webhook_problems(self, allow: str = "") -> list[str]:
        """Webhooks the receiver did not accept, unless failures are allowed (``allow``:
        how to allow them, for the message)."""
        return self._webhooks.problems(self.webhook_answer, allow)

    def verify(
        self, *, unmatched: bool = True, unused_faults: bool = True, retries: bool = False
    ) -> None:
        """Raise ``AssertionError`` if a request matched no route, an injected fault never
        fired, a webhook was not accepted (unless failures are allowed), or (with
        ``retries``) a resource refused an expired token and the code under test never
        renewed it and tried again. The fixtures make the same checks at teardown."""
        problems = self.problems(unmatched=unmatched, unused_faults=unused_faults,
                                 retries=retries) + self.webhook_problems()  # fmt: skip
        if problems:
            raise AssertionError("\n\n".join(problems))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r}, calls={len(self.calls)})"


def problems_of(fake: FakeProvider, *, unmatched: bool, unused_faults: bool) -> list[str]:
    """What :meth:`FakeProvider.verify` finds wrong with unmatched requests and unfired
    faults."""
    problems = []
    if unmatched and fake.unmatched:
        hints = fake.near_misses
        requests = [f"{r}: {hints[r]}" if r in hints else r for r in fake.unmatched]
        problems.append(unmatched_requests(fake.vendor, fake.base_url, requests, fake.routes))
    pending = fake.pending_faults
    if unused_faults and pending:
        problems.append(unfired_faults(fake.vendor, pending))
    return problems


def _for_call_log(
    value: object, *, hidden: frozenset[str], tokens: frozenset[str], known: frozenset[str]
) -> Any:
    """A request's fields or an answer's body as a call log shows them."""
    if isinstance(value, bytes):
        return bounded(scrub(value))
    return for_log(value, hidden=hidden, tokens=tokens, known=known)
