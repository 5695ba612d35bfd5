"""Reading JWTs without verifying them.

Kept free of pyjwt so the clock and the call log can use it without importing it.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from ._redact import mask

__all__ = ["expiry", "tampered", "unverified_claims"]


def _b64decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def unverified_claims(token: str) -> dict[str, Any]:
    """The claims of a JWT, without checking its signature."""
    if not isinstance(token, str):
        raise TypeError(f"expected a JWT string, not {type(token).__name__}")
    parts = token.split(".")
    if len(parts) != 3:
        raise ValueError(
            f"{mask(token)} is not a JWT: expected three dot-separated parts, found {len(parts)}"
        )
    try:
        claims = json.loads(_b64decode(parts[1]))
    except (binascii.Error, ValueError):
        raise ValueError(f"{mask(token)} is not a JWT: its payload is not base64url JSON") from None
    if not isinstance(claims, dict):
        raise ValueError(f"{mask(token)} is not a JWT: its payload is not a JSON object")
    return claims


def expiry(token: str) -> int:
    """The ``exp`` claim of a JWT, in seconds since the epoch."""
    exp = unverified_claims(token).get("exp")
    if isinstance(exp, bool) or not isinstance(exp, (int, float)):
        raise ValueError(f"the token {mask(token)} has no numeric 'exp' claim")
    return int(exp)


def tampered(token: str) -> str:
    """The same token with one character of its signature changed."""
    head, dot, signature = token.rpartition(".")
    if not dot or not signature:
        raise ValueError(f"{mask(token)} is not a JWT: it has no signature to tamper with")
    first = "B" if signature[0] == "A" else "A"
    return f"{head}.{first}{signature[1:]}"
