"""Why a fake refused a call, in one line and the fake's own words (never the vendor's,
never a secret or a whole token): what ``call.reason`` holds, the assertion messages
and the control API's call log show."""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .wire import Reply

__all__ = [
    "REFRESH_REFUSALS",
    "bad_token",
    "expired",
    "fallback",
    "missing",
    "not_yet_valid",
    "stamp",
]

#: Why the token store refused a refresh token, by its answer.
REFRESH_REFUSALS = {
    "revoked": "refresh token revoked (revoke_refresh_token or revoke_refresh_tokens)",
    "spent": "refresh token already used (single_use_refresh)",
    "expired": "refresh token past its lifetime (refresh_ttl)",
    "unknown": "refresh token this fake never issued",
}


def stamp(epoch: float) -> str:
    """An instant as ``2030-01-01T00:00:00Z``."""
    try:
        when = _dt.datetime.fromtimestamp(epoch, _dt.timezone.utc)
    except (OverflowError, OSError, ValueError):
        return f"{epoch!r} (out of range)"
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def expired(what: str, exp: float, now: float) -> str:
    """``access token expired at ...; the clock reads ...``."""
    return f"{what} expired at {stamp(exp)}; the clock reads {stamp(now)}"


def not_yet_valid(what: str, nbf: float, now: float) -> str:
    return f"{what} not valid before {stamp(nbf)}; the clock reads {stamp(now)}"


def missing(field: str) -> str:
    return f"[{field}] is missing"


def bad_token(what: str, error: Exception | None, *, rotations: int, kid: object = None) -> str:
    """Why a JWT could not be read: its signature (naming the key id it names, and
    whether ``rotate_keys()`` replaced the fake's key), or its shape."""
    import jwt

    if isinstance(error, jwt.InvalidSignatureError) or (error is None and kid is not None):
        key = f" with key {str(kid)[:12]}" if kid else ""
        if rotations:
            return f"{what} signed{key} with a key rotated out by rotate_keys()"
        return f"{what} signed{key} with a key this fake does not sign with"
    if isinstance(error, jwt.DecodeError) or error is not None:
        return f"{what} cannot be decoded: not a JWT this fake issued"
    return f"{what} is not one this fake issued"


def fallback(reply: Reply) -> str | None:
    """A refused reply's reason when its rule gave none: an injected fault, or the
    vendor's own message."""
    if reply.fault is not None:
        return f"injected fault: {reply.fault.value}"
    if reply.injected:
        return f"injected fault: HTTP {reply.status}"
    if reply.reason is not None or reply.status < 400:
        return reply.reason
    body = reply.body
    message = body.get("message") if isinstance(body, dict) else None
    if isinstance(message, str) and message:
        return f"refused: {message[:200]}"
    return f"refused with HTTP {reply.status}"
