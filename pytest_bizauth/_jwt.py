"""Reading JWTs without verifying them, and masking secrets for display.

Kept free of pyjwt so the clock and the call log can use it without importing it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from typing import Any

__all__ = ["expiry", "mask", "unverified_claims"]


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
