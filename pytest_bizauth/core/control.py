"""How a fake's Python verbs are reached over HTTP: one :class:`ControlVerb` per
endpoint of the control API (``/_bizauth/...`` on ``bizauth serve`` and
``bizauth_server``), naming the Python verbs it translates.

The shared verbs are listed by the control API; each vendor lists its own beside its
fake (``control_verbs``), with a reason for each Python verb that has no endpoint
(``python_only``). A test holds every public verb of every fake to one or the other,
so the two cannot drift. Transport-free: a verb takes the fake and the request's JSON
body (with the path's parameters in it) and returns JSON data or a ``Reply``.
"""

from __future__ import annotations

import datetime as _dt
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from .._redact import HIDDEN_FIELDS, redact

if TYPE_CHECKING:
    from collections.abc import Mapping

    from .._types import JSONObject
    from .call import Call
    from .webhooks import Delivery

__all__ = [
    "BadControlRequest",
    "ControlVerb",
    "call_data",
    "delivery_data",
    "iso",
    "flag",
    "keywords",
    "match",
    "number",
    "record_data",
    "text",
    "with_parameters",
]


class BadControlRequest(Exception):
    """A control request that is not of the right form; the message says the right one."""


@dataclass(frozen=True)
class ControlVerb:
    """One endpoint: ``method`` and ``path`` under ``/_bizauth/`` (``<name>`` segments
    are parameters, handed to ``run`` in the body), the body's ``form`` in words, and
    the Python ``verbs`` it translates."""

    method: str
    path: str
    form: str
    run: Callable[[Any, JSONObject], object]
    verbs: tuple[str, ...] = ()

    @property
    def line(self) -> str:
        return f"{self.method} {self.path}  {self.form}"


def match(verb: ControlVerb, method: str, path: str) -> dict[str, str] | None:
    """The path's parameters when ``method path`` is ``verb``'s endpoint, else ``None``."""
    if method != verb.method:
        return None
    wanted, given = verb.path.split("/"), path.split("/")
    if len(wanted) != len(given):
        return None
    found: dict[str, str] = {}
    for part, value in zip(wanted, given):
        if part.startswith("<") and part.endswith(">"):
            if not value:
                return None
            found[part[1:-1]] = value
        elif part != value:
            return None
    return found


def with_parameters(body: JSONObject, parameters: Mapping[str, str]) -> JSONObject:
    """The body, with the path's parameters; a body naming one too is refused."""
    clash = sorted(set(body) & set(parameters))
    if clash:
        raise BadControlRequest(f"{', '.join(clash)} is given in the path, not the body")
    return {**body, **parameters}


def keywords(
    body: JSONObject, allowed: tuple[str, ...], *, path: tuple[str, ...] = ()
) -> dict[str, Any]:
    """The body's fields but the path's, refused when one is not in ``allowed``."""
    given = {key: value for key, value in body.items() if key not in path}
    unknown = sorted(set(given) - set(allowed))
    if unknown:
        takes = ", ".join(allowed) or "no fields"
        raise BadControlRequest(f"unknown field {', '.join(unknown)}; this takes {takes}")
    return given


def number(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise BadControlRequest(f"{name} is a number of seconds, not {json.dumps(value)}")
    return float(value)


def flag(value: object, name: str) -> bool:
    if not isinstance(value, bool):
        raise BadControlRequest(f"{name} is true or false, not {json.dumps(value)}")
    return value


def text(body: JSONObject, name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise BadControlRequest(f"{name} is a non-empty string")
    return value


def iso(instant: _dt.datetime) -> str:
    return instant.astimezone(_dt.timezone.utc).isoformat().replace("+00:00", "Z")


def record_data(record: object, names: tuple[str, ...], **given: object) -> JSONObject:
    """A record as JSON data: the fields ``names`` as they are, and ``given``."""
    return {**{name: getattr(record, name) for name in names}, **given}


def delivery_data(delivery: Delivery) -> JSONObject:
    """One webhook delivery as JSON data, its secrets masked."""
    return record_data(
        delivery,
        ("webhook", "attempt", "event", "target", "path", "forged", "status", "ok", "error"),
        verified=delivery.verified,
        body=redact(delivery.body),
        headers=redact(dict(delivery.headers), hidden=HIDDEN_FIELDS | _SIGNED_HEADERS),
        answer=redact(delivery.answer),
        at=None if delivery.at is None else iso(delivery.at),
    )


def call_data(call: Call) -> JSONObject:
    """One call of the log as JSON data: the fields of :class:`~.call.Call`."""
    return record_data(
        call,
        ("endpoint", "method", "kind", "event", "request", "status", "response", "fault"),
        injected=call.injected,
        note=call.note,
        reason=call.reason,
        at=iso(call.at),
    )


# Headers of a webhook that carry a credential of the receiver's.
_SIGNED_HEADERS = frozenset({"authorization", "x-signature", "x-webhook-signature"})
