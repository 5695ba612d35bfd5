"""The clients' core, free of I/O: what to send, how to read the answer, and when to use
the cached token, refresh it, log in again or retry.

A vendor's client describes its requests and how to read its answers; the flows here are
generators that yield :class:`Send` (an HTTP request to make) or :class:`NeedToken` (a
valid bearer token, obtained under the adapter's lock) and receive the result. The
``requests`` adapter drives them synchronously, the ``httpx`` adapter with ``await``,
so the sync and async clients cannot drift apart.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, NamedTuple, Union

from .._redact import Secret, mask, secret
from ..clock import timestamp
from ..errors import ProviderError, RequestRejectedError, TokenRejectedError

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "Answer",
    "ClientCore",
    "Flow",
    "IssuedTokens",
    "NeedToken",
    "RefreshRejected",
    "Send",
]

#: The longest lifetime a token may claim before the client calls it absurd: ten years.
MAX_LIFETIME = 10 * 366 * 86_400


@dataclass(frozen=True)
class Send:
    """An HTTP request for the adapter to make: JSON (``json``) or multipart (``parts``:
    ``(name, filename or None, content, content type or None)``), with the bearer token
    when ``token`` is set. Auth requests never follow redirects."""

    method: str
    path: str
    json: Any = field(default=None, repr=False)
    parts: tuple[tuple[str, str | None, Any, str | None], ...] = field(default=(), repr=False)
    token: str | None = field(default=None, repr=False)

    def headers(self) -> dict[str, str]:
        if self.token is None:
            return {}
        return {"Authorization": Secret(f"Bearer {self.token}", token=True)}

    def options(self) -> dict[str, Any]:
        """The keyword arguments ``requests`` and ``httpx`` both take for this request."""
        options: dict[str, Any] = {"headers": self.headers()}
        if self.parts:
            options["files"] = [
                (name, (file, data.encode() if isinstance(data, str) else data, kind))
                for name, file, data, kind in self.parts
            ]
        elif self.json is not None:
            options["json"] = self.json
        return options


@dataclass(frozen=True)
class NeedToken:
    """Ask the adapter for a valid access token; after a 401, one other than ``rejected``."""

    rejected: str | None = None


@dataclass(frozen=True)
class Answer:
    """What came back: the status, headers (lower-cased names) and body."""

    status: int
    headers: Mapping[str, str]
    content: bytes = field(repr=False)

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "no Content-Type")


Effect = Union[Send, NeedToken]
#: A flow yields effects, receives their results (an Answer, or a token), returns a value.
Flow = Generator[Effect, Any, Any]


@dataclass(frozen=True)
class IssuedTokens:
    """A token set a client received. ``repr()`` shows masked tokens only."""

    access_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    expires_in: float
    received_at: float
    obtained_by: str  # "login" or "refresh"

    @property
    def expires_at(self) -> _dt.datetime:
        return _dt.datetime.fromtimestamp(self.received_at + self.expires_in, _dt.timezone.utc)

    def __repr__(self) -> str:
        refresh = mask(self.refresh_token) if self.refresh_token else None
        return (
            f"IssuedTokens(access_token={mask(self.access_token)!r}, "
            f"refresh_token={refresh!r}, expires_at={self.expires_at.isoformat()!r}, "
            f"obtained_by={self.obtained_by!r})"
        )


class Cached(NamedTuple):
    """The token set in use, when to renew it, and its generation (one more at each
    renewal, so a caller can tell a renewal happened even when the new token is
    byte-identical to the old one)."""

    access: str
    refresh: str | None
    renew_at: float
    generation: int

    def __repr__(self) -> str:
        refresh = mask(self.refresh) if self.refresh else None
        return (
            f"Cached(access={mask(self.access)!r}, refresh={refresh!r}, "
            f"renew_at={self.renew_at}, generation={self.generation})"
        )


class RefreshRejected(Exception):
    """A vendor's refresh reader raises this when the provider will not refresh: the
    client logs in again."""


class ClientCore:
    """What a vendor's client shares with every other, sync or async: the cache, the
    leeway, the renewal and retry decisions, and reading answers safely. A vendor's
    client provides :meth:`_login`, :meth:`_refresh` and its resource calls as flows."""

    vendor = "provider"

    def __init__(
        self,
        base_url: str,
        *,
        leeway: float = 60,
        on_token: Callable[[IssuedTokens], None] | None = None,
    ) -> None:
        if not isinstance(base_url, str) or not base_url.startswith(("http://", "https://")):
            raise ValueError(f"base_url must be an http(s) URL, not {base_url!r}")
        if (
            isinstance(leeway, bool)
            or not isinstance(leeway, (int, float))
            or not math.isfinite(leeway)
            or leeway < 0
        ):
            raise ValueError(
                f"leeway must be a finite number of seconds, 0 or more, not {leeway!r}"
            )
        if on_token is not None and not callable(on_token):
            raise TypeError("on_token must be a callable taking an IssuedTokens, or None")
        self.base_url = base_url.rstrip("/")
        self.leeway = float(leeway)
        self.on_token = on_token
        self.timeout: Any = None
        self._cached: Cached | None = None

    # -- what vendors provide ------------------------------------------------------------

    def _login(self) -> Flow:
        """Log in: yields its request, returns :class:`IssuedTokens`."""
        raise NotImplementedError

    def _refresh(self, refresh_token: str) -> Flow:
        """Refresh: returns :class:`IssuedTokens`, or raises :class:`RefreshRejected`."""
        raise NotImplementedError

    def _who(self) -> str:
        return ""

    # -- the cache -----------------------------------------------------------------------

    def _fresh(self) -> str | None:
        """The cached access token while it needs no renewal (no I/O, no decoding)."""
        cached = self._cached
        if cached is not None and timestamp() < cached.renew_at:
            return cached.access
        return None

    def _usable(self, rejected: Cached | None = None) -> Cached | None:
        """The cached token set if it needs no renewal: not due, and (after a 401 with
        ``rejected``) renewed by someone else since. Decided by generation, not by
        comparing tokens, which can be byte-identical across a renewal."""
        cached = self._cached
        if cached is None:
            return None
        if rejected is None:
            return cached if timestamp() < cached.renew_at else None
        return cached if cached.generation != rejected.generation else None

    def forget_tokens(self) -> None:
        """Drop the cached tokens: the next call logs in."""
        self._cached = None

    @property
    def has_token(self) -> bool:
        return self._cached is not None

    def _renew(self) -> Flow:
        """Refresh if there is a refresh token the provider still takes, else log in;
        cache the result. Returns the new access token."""
        cached = self._cached
        issued: IssuedTokens | None = None
        if cached is not None and cached.refresh:
            try:
                issued = yield from self._refresh(cached.refresh)
            except RefreshRejected:
                issued = None
        if issued is None:
            issued = yield from self._login()
        assert issued is not None
        # A short-lived token is still used: the leeway is at most half its lifetime.
        leeway = min(self.leeway, issued.expires_in / 2)
        generation = 0 if cached is None else cached.generation + 1
        self._cached = Cached(
            issued.access_token,
            issued.refresh_token,
            issued.received_at + issued.expires_in - leeway,
            generation,
        )
        if self.on_token is not None:
            self.on_token(issued)
        return issued.access_token

    # -- resource calls --------------------------------------------------------------------

    def _with_bearer(self, send: Send) -> Flow:
        """Send with a valid token; after a 401, renew once and send again. Returns the
        last answer."""
        token = yield NeedToken()
        answer: Answer = yield _with_token(send, token)
        if answer.status != 401:
            return answer
        token = yield NeedToken(rejected=token)
        again: Answer = yield _with_token(send, token)
        return again

    def _refused_token(self, path: str, message: str) -> TokenRejectedError:
        return TokenRejectedError(
            message, status=401, endpoint=path, hint="the token was refused even after a refresh"
        )

    def _unanswered(self, path: str, failure: Exception, *, timed_out: bool) -> ProviderError:
        """No answer came: the client's timeout passed, or the connection failed."""
        if timed_out:
            message = f"{self.vendor} did not answer in time ({self.timeout!r})"
        else:
            message = f"{self.vendor} could not be reached: {type(failure).__name__}"
        return ProviderError(message, endpoint=path)

    # -- reading answers -------------------------------------------------------------------

    def _check_not_redirect(self, answer: Answer, path: str) -> None:
        if 300 <= answer.status < 400:
            from urllib.parse import urlsplit

            where = urlsplit(answer.headers.get("location", "")).hostname or "no Location"
            raise ProviderError(
                f"{self.vendor} answered with a redirect to {where}, which an auth client "
                "never follows (it would carry the credentials away)",
                status=answer.status,
                endpoint=path,
            )

    def _json(self, answer: Answer, path: str) -> Mapping[str, Any]:
        """The body as a JSON object, or :class:`ProviderError` saying what came instead."""
        self._check_not_redirect(answer, path)
        try:
            body = json.loads(answer.content.decode("utf-8"))
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise ProviderError(
                f"{self.vendor} answered with a body that is not JSON ({answer.content_type}, "
                f"{len(answer.content)} bytes)",
                status=answer.status,
                endpoint=path,
            ) from None
        if not isinstance(body, dict):
            raise ProviderError(
                f"{self.vendor} answered with JSON that is not an object",
                status=answer.status,
                endpoint=path,
            )
        return body

    def _message(self, answer: Answer, path: str) -> str:
        """The provider's error message, or a description of what it sent instead."""
        try:
            body = self._json(answer, path)
        except ProviderError as exc:
            return exc.message
        message = body.get("message")
        if isinstance(message, str) and message:
            return message[:500]
        return f"{self.vendor} answered HTTP {answer.status}"

    def _provider_error(self, answer: Answer, path: str) -> ProviderError:
        self._check_not_redirect(answer, path)
        return ProviderError(self._message(answer, path), status=answer.status, endpoint=path)

    def _rejected(self, answer: Answer, path: str) -> RequestRejectedError:
        """A refused, well-authenticated request, with the provider's ``Retry-After``."""
        return RequestRejectedError(
            self._message(answer, path),
            status=answer.status,
            endpoint=path,
            retry_after=_retry_after(answer),
        )

    def _received(
        self, access: object, refresh: object, expires_in: object, by: str, path: str, status: int
    ) -> IssuedTokens:
        """The token set of a good answer, refused when any part of it is unusable."""
        if not isinstance(access, str) or not access:
            raise ProviderError(
                f"{self.vendor} answered without an access token", status=status, endpoint=path
            )
        if refresh is not None and not isinstance(refresh, str):
            raise ProviderError(
                f"{self.vendor} answered with a refresh token that is not a string",
                status=status,
                endpoint=path,
            )
        for name, token in (("access", access), ("refresh", refresh)):
            if isinstance(token, str) and not _sendable(token):
                raise ProviderError(
                    f"{self.vendor} answered with a {name} token that cannot be sent in a "
                    "header (control or non-Latin-1 characters)",
                    status=status,
                    endpoint=path,
                )
        if (
            isinstance(expires_in, bool)
            or not isinstance(expires_in, (int, float))
            or not math.isfinite(expires_in)
            or not 0 < expires_in <= MAX_LIFETIME
        ):
            raise ProviderError(
                f"{self.vendor} answered without a positive 'expires_in' of at most "
                f"{MAX_LIFETIME} seconds",
                status=status,
                endpoint=path,
            )
        return IssuedTokens(
            secret(access, token=True),
            secret(refresh, token=True) or None,
            float(expires_in),
            timestamp(),
            by,
        )

    def __repr__(self) -> str:
        cached = self._cached
        state = "no token" if cached is None else f"token renews at {_fmt(cached.renew_at)}"
        return f"{type(self).__name__}(base_url={self.base_url!r}, {self._who()}, {state})"


def _with_token(send: Send, token: str) -> Send:
    return Send(send.method, send.path, send.json, send.parts, token)


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


def _fmt(epoch: float) -> str:
    try:
        when = _dt.datetime.fromtimestamp(epoch, _dt.timezone.utc)
    except (OverflowError, OSError, ValueError):
        return "never"
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")
