"""Masking secrets for display: passwords never shown, tokens shortened to a prefix and
a digest, request and response bodies redacted by field name."""

from __future__ import annotations

import functools
import hashlib
import re
from typing import Any

__all__ = [
    "HIDDEN_FIELDS",
    "MAX_LOGGED",
    "TOKEN_FIELDS",
    "Secret",
    "bounded",
    "for_log",
    "hide",
    "mask",
    "redact",
    "scrub",
    "scrub_path",
]

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
    return _masked(text)


@functools.lru_cache(maxsize=256)
def _masked(text: str) -> str:
    # A frozen clock mints the same tokens in every test: each is digested once.
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:6]
    return f"{text[:6]}...{digest}"


def hide(_secret: object) -> str:
    """A password or client secret: never shown, not even in part."""
    return "***"


class Secret(str):
    """A credential: a ``str`` everywhere it is used (sent, compared, hashed), masked
    wherever it is printed by ``repr``, so pytest's tracebacks (arguments, ``-l``
    locals), assertion messages and logs never show it. A password or client secret
    shows as ``***``; a token (``token=True``) as its first characters and a digest."""

    __slots__ = ("_token",)

    def __new__(cls, value: str, *, token: bool = False) -> Secret:
        made = super().__new__(cls, value)
        made._token = token
        return made

    def __repr__(self) -> str:
        return repr(mask(str.__str__(self)) if self._token else hide(self))

    def __reduce__(self) -> tuple[object, ...]:
        return (Secret, (str.__str__(self),), {"_token": self._token})

    def __setstate__(self, state: dict[str, object]) -> None:
        self._token = state["_token"]


def secret(value: object, *, token: bool = False) -> Any:
    """``value`` held as a :class:`Secret` if it is a string; anything else as it is."""
    if isinstance(value, str) and not isinstance(value, Secret):
        return Secret(value, token=token)
    return value


# Runs of token characters long enough to be (part of) a credential: JWTs and their
# pieces, hex and base64url tokens.
_TOKEN_RUN = re.compile(rb"[A-Za-z0-9_\-]{24,}(?:\.[A-Za-z0-9_\-]*){0,2}")


def scrub(body: bytes) -> bytes:
    """A raw body fit for a log: every long run of token characters (a whole or cut
    token) shortened to a prefix and a digest. For bodies that are not JSON."""
    return _TOKEN_RUN.sub(lambda m: mask(m.group().decode("ascii")).encode(), body)


# Deeper than this, a body is logged as a placeholder (JSON can nest past the stack).
_MAX_DEPTH = 32


def redact(
    value: object,
    key: str = "",
    *,
    hidden: frozenset[str] = HIDDEN_FIELDS,
    tokens: frozenset[str] = TOKEN_FIELDS,
    known: frozenset[str] = frozenset(),
    depth: int = 0,
) -> Any:
    """A copy of a request or response body fit for a log: fields named in ``hidden``,
    and any value in ``known`` (the secrets the caller knows) wherever it stands,
    replaced by ``***``; fields named in ``tokens`` shortened to a prefix and a digest.
    Names are compared in lower case."""
    if isinstance(value, (dict, list)) and depth >= _MAX_DEPTH:
        return "<nested too deep to log>"
    if isinstance(value, dict):
        return {
            k: redact(v, str(k), hidden=hidden, tokens=tokens, known=known, depth=depth + 1)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [
            redact(v, key, hidden=hidden, tokens=tokens, known=known, depth=depth + 1)
            for v in value
        ]
    if not isinstance(value, str) or not value:
        return value
    lowered = key.lower()
    if lowered in hidden or value in known:
        return hide(value)
    if lowered in tokens:
        scheme, space, rest = value.partition(" ")
        if space and scheme.lower() == "bearer":
            return f"{scheme} {mask(rest)}"
        return mask(value)
    return value


#: The longest text a log keeps of one value: enough for any assertion, never a 50 MB
#: mail body.
MAX_LOGGED = 4096


def bounded(value: object) -> Any:
    """A logged value with every long string or byte string cut to ``MAX_LOGGED``."""
    if isinstance(value, dict):
        return {k: bounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [bounded(v) for v in value]
    if isinstance(value, str) and len(value) > MAX_LOGGED:
        return f"{value[:MAX_LOGGED]}...({len(value) - MAX_LOGGED} more)"
    if isinstance(value, bytes) and len(value) > MAX_LOGGED:
        return value[:MAX_LOGGED] + b"..."
    return value


def for_log(
    value: Any,
    *,
    hidden: frozenset[str] = HIDDEN_FIELDS,
    tokens: frozenset[str] = TOKEN_FIELDS,
    known: frozenset[str] = frozenset(),
) -> Any:
    """``bounded(redact(value, ...))`` in one pass: what a call log keeps of a body."""
    return _for_log(value, "", hidden, tokens, known, 0)


def _for_log(
    value: Any, key: str, hidden: frozenset[str], tokens: frozenset[str],
    known: frozenset[str], depth: int,
) -> Any:  # fmt: skip
    kind = type(value)
    if kind is str or isinstance(value, str):
        if not value:
            return value
        lowered = key.lower()
        if lowered in hidden or value in known:
            return hide(value)
        if lowered in tokens:
            return redact(value, key, hidden=hidden, tokens=tokens, known=known)
        return value if len(value) <= MAX_LOGGED else bounded(value)
    if kind is dict or kind is list or isinstance(value, (dict, list)):
        if depth >= _MAX_DEPTH:
            return "<nested too deep to log>"
        if isinstance(value, dict):
            return {
                k: _for_log(v, str(k), hidden, tokens, known, depth + 1) for k, v in value.items()
            }
        return [_for_log(v, key, hidden, tokens, known, depth + 1) for v in value]
    return bounded(value) if isinstance(value, bytes) else value


def scrub_path(path: str) -> str:
    """A URL path fit for a message: every run of token characters long enough to be a
    credential shortened to a prefix and a digest (some APIs put tokens in paths)."""
    return scrub(path.encode("utf-8", "surrogateescape")).decode("utf-8", "replace")
