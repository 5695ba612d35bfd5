"""The control API's verbs that every fake has: accounts, faults, the call log, tokens,
keys, switches and webhooks, each a :class:`~pytest_bizauth.core.control.ControlVerb`
naming the Python verbs it translates; and why the other shared Python verbs have no
endpoint (:data:`PYTHON_ONLY`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..core.control import (
    BadControlRequest,
    ControlVerb,
    call_data,
    delivery_data,
    flag,
    keywords,
    number,
    text,
)
from ..core.wire import Reply

if TYPE_CHECKING:
    from .._types import JSONObject
    from ..core.fake import FakeProvider

__all__ = ["PYTHON_ONLY", "SHARED_VERBS"]


def _accounts(fake: FakeProvider, body: JSONObject) -> object:
    return fake.accounts()


def _add_account(fake: FakeProvider, body: JSONObject) -> object:
    if not body:
        raise BadControlRequest("give the new account's fields")
    return Reply(201, fake.add_account(body))


def _calls(fake: FakeProvider, body: JSONObject) -> object:
    return [call_data(call) for call in list(fake.calls)]


def _add_fault(fake: FakeProvider, body: JSONObject) -> object:
    endpoint = text(body, "endpoint")
    unknown = set(body) - {"endpoint", "status", "error", "times", "always", "sequence"}
    if unknown:
        raise BadControlRequest(f"a fault has no field {', '.join(sorted(unknown))}")
    how = [key for key in ("times", "always", "sequence") if key in body]
    if len(how) > 1:
        raise BadControlRequest("give at most one of times, always and sequence")
    status, error = body.get("status"), body.get("error")
    if "sequence" in body:
        if status is not None or error is not None:
            raise BadControlRequest("a sequence's steps say the status or error of each call")
        steps = body["sequence"]
        if not isinstance(steps, list):
            raise BadControlRequest(
                'sequence is a list of statuses and errors, e.g. [503, "timeout"]'
            )
        fake.fail_sequence(endpoint, steps)
    elif body.get("always") is not None:
        if not flag(body["always"], "always"):
            raise BadControlRequest("always is true when given")
        fake.fail_always(endpoint, status, error=error)
    else:
        fake.fail_next(endpoint, status, error=error, times=body.get("times", 1))
    return {"pending": fake.pending_faults}


def _clear_faults(fake: FakeProvider, body: JSONObject) -> object:
    endpoint = body.get("endpoint")
    fake.clear_faults(None if endpoint is None else text(body, "endpoint"))
    return {"pending": fake.pending_faults}


def _revoke_one(fake: FakeProvider, body: JSONObject) -> object:
    fake.revoke_refresh_token(text(body, "token"))
    return {"revoked": 1}


def _revoke_all(fake: FakeProvider, body: JSONObject) -> object:
    account = body.get("account")
    return {
        "revoked": fake.revoke_refresh_tokens(None if account is None else text(body, "account"))
    }


def _expire(fake: FakeProvider, body: JSONObject) -> object:
    return {"expired": fake.expire_access_tokens()}


def _rotate(fake: FakeProvider, body: JSONObject) -> object:
    if body:
        raise BadControlRequest("rotate_keys takes no fields: the new key is made up")
    fake.rotate_keys()
    return {"rotated": True}


def _skew(fake: FakeProvider, body: JSONObject) -> object:
    fake.skew_next_token(number(body.get("seconds"), "seconds"))
    return {"skewed": body["seconds"]}


def _switches(fake: FakeProvider, body: JSONObject) -> object:
    names = ("single_use_refresh", "rotate_refresh_tokens")
    unknown = set(body) - set(names)
    if unknown:
        raise BadControlRequest(f"the switches are {' and '.join(names)}")
    for name, value in body.items():
        setattr(fake, name, flag(value, name))
    return {name: getattr(fake, name) for name in names}


def _webhooks(fake: FakeProvider, body: JSONObject) -> object:
    return [delivery_data(delivery) for delivery in list(fake.webhooks)]


def _webhook_target(fake: FakeProvider, body: JSONObject) -> object:
    given = keywords(body, ("url", "events"))
    events = given.get("events")
    if events is not None and (
        not isinstance(events, list) or not all(isinstance(e, str) for e in events)
    ):
        raise BadControlRequest("events is a list of event names")
    fake.deliver_webhooks_to(text(body, "url"), events)
    return {"url": body["url"], "events": events if events is not None else fake.webhook_events}


def _no_webhook_target(fake: FakeProvider, body: JSONObject) -> object:
    keywords(body, ())
    fake.stop_webhooks()
    return {"url": None}


#: The endpoints of every fake's control API, after the server's own (clock, reset).
SHARED_VERBS = (
    ControlVerb(
        "GET", "accounts", "the accounts, with their credentials", _accounts, ("accounts",)
    ),
    ControlVerb(
        "POST",
        "accounts",
        "{fields of one account} -> the account",
        _add_account,
        ("add_account",),
    ),
    ControlVerb(
        "POST",
        "faults",
        '{"endpoint", "status" and/or "error", "times" | "always" | "sequence"}',
        _add_fault,
        ("fail_next", "fail_always", "fail_sequence"),
    ),
    ControlVerb("DELETE", "faults", '{} or {"endpoint": name}', _clear_faults, ("clear_faults",)),
    ControlVerb("GET", "faults", "unfired faults", lambda fake, body: fake.pending_faults),
    ControlVerb("GET", "calls", "the call log, secrets masked", _calls),
    ControlVerb("GET", "events", "auth_events", lambda fake, body: fake.auth_events),
    ControlVerb("GET", "routes", "the endpoints served", lambda fake, body: fake.routes),
    ControlVerb(
        "POST",
        "revoke_refresh_token",
        '{"token": refresh token}',
        _revoke_one,
        ("revoke_refresh_token",),
    ),
    ControlVerb(
        "POST",
        "revoke_refresh_tokens",
        '{} or {"account": name}',
        _revoke_all,
        ("revoke_refresh_tokens",),
    ),
    ControlVerb(
        "POST",
        "expire_access_tokens",
        '-> {"expired": n}',
        _expire,
        ("expire_access_tokens",),
    ),
    ControlVerb("POST", "rotate_keys", "{}", _rotate, ("rotate_keys",)),
    ControlVerb("POST", "skew_next_token", '{"seconds": number}', _skew, ("skew_next_token",)),
    ControlVerb(
        "POST",
        "switches",
        '{"single_use_refresh": bool, "rotate_refresh_tokens": bool}',
        _switches,
    ),
    ControlVerb(
        "POST",
        "webhooks/target",
        '{"url": "http(s)://...", "events"?: [names]} -> webhooks go there from now on',
        _webhook_target,
        ("deliver_webhooks_to",),
    ),
    ControlVerb(
        "DELETE",
        "webhooks/target",
        "{} -> no more webhooks",
        _no_webhook_target,
        ("stop_webhooks",),
    ),
    ControlVerb("GET", "webhooks", "every delivery attempt, secrets masked", _webhooks),
)

#: The shared Python verbs with no endpoint, and why.
PYTHON_ONLY = {
    "add_endpoint": "its rule is a Python function",
    "add_user": "POST accounts takes any account's fields",
    "assert_bearer_used": "an assertion of the test's; GET calls shows every bearer used",
    "assert_last_refresh_used": "an assertion of the test's; read GET calls",
    "assert_logged_in": "an assertion of the test's; read GET events",
    "assert_not_refreshed": "an assertion of the test's; read GET events",
    "assert_refreshed": "an assertion of the test's; read GET events",
    "assert_webhook_delivered": "an assertion of the test's; read GET webhooks",
    "calls_to": "GET calls answers every call, with its endpoint",
    "clock_moved": "the clock's notice to the fake; POST clock moves it",
    "expiry_of": "a question about a token held in Python; a token's exp claim says it",
    "format_calls": "a message for a Python assertion; GET calls answers the calls",
    "handle": "the fake's front door: every vendor path of the server is it",
    "issue": "tokens over HTTP come from the vendor's own login endpoint",
    "near_miss": "a question about a request held in Python; serve --verbose prints the "
    "answer beside each unmatched request",
    "problems": "the teardown check of a test; GET calls and GET webhooks show the same",
    "route": "GET routes lists the endpoints",
    "tenant_accounts": "a hook of bizauth serve's tenants: POST tenants makes them",
    "tenant_settings": "a hook of bizauth serve's tenants: POST tenants makes them",
    "verify": "the teardown check of a test",
    "webhook_checked": "a vendor rule's notice to the fake, made by its own endpoint",
    "webhook_problems": "the teardown check of a test; GET webhooks shows each delivery",
}
