"""Reading a provider's answers safely: JSON or a clear error, redirects refused, token
sets checked before they are used. Every function names the vendor in its errors."""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING

from .._redact import secret
from ..clock import timestamp
from ..errors import (
    InvalidCredentialsError,
    ProviderError,
    RequestRejectedError,
    TokenRejectedError,
)
from .flow import IssuedTokens, RefreshRejected

if TYPE_CHECKING:
    from collections.abc import Container

    from .._types import JSONView
    from .flow import Answer

__all__ = [
    "MAX_LIFETIME",
    "check_login",
    "check_refresh",
    "check_resource",
    "message",
    "provider_error",
    "read_json",
    "received",
    "refused_token",
    "rejected",
    "total_seconds",
    "unanswered",
]

#: The longest lifetime a token may claim before the client calls it absurd: ten years.
MAX_LIFETIME = 10 * 366 * 86_400


def _check_not_redirect(vendor: str, answer: Answer, path: str) -> None:
    if 300 <= answer.status < 400:
        from urllib.parse import urlsplit

        where = urlsplit(answer.headers.get("location", "")).hostname or "no Location"
        raise ProviderError(
            f"{vendor} answered with a redirect to {where}, which an auth client "
            "never follows (it would carry the credentials away)",
            status=answer.status,
            endpoint=path,
        )


