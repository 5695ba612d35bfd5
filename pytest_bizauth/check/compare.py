"""Where a server's answer and the fake's answer to the same request differ: status,
JSON keys and their order, the vendor's words, value types, challenge header names and
derived facts; never values that must differ (tokens, ids, times)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .probes import Observed, Probe

__all__ = ["Difference", "differences"]


@dataclass(frozen=True)
class Difference:
    """One point where the server and the fake disagree."""

    where: str
    server: object
    fake: object

    def describe(self) -> str:
        return f"{self.where}: the server says {self.server!r}, the fake says {self.fake!r}"


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    names: dict[type, str] = {str: "string", list: "array", dict: "object"}
    return names.get(type(value), type(value).__name__)


def _walk(where: str, server: Any, fake: Any, exact: frozenset[str]) -> list[Difference]:
    if _kind(server) != _kind(fake):
        return [Difference(f"{where} type", _kind(server), _kind(fake))]
    if isinstance(server, dict):
        found = []
        if list(server) != list(fake):
            found.append(Difference(f"{where} keys", list(server), list(fake)))
        for key in [k for k in server if k in fake]:
            if key in exact and server[key] != fake[key]:
                found.append(Difference(f"{where}.{key}", server[key], fake[key]))
            else:
                found += _walk(f"{where}.{key}", server[key], fake[key], exact)
        return found
    if isinstance(server, list) and server and fake:
        return _walk(f"{where}[0]", server[0], fake[0], exact)
    return []


def _challenge(headers: Any) -> list[str] | None:
    """The names in a ``WWW-Authenticate`` challenge (``Bearer``, ``error``, ...)."""
    value = headers.get("www-authenticate")
    if value is None:
        return None
    scheme, _, params = value.partition(" ")
    names = [part.split("=", 1)[0].strip() for part in params.split(",") if "=" in part]
    return [scheme, *names]


def differences(probe: Probe, server: Observed, fake: Observed) -> list[Difference]:
    """What differs between the server's answer and the fake's to ``probe``."""
    found = []
    if server.status != fake.status:
        found.append(Difference("status", server.status, fake.status))
    if server.is_json != fake.is_json:
        found.append(Difference("body", _body_kind(server), _body_kind(fake)))
    elif server.is_json:
        found += _walk("body", server.json, fake.json, probe.exact)
    if _challenge(server.headers) != _challenge(fake.headers):
        found.append(
            Difference("WWW-Authenticate", _challenge(server.headers), _challenge(fake.headers))
        )
    if probe.facts is not None and server.status == fake.status:
        ours, theirs = probe.facts(fake), probe.facts(server)
        for name, value in theirs.items():
            if ours.get(name) != value:
                found.append(Difference(name, value, ours.get(name)))
    return found


def _body_kind(observed: Observed) -> str:
    return "JSON" if observed.is_json else "not JSON"
