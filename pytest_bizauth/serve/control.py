"""The JSON control API of ``bizauth serve``: the Python verbs of the fakes and the
clock, translated to HTTP under ``/_bizauth/``.

Each endpoint is a thin translation of one Python verb; this module only parses the
request, calls the verb and writes its answer. It is transport-free: the server hands
it a :class:`~pytest_bizauth.core.wire.FakeRequest` and sends the
:class:`~pytest_bizauth.core.wire.Reply` it returns.
"""

from __future__ import annotations

import datetime as _dt
import json
import threading
from typing import TYPE_CHECKING, Callable

from ..clock import Clock, now, running_clock
from ..core.wire import Reply
from ..transport.server import CONTROL_PREFIX
from .access import ControlAccess

if TYPE_CHECKING:
    from .._types import JSONObject
    from ..core.fake import FakeProvider
    from ..core.wire import Call, FakeRequest

__all__ = ["ControlAPI", "ServerClock", "call_data", "in_test_control"]


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
        return {"now": _iso(now()), "frozen": self.frozen}

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
                raise _BadRequest("the test's bizauth_clock stays frozen until the test ends")
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


class _BadRequest(Exception):
    """A control request that is not of the right form; the message says the right one."""


def in_test_control() -> tuple[ControlAPI, ServerClock]:
    """The control API ``bizauth_server`` answers inside a test (the same verbs as
    ``bizauth serve``), and its clock, to release at the test's end."""
    clock = ServerClock(in_test=True)

    def no_reset(fake: FakeProvider) -> None:
        raise _BadRequest(
            "reset belongs to bizauth serve; in a test, each test starts with fresh fakes"
        )

    return ControlAPI(clock, no_reset), clock


Verb = Callable[["FakeProvider", "JSONObject"], object]


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
    ) -> None:
        self.clock = clock
        self._rebuild = rebuild
        self._access = access if access is not None else ControlAccess(None)
        self._verbs: dict[tuple[str, str], tuple[Verb, str]] = {
            ("GET", ""): (self._index, "this list"),
            ("GET", "accounts"): (_accounts, "the accounts, with their credentials"),
            ("POST", "accounts"): (_add_account, "{fields of one account} -> the account"),
            ("GET", "clock"): (self._clock, '-> {"now": iso, "frozen": bool}'),
            ("POST", "clock"): (
                self._move_clock,
                '{"shift": seconds} | {"move_to": iso} | {"freeze": bool}',
            ),
            ("POST", "faults"): (
                _add_fault,
                '{"endpoint", "status" and/or "error", "times" | "always" | "sequence"}',
            ),
            ("DELETE", "faults"): (_clear_faults, '{} or {"endpoint": name}'),
            ("GET", "faults"): (lambda fake, body: fake.pending_faults, "unfired faults"),
            ("GET", "calls"): (_calls, "the call log, secrets masked"),
            ("GET", "events"): (lambda fake, body: fake.auth_events, "auth_events"),
            ("GET", "routes"): (lambda fake, body: fake.routes, "the endpoints served"),
            ("POST", "revoke_refresh_token"): (_revoke_one, '{"token": refresh token}'),
            ("POST", "revoke_refresh_tokens"): (_revoke_all, '{} or {"account": name}'),
            ("POST", "expire_access_tokens"): (_expire, '-> {"expired": n}'),
            ("POST", "rotate_keys"): (_rotate, "{}"),
            ("POST", "skew_next_token"): (_skew, '{"seconds": number}'),
            ("POST", "switches"): (
                _switches,
                '{"single_use_refresh": bool, "rotate_refresh_tokens": bool}',
            ),
            ("POST", "reset"): (self._reset, "calls, faults, tokens, accounts, clock: as at start"),
        }

    def refusal(self, request: FakeRequest) -> Reply | None:
        """The answer to a request that may not drive the control API, or ``None``."""
        return self._access.refusal(request)

    def __call__(self, fake: FakeProvider, request: FakeRequest) -> Reply:
        refused = self._access.refusal(request)
        if refused is not None:
            return refused
        name = request.path[len(CONTROL_PREFIX) :].strip("/")
        found = self._verbs.get((request.method, name))
        if found is None:
            return Reply(
                404,
                {
                    "error": f"no control endpoint {request.method} {CONTROL_PREFIX}{name}",
                    "endpoints": self._listing(),
                },
            )
        verb, form = found
        try:
            answer = verb(fake, _body(request))
        except _BadRequest as exc:
            return Reply(400, {"error": str(exc), "form": form})
        except (ValueError, TypeError, KeyError) as exc:
            message = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
            return Reply(400, {"error": str(message), "form": form})
        return answer if isinstance(answer, Reply) else Reply(200, answer)

    def _listing(self) -> list[str]:
        return [f"{m} {CONTROL_PREFIX}{n}  {form}" for (m, n), (_, form) in self._verbs.items()]

    def _index(self, fake: FakeProvider, body: JSONObject) -> object:
        return {"vendor": fake.vendor, "endpoints": self._listing()}

    def _clock(self, fake: FakeProvider, body: JSONObject) -> object:
        return self.clock.state()

    def _move_clock(self, fake: FakeProvider, body: JSONObject) -> object:
        if len(body) != 1 or not set(body) <= {"shift", "move_to", "freeze"}:
            raise _BadRequest("give exactly one of shift, move_to and freeze")
        ((key, value),) = body.items()
        if key == "shift":
            self.clock.shift(_number(value, "shift"))
        elif key == "move_to":
            if not isinstance(value, str):
                raise _BadRequest("move_to is an ISO 8601 instant such as 2025-01-01T00:00:00Z")
            self.clock.move_to(value)
        else:
            self.clock.freeze(_flag(value, "freeze"))
        return self.clock.state()

    def _reset(self, fake: FakeProvider, body: JSONObject) -> object:
        self._rebuild(fake)
        self.clock.reset()
        return {"reset": True, **self.clock.state()}


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
        raise _BadRequest("the body must be a JSON object")
    return body


