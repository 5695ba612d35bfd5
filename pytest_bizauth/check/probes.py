"""One step of a vendor's contract: a request, what to remember from its answer, and
what to compare beyond the answer's shape."""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from collections.abc import Mapping

    from .._types import JSONObject

__all__ = ["Context", "Contract", "Observed", "Probe", "jwt_facts", "time_format"]

#: What one side's earlier answers left for the later steps (its own tokens).
Context = dict[str, Any]
#: Answer fields compared by value, not only by type: the vendor's words and codes.
WORDS = frozenset({"message", "message_kh", "code", "success", "token_type", "status"})


@dataclass(frozen=True)
class Observed:
    """An answer as the check reads it: status, lower-cased headers, JSON (or ``None``)."""

    status: int
    headers: Mapping[str, str]
    json: object = None
    is_json: bool = False


@dataclass(frozen=True)
class Probe:
    """A request of the contract. ``body`` and ``headers`` may be functions of the
    side's context; ``capture`` stores what later probes need; ``facts`` derives values
    compared exactly (claim names, lifetimes, formats). ``row`` is the fidelity page's
    row the probe tests."""

    name: str
    row: str
    method: str
    path: str
    body: object = None
    headers: Any = field(default_factory=dict)
    exact: frozenset[str] = WORDS
    capture: Callable[[Context, Observed], None] | None = None
    facts: Callable[[Observed], JSONObject] | None = None
    writes: bool = False
    #: The server may not serve it at all (a 404 skips the probe).
    optional: bool = False

    def build(self, context: Context) -> tuple[Any, dict[str, str]]:
        body = self.body(context) if callable(self.body) else self.body
        headers = self.headers(context) if callable(self.headers) else dict(self.headers)
        return body, headers


def _segment(part: str) -> Any:
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def jwt_facts(token: object, lifetime_from: str) -> JSONObject:
    """A JWT's header names, claim names in order, and lifetime (``exp`` minus
    ``lifetime_from``); never its values."""
    try:
        header, claims = (_segment(p) for p in str(token).split(".")[:2])
    except (ValueError, TypeError):
        return {"token": "not a JWT"}
    lifetime = None
    if isinstance(claims, dict):
        exp, start = claims.get("exp"), claims.get(lifetime_from)
        if isinstance(exp, int) and isinstance(start, int):
            lifetime = exp - start
    return {
        "token header names": list(header) if isinstance(header, dict) else None,
        "token claim names": list(claims) if isinstance(claims, dict) else None,
        "token lifetime": lifetime,
    }


def time_format(value: object) -> str:
    """A time's format, its digits hidden: ``dddd-dd-ddTdd:dd:dd.ddddddd+dd:dd``."""
    return re.sub(r"\d", "d", str(value))


@dataclass(frozen=True)
class Contract:
    """What ``bizauth check`` needs of a vendor: its credentials from the environment
    (``variables`` names them for the usage message), a fake holding the same
    accounts, and the probes, given the credentials and the product."""

    variables: str
    credentials: Callable[[Mapping[str, str]], dict[str, str] | None]
    fake: Callable[[dict[str, str], str | None], Any]
    probes: Callable[[dict[str, str], str | None], list[Probe]]
    products: tuple[str, ...] = ()
