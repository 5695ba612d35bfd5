"""Masking secrets for display: passwords never shown, tokens shortened to a prefix and
a digest, request and response bodies redacted by field name."""

from __future__ import annotations

import hashlib
from typing import Any

__all__ = ["HIDDEN_FIELDS", "TOKEN_FIELDS", "hide", "mask", "redact"]

#: Field names whose values are never shown, not even in part.
HIDDEN_FIELDS = frozenset({"password", "secret", "client_secret"})
#: Field names whose values are tokens: shown as a prefix and a digest.
TOKEN_FIELDS = frozenset({"access_token", "refresh_token", "token", "authorization", "id_token"})


def mask(secret: object) -> str:
    """A short, stable stand-in for a token: its first characters and a digest suffix.

    Enough to tell two tokens apart in a call log or an assertion message, never enough
    to use one.
    """
    text = str(secret)
    if not text:
        return "''"
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:6]
    return f"{text[:6]}...{digest}"


def hide(_secret: object) -> str:
    """A password or client secret: never shown, not even in part."""
    return "***"


def redact(
    value: Any,
    key: str = "",
    *,
    hidden: frozenset[str] = HIDDEN_FIELDS,
    tokens: frozenset[str] = TOKEN_FIELDS,
) -> Any:
    """A copy of a request or response body fit for a log: fields named in ``hidden``
    replaced by ``***``, fields named in ``tokens`` shortened to a prefix and a digest.
    Names are compared in lower case."""
    if isinstance(value, dict):
        return {k: redact(v, str(k), hidden=hidden, tokens=tokens) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v, key, hidden=hidden, tokens=tokens) for v in value]
    if not isinstance(value, str) or not value:
        return value
    lowered = key.lower()
    if lowered in hidden:
        return hide(value)
    if lowered in tokens:
        scheme, space, rest = value.partition(" ")
        if space and scheme.lower() == "bearer":
            return f"{scheme} {mask(rest)}"
        return mask(value)
    return value
