"""The JSON control API of ``bizauth serve``: the Python verbs of the fakes and the
clock, translated to HTTP under ``/_bizauth/``.

Each endpoint is a thin translation of one Python verb; this module only parses the
request, calls the verb and writes its answer. It is transport-free: the server hands
it a :class:`~pytest_bizauth.core.wire.FakeRequest` and sends the
:class:`~pytest_bizauth.core.wire.Reply` it returns.
"""

from __future__ import annotations

import json
import threading
from typing import TYPE_CHECKING, Callable

from ..clock import Clock, now, running_clock
from ..core.control import (
    BadControlRequest,
    ControlVerb,
    flag,
    iso,
    match,
    number,
    with_parameters,
)
from ..core.wire import Reply
from ..transport.server import CONTROL_PREFIX
from .access import ControlAccess
from .tenants import Tenant, tenant_verbs
from .verbs import SHARED_VERBS

if TYPE_CHECKING:
    import datetime as _dt

    from .._types import JSONObject
    from ..core.fake import FakeProvider
    from ..core.wire import FakeRequest
    from .tenants import TenantClock, Tenants

__all__ = ["ControlAPI", "ServerClock", "in_test_control"]


class ServerClock:
    """The server's clock: real time until frozen or moved, then the package's own
    :class:`~pytest_bizauth.Clock`. Inside a test (``in_test``) it moves the test's
    ``bizauth_clock`` when one runs, and a clock it froze itself stops with the test."""

    def __init__(self, start: _dt.datetime | None = None, *, in_test: bool = False) -> None:
        self._start = start
        self._in_test = in_test
        self._clock: Clock | None = None
        self._lock = threading.Lock()
        self.reset()

    @property
    def frozen(self) -> bool:
        return self._clock is not None or (self._in_test and running_clock() is not None)

    def state(self) -> JSONObject:
        return {"now": iso(now()), "frozen": self.frozen}

    def _frozen_clock(self) -> Clock:
        if self._in_test and self._clock is None:
            running = running_clock()
            if running is not None:
                return running  # the test's bizauth_clock
        if self._clock is None:
            self._clock = Clock(now()).start()
        return self._clock

    def freeze(self, on: bool) -> None:
        with self._lock:
            if not on and self._clock is None and self._in_test and running_clock():
                raise BadControlRequest("the test's bizauth_clock stays frozen until the test ends")
            if on:
                self._frozen_clock()
            elif self._clock is not None:
                self._clock.stop()
                self._clock = None

    def shift(self, seconds: float) -> None:
        with self._lock:
            self._frozen_clock().shift(seconds)

    def move_to(self, instant: str) -> None:
        with self._lock:
            self._frozen_clock().move_to(instant)

    def _stop_own(self) -> None:
        with self._lock:
            if self._clock is not None:
                self._clock.stop()
                self._clock = None

    def reset(self) -> None:
        """Back to the start: frozen at ``start`` if one was given, else real time."""
        self._stop_own()
        if self._start is not None:
            with self._lock:
                self._clock = Clock(self._start).start()

    def close(self) -> None:
        self._stop_own()


def in_test_control() -> tuple[ControlAPI, ServerClock]:
    """The control API ``bizauth_server`` answers inside a test (the same verbs as
    ``bizauth serve``), and its clock, to release at the test's end."""
    clock = ServerClock(in_test=True)

    def no_reset(fake: FakeProvider) -> None:
        raise BadControlRequest(
            "reset belongs to bizauth serve; in a test, each test starts with fresh fakes"
        )

    return ControlAPI(clock, no_reset), clock


