"""Reading JWTs: without verifying them, and verified once per token and key.

Imports pyjwt only when a signature is checked, so the clock and the call log can use
the rest without importing it.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import TYPE_CHECKING, Any

from ._redact import mask
from .errors import UsageTypeError, UsageValueError

if TYPE_CHECKING:
    from ._types import JSONObject

__all__ = ["expiry", "tampered", "unverified_claims", "verified"]

# Tokens whose signature checked out, by (token, key id, algorithm): their header and
# claims (as JSON, so each caller gets its own copy). A fake checks the same token again
# and again; the signature is worth checking once. Expiry is the caller's, by the clock.
_VERIFIED: dict[tuple[str, str, str], tuple[str, str]] = {}
_VERIFIED_MAX = 4096


def _b64decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def unverified_claims(token: str) -> JSONObject:
    """The claims of a JWT, without checking its signature."""
    if not isinstance(token, str):
        raise UsageTypeError(f"expected a JWT string, not {type(token).__name__}")
    parts = token.split(".")
    if len(parts) != 3:
        raise UsageValueError(
            f"{mask(token)} is not a JWT: expected three dot-separated parts, found {len(parts)}"
        )
    try:
        claims = json.loads(_b64decode(parts[1]))
    except (binascii.Error, ValueError):
        raise UsageValueError(
            f"{mask(token)} is not a JWT: its payload is not base64url JSON"
        ) from None
    if not isinstance(claims, dict):
        raise UsageValueError(f"{mask(token)} is not a JWT: its payload is not a JSON object")
    return claims


def expiry(token: str) -> int:
    """The ``exp`` claim of a JWT, in seconds since the epoch."""
    exp = unverified_claims(token).get("exp")
    if isinstance(exp, bool) or not isinstance(exp, (int, float)):
        raise UsageValueError(f"the token {mask(token)} has no numeric 'exp' claim")
    return int(exp)


def tampered(token: str) -> str:
    """The same token with one character of its signature changed."""
    head, dot, signature = token.rpartition(".")
    if not dot or not signature:
        raise UsageValueError(f"{mask(token)} is not a JWT: it has no signature to tamper with")
    first = "B" if signature[0] == "A" else "A"
    return f"{head}.{first}{signature[1:]}"


def verified(token: str, key: Any, *, key_id: str, algorithm: str) -> tuple[JSONObject, JSONObject]:
    """The header and claims of a token signed with ``key`` (``key_id`` names it in the
    cache); pyjwt's ``InvalidTokenError`` otherwise. ``exp``, ``nbf``, ``iat`` and
    ``aud`` are not checked: the caller checks them against the frozen clock."""
    cache_key = (token, key_id, algorithm)
    found = _VERIFIED.get(cache_key)
    if found is None:
        import jwt

        # PyJWT().decode_complete: pyjwt's public API since 2.0 (the module-level
        # decode_complete came later).
        decoded = jwt.PyJWT().decode_complete(
            token,
            key,
            algorithms=[algorithm],
            options={
                "verify_exp": False,
                "verify_nbf": False,
                "verify_iat": False,
                "verify_aud": False,
            },
        )
        if len(_VERIFIED) >= _VERIFIED_MAX:
            _VERIFIED.clear()
        found = _VERIFIED[cache_key] = (
            json.dumps(decoded["header"]),
            json.dumps(decoded["payload"]),
        )
    header, claims = found
    return json.loads(header), json.loads(claims)