def read_json(
    vendor: str, answer: Answer, path: str, *, tokens: frozenset[str] = frozenset()
) -> JSONView:
    """The body as a JSON object, or :class:`ProviderError` saying what came instead.
    The string values of fields named in ``tokens`` (at any depth) are held masked from
    the moment they are read, so no traceback's locals or arguments show them."""
    _check_not_redirect(vendor, answer, path)
    try:
        body = json.loads(answer.content.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise ProviderError(
            f"{vendor} answered with a body that is not JSON ({answer.content_type}, "
            f"{len(answer.content)} bytes)",
            status=answer.status,
            endpoint=path,
        ) from None
    if not isinstance(body, dict):
        raise ProviderError(
            f"{vendor} answered with JSON that is not an object",
            status=answer.status,
            endpoint=path,
        )
    if not tokens:
        return body
    return {key: _held(value, tokens, key) for key, value in body.items()}


def _held(value: object, tokens: frozenset[str], key: str = "", depth: int = 0) -> object:
    """A copy of a JSON value with the strings of the ``tokens`` fields held masked."""
    if key in tokens:
        return secret(value, token=True)
    if depth > 32:  # deeper than any answer that carries tokens
        return value
    if isinstance(value, dict):
        return {k: _held(v, tokens, k, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_held(v, tokens, "", depth + 1) for v in value]
    return value


def message(vendor: str, answer: Answer, path: str) -> str:
    """The provider's error message, or a description of what it sent instead."""
    try:
        body = read_json(vendor, answer, path)
    except ProviderError as exc:
        return exc.message
    text = body.get("message")
    if isinstance(text, str) and text:
        return text[:500]
    return f"{vendor} answered HTTP {answer.status}"


def provider_error(vendor: str, answer: Answer, path: str) -> ProviderError:
    _check_not_redirect(vendor, answer, path)
    return ProviderError(message(vendor, answer, path), status=answer.status, endpoint=path)


def rejected(vendor: str, answer: Answer, path: str) -> RequestRejectedError:
    """A refused, well-authenticated request, with the provider's ``Retry-After``."""
    return RequestRejectedError(
        message(vendor, answer, path),
        status=answer.status,
        endpoint=path,
        retry_after=_retry_after(answer),
    )


def refused_token(path: str, text: str) -> TokenRejectedError:
    return TokenRejectedError(
        text, status=401, endpoint=path, hint="the token was refused even after a refresh"
    )


def check_login(vendor: str, answer: Answer, path: str, *, hint: str) -> None:
    """A login's answer: returns on 200; refused credentials (401, 403) raise
    :class:`InvalidCredentialsError` with ``hint``, another 4xx a refused request, and
    anything else a provider error."""
    if answer.status == 200:
        return
    if answer.status in (401, 403):
        raise InvalidCredentialsError(
            message(vendor, answer, path), status=answer.status, endpoint=path, hint=hint
        )
    if 400 <= answer.status < 500:
        raise rejected(vendor, answer, path)
    raise provider_error(vendor, answer, path)


def check_refresh(vendor: str, answer: Answer, path: str, *, refusing: Container[int]) -> None:
    """A refresh's answer: returns on 200; a 429 is a refused request (the refresh token
    may still be good); a status in ``refusing`` means the refresh token is not taken
    (:class:`RefreshRejected`: the client logs in again); anything else a provider
    error."""
    if answer.status == 200:
        return
    if answer.status == 429:
        raise rejected(vendor, answer, path)
    if answer.status in refusing:
        raise RefreshRejected(message(vendor, answer, path))
    raise provider_error(vendor, answer, path)


def check_resource(vendor: str, answer: Answer, path: str, *, refused: str = "") -> None:
    """A call's answer after the bearer rule: returns on 200; a 401 means the token was
    refused even after a renewal (``refused``: what to say, else the vendor's
    message); another 4xx a refused request; anything else a provider error."""
    if answer.status == 200:
        return
    if answer.status == 401:
        raise refused_token(path, refused or message(vendor, answer, path))
    if 400 <= answer.status < 500:
        raise rejected(vendor, answer, path)
    raise provider_error(vendor, answer, path)


def total_seconds(timeout: object) -> float:
    """How long a whole call may take, from a client's timeout: a number, a
    ``(connect, read)`` pair, or an ``httpx.Timeout`` (the sum of its parts)."""
    if isinstance(timeout, (int, float)) and not isinstance(timeout, bool):
        return float(timeout)
    if isinstance(timeout, tuple):
        return float(sum(part for part in timeout if part is not None))
    parts = [getattr(timeout, name, None) for name in ("connect", "read", "write", "pool")]
    found = [part for part in parts if part is not None]
    return float(sum(found)) if found else float("inf")


def unanswered(
    vendor: str, timeout: object, path: str, failure: Exception, *, timed_out: bool
) -> ProviderError:
    """No answer came: the client's timeout passed, or the connection failed."""
    if timed_out:
        text = f"{vendor} did not answer in time ({timeout!r})"
    else:
        text = f"{vendor} could not be reached: {type(failure).__name__}"
    return ProviderError(text, endpoint=path)


def received(
    vendor: str,
    answer: Answer,
    path: str,
    fields: tuple[object, object, object],
    by: str,
) -> IssuedTokens:
    """The token set of a good answer (``fields``: access token, refresh token,
    ``expires_in``), refused when any part of it is unusable."""
    access, refresh, expires_in = fields

    def refuse(what: str) -> ProviderError:
        return ProviderError(f"{vendor} answered {what}", status=answer.status, endpoint=path)

    if not isinstance(access, str) or not access:
        raise refuse("without an access token")
    if refresh is not None and not isinstance(refresh, str):
        raise refuse("with a refresh token that is not a string")
    for name, token in (("access", access), ("refresh", refresh)):
        if isinstance(token, str) and not _sendable(token):
            raise refuse(
                f"with a {name} token that cannot be sent in a header (control or "
                "non-Latin-1 characters)"
            )
    if (
        isinstance(expires_in, bool)
        or not isinstance(expires_in, (int, float))
        or not math.isfinite(expires_in)
        or not 0 < expires_in <= MAX_LIFETIME
    ):
        raise refuse(f"without a positive 'expires_in' of at most {MAX_LIFETIME} seconds")
    return IssuedTokens(
        secret(access, token=True),
        secret(refresh, token=True) or None,
        float(expires_in),
        timestamp(),
        by,
    )


def _sendable(token: str) -> bool:
    try:
        token.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return token.isprintable() and " " not in token.strip() and token == token.strip()


def _retry_after(answer: Answer) -> float | None:
    value = answer.headers.get("retry-after")
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - timestamp()
    return max(seconds, 0.0) if math.isfinite(seconds) else None