class ControlAPI:
    """Answers ``/_bizauth/<verb>`` for whichever fake the server serves.

    ``rebuild(fake)`` makes a fresh fake like ``fake`` (same options) and serves it in
    its place; ``POST reset`` uses it.
    """

    def __init__(
        self,
        clock: ServerClock,
        rebuild: Callable[[FakeProvider], object],
        access: ControlAccess | None = None,
        tenants: Tenants | None = None,
    ) -> None:
        self.clock = clock
        self._rebuild = rebuild
        self._access = access if access is not None else ControlAccess(None)
        self._tenants = tenants

    def _own(self, scope: Tenant | None) -> tuple[ControlVerb, ...]:
        """The server's own endpoints, on the clock of ``scope`` (a tenant) or the
        server's."""
        clock: ServerClock | TenantClock = self.clock if scope is None else scope.clock
        own = (
            ControlVerb("GET", "", "this list", self._index),
            ControlVerb(
                "GET", "clock", '-> {"now": iso, "frozen": bool}', lambda f, b: clock.state()
            ),
            ControlVerb(
                "POST",
                "clock",
                '{"shift": seconds} | {"move_to": iso} | {"freeze": bool}',
                lambda f, b: _move_clock(clock, b),
            ),
            ControlVerb(
                "POST",
                "reset",
                "calls, faults, tokens, accounts, clock: as at start",
                lambda f, b: self._reset(f, scope),
            ),
        )
        if scope is not None or self._tenants is None:
            return own
        return (*own, *tenant_verbs(self._tenants))

    def verbs_for(self, fake: FakeProvider, scope: Tenant | None = None) -> tuple[ControlVerb, ...]:
        """Every endpoint of the control API for ``fake``: the server's, the shared
        ones, and its vendor's."""
        return (*self._own(scope), *SHARED_VERBS, *getattr(fake, "control_verbs", ()))

    def refusal(self, request: FakeRequest) -> Reply | None:
        """The answer to a request that may not drive the control API, or ``None``."""
        return self._access.refusal(request)

    def __call__(self, fake: FakeProvider, request: FakeRequest, scope: object = None) -> Reply:
        refused = self._access.refusal(request)
        if refused is not None:
            return refused
        tenant = scope if isinstance(scope, Tenant) else None
        name = request.path[len(CONTROL_PREFIX) :].strip("/")
        verbs = self.verbs_for(fake, tenant)
        for verb in verbs:
            parameters = match(verb, request.method, name)
            if parameters is not None:
                break
        else:
            return Reply(
                404,
                {
                    "error": f"no control endpoint {request.method} {CONTROL_PREFIX}{name}",
                    "endpoints": _listing(verbs),
                },
            )
        try:
            answer = verb.run(fake, with_parameters(_body(request), parameters))
        except BadControlRequest as exc:
            return Reply(400, {"error": str(exc), "form": verb.form})
        except (ValueError, TypeError, KeyError) as exc:
            message = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
            return Reply(400, {"error": str(message), "form": verb.form})
        return answer if isinstance(answer, Reply) else Reply(200, answer)

    def _index(self, fake: FakeProvider, body: JSONObject) -> object:
        return {"vendor": fake.vendor, "endpoints": _listing(self.verbs_for(fake))}

    def _reset(self, fake: FakeProvider, scope: Tenant | None) -> object:
        if scope is not None:
            assert self._tenants is not None
            self._tenants.reset(scope)
            return {"reset": True, **scope.clock.state()}
        self._rebuild(fake)
        self.clock.reset()
        return {"reset": True, **self.clock.state()}


def _move_clock(clock: ServerClock | TenantClock, body: JSONObject) -> object:
    if len(body) != 1 or not set(body) <= {"shift", "move_to", "freeze"}:
        raise BadControlRequest("give exactly one of shift, move_to and freeze")
    ((key, value),) = body.items()
    if key == "shift":
        clock.shift(number(value, "shift"))
    elif key == "move_to":
        if not isinstance(value, str):
            raise BadControlRequest("move_to is an ISO 8601 instant such as 2025-01-01T00:00:00Z")
        clock.move_to(value)
    else:
        clock.freeze(flag(value, "freeze"))
    return clock.state()


def _listing(verbs: tuple[ControlVerb, ...]) -> list[str]:
    return [f"{verb.method} {CONTROL_PREFIX}{verb.path}  {verb.form}" for verb in verbs]


def _body(request: FakeRequest) -> JSONObject:
    """The request's JSON object (whatever its Content-Type says: curl's ``-d`` sends
    JSON labelled as a form), or ``{}`` for no body."""
    if not request.body.strip():
        return {}
    try:
        body = json.loads(request.body)
    except (ValueError, RecursionError):
        body = None
    if not isinstance(body, dict):
        raise BadControlRequest("the body must be a JSON object")
    return body