def _iso(instant: _dt.datetime) -> str:
    return instant.astimezone(_dt.timezone.utc).isoformat().replace("+00:00", "Z")


def _number(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _BadRequest(f"{name} is a number of seconds, not {json.dumps(value)}")
    return float(value)


def _flag(value: object, name: str) -> bool:
    if not isinstance(value, bool):
        raise _BadRequest(f"{name} is true or false, not {json.dumps(value)}")
    return value


def _text(body: JSONObject, name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise _BadRequest(f"{name} is a non-empty string")
    return value


def call_data(call: Call) -> JSONObject:
    """One call of the log as JSON data: the fields of :class:`~.wire.Call`."""
    return {
        "endpoint": call.endpoint,
        "method": call.method,
        "kind": call.kind,
        "event": call.event,
        "request": call.request,
        "status": call.status,
        "response": call.response,
        "at": _iso(call.at),
        "fault": call.fault,
        "injected": call.injected,
        "note": call.note,
    }


def _accounts(fake: FakeProvider, body: JSONObject) -> object:
    return fake.accounts()


def _add_account(fake: FakeProvider, body: JSONObject) -> object:
    if not body:
        raise _BadRequest("give the new account's fields")
    return Reply(201, fake.add_account(body))


def _calls(fake: FakeProvider, body: JSONObject) -> object:
    return [call_data(call) for call in list(fake.calls)]


def _add_fault(fake: FakeProvider, body: JSONObject) -> object:
    endpoint = _text(body, "endpoint")
    unknown = set(body) - {"endpoint", "status", "error", "times", "always", "sequence"}
    if unknown:
        raise _BadRequest(f"a fault has no field {', '.join(sorted(unknown))}")
    how = [key for key in ("times", "always", "sequence") if key in body]
    if len(how) > 1:
        raise _BadRequest("give at most one of times, always and sequence")
    status, error = body.get("status"), body.get("error")
    if "sequence" in body:
        if status is not None or error is not None:
            raise _BadRequest("a sequence's steps say the status or error of each call")
        steps = body["sequence"]
        if not isinstance(steps, list):
            raise _BadRequest('sequence is a list of statuses and errors, e.g. [503, "timeout"]')
        fake.fail_sequence(endpoint, steps)
    elif body.get("always") is not None:
        if not _flag(body["always"], "always"):
            raise _BadRequest("always is true when given")
        fake.fail_always(endpoint, status, error=error)
    else:
        fake.fail_next(endpoint, status, error=error, times=body.get("times", 1))
    return {"pending": fake.pending_faults}


def _clear_faults(fake: FakeProvider, body: JSONObject) -> object:
    endpoint = body.get("endpoint")
    fake.clear_faults(None if endpoint is None else _text(body, "endpoint"))
    return {"pending": fake.pending_faults}


def _revoke_one(fake: FakeProvider, body: JSONObject) -> object:
    fake.revoke_refresh_token(_text(body, "token"))
    return {"revoked": 1}


def _revoke_all(fake: FakeProvider, body: JSONObject) -> object:
    account = body.get("account")
    return {
        "revoked": fake.revoke_refresh_tokens(None if account is None else _text(body, "account"))
    }


def _expire(fake: FakeProvider, body: JSONObject) -> object:
    return {"expired": fake.expire_access_tokens()}


def _rotate(fake: FakeProvider, body: JSONObject) -> object:
    if body:
        raise _BadRequest("rotate_keys takes no fields: the new key is made up")
    fake.rotate_keys()
    return {"rotated": True}


def _skew(fake: FakeProvider, body: JSONObject) -> object:
    fake.skew_next_token(_number(body.get("seconds"), "seconds"))
    return {"skewed": body["seconds"]}


def _switches(fake: FakeProvider, body: JSONObject) -> object:
    names = ("single_use_refresh", "rotate_refresh_tokens")
    unknown = set(body) - set(names)
    if unknown:
        raise _BadRequest(f"the switches are {' and '.join(names)}")
    for name, value in body.items():
        setattr(fake, name, _flag(value, name))
    return {name: getattr(fake, name) for name in names}
