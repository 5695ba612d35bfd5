"""The clients' auth flow, free of I/O: the token cache, when to use it, refresh it or
log in again, and the one rule for calls that carry the bearer token.

A vendor's flow subclasses :class:`AuthFlow` and writes its login, refresh and resource
calls as generators, in the manner of httpx's ``Auth.auth_flow``: they yield
:class:`Send` (an HTTP request for the driver to make) or :class:`NeedToken` (a valid
token set, obtained under the driver's lock) and receive the result. The sync and async
drivers only send, so the two clients cannot drift apart.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Generator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Callable, NamedTuple, Union

from .._redact import Secret, mask
from ..clock import timestamp
from ..errors import UsageTypeError, UsageValueError

if TYPE_CHECKING:
    from collections.abc import Mapping

    from .._types import JSONView

__all__ = [
    "Answer",
    "AuthFlow",
    "Cached",
    "CallFlow",
    "Flow",
    "IssuedTokens",
    "NeedToken",
    "RefreshRejected",
    "Send",
    "step",
]


@dataclass(frozen=True)
class Send:
    """An HTTP request for the driver to make: JSON (``json``) or multipart (``parts``:
    ``(name, filename or None, content, content type or None)``), with the bearer token
    when ``token`` is set. Auth requests never follow redirects."""

    method: str
    path: str
    json: object = field(default=None, repr=False)
    parts: tuple[tuple[str, str | None, Any, str | None], ...] = field(default=(), repr=False)
    token: str | None = field(default=None, repr=False)

    def with_token(self, token: str) -> Send:
        return replace(self, token=token)

    def headers(self) -> dict[str, str]:
        if self.token is None:
            return {}
        return {"Authorization": bearer_header(self.token)}

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


def bearer_header(token: str) -> str:
    """The ``Authorization`` value for a token, masked wherever it is printed."""
    return Secret(f"Bearer {token}", token=True)


@dataclass(frozen=True)
class NeedToken:
    """Ask the driver for a valid token set; after a 401, one renewed since ``rejected``
    (by this caller or another)."""

    rejected: Cached | None = None


@dataclass(frozen=True)
class Answer:
    """What came back: the status, headers (lower-cased names) and body."""

    status: int
    headers: Mapping[str, str]
    content: bytes = field(repr=False)

    @classmethod
    def received(cls, status: int, headers: Mapping[str, str], content: bytes) -> Answer:
        """An answer as an HTTP library holds it: header names in any case."""
        return cls(status, {k.lower(): v for k, v in headers.items()}, content)

    @classmethod
    def status_only(cls, status: int) -> Answer:
        """What the bearer rule reads of an answer another library received and keeps
        for its caller: the status, the body left unread."""
        return cls(status, {}, b"")

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "no Content-Type")


Effect = Union[Send, NeedToken]
#: A flow yields effects, receives their results (an Answer, or a token set), returns a
#: value.
Flow = Generator[Effect, Any, Any]
#: A resource call's flow: returns the provider's JSON answer.
CallFlow = Generator[Effect, Any, "JSONView"]


def step(flow: Generator[Any, Any, Any], result: object) -> tuple[bool, Any]:
    """Send ``result`` into a flow: ``(True, its return value)`` when it ends, else
    ``(False, the next effect)``."""
    try:
        return False, flow.send(result)
    except StopIteration as done:
        return True, done.value


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


def check_base_url(base_url: object) -> str:
    if not isinstance(base_url, str) or not base_url.startswith(("http://", "https://")):
        raise UsageValueError(f"base_url must be an http(s) URL, not {base_url!r}")
    return base_url.rstrip("/")


def check_leeway(leeway: object) -> float:
    if (
        isinstance(leeway, bool)
        or not isinstance(leeway, (int, float))
        or not math.isfinite(leeway)
        or leeway < 0
    ):
        raise UsageValueError(
            f"leeway must be a finite number of seconds, 0 or more, not {leeway!r}"
        )
    return float(leeway)


def check_on_token(
    on_token: Callable[[IssuedTokens], None] | None,
) -> Callable[[IssuedTokens], None] | None:
    if on_token is not None and not callable(on_token):
        raise UsageTypeError("on_token must be a callable taking an IssuedTokens, or None")
    return on_token


class AuthFlow:
    """What every vendor's client shares, sync or async: the cache, the leeway and the
    decisions to renew and to retry. A vendor provides :meth:`login`, :meth:`refresh`
    and its resource calls as flows, and :meth:`who` for ``repr``."""

    vendor = "provider"

    def __init__(
        self,
        base_url: str,
        *,
        leeway: float = 60,
        on_token: Callable[[IssuedTokens], None] | None = None,
    ) -> None:
        self.base_url = check_base_url(base_url)
        self.leeway = check_leeway(leeway)
        self.on_token = check_on_token(on_token)
        self.cached: Cached | None = None

    # -- what vendors provide ------------------------------------------------------------

    def login(self) -> Flow:
        """Log in: yields its request, returns :class:`IssuedTokens`."""
        raise NotImplementedError

    def refresh(self, refresh_token: str) -> Flow:
        """Refresh: returns :class:`IssuedTokens`, or raises :class:`RefreshRejected`."""
        raise NotImplementedError

    def who(self) -> str:
        return ""

    # -- the cache -----------------------------------------------------------------------

    def fresh(self) -> str | None:
        """The cached access token while it needs no renewal (no I/O, no decoding)."""
        cached = self.cached
        if cached is not None and timestamp() < cached.renew_at:
            return cached.access
        return None

    def usable(self, rejected: Cached | None = None) -> Cached | None:
        """The cached token set if it needs no renewal: not due, and (after a 401 with
        ``rejected``) renewed by someone else since. Decided by generation, not by
        comparing tokens, which can be byte-identical across a renewal."""
        cached = self.cached
        if cached is None:
            return None
        if rejected is None:
            return cached if timestamp() < cached.renew_at else None
        return cached if cached.generation != rejected.generation else None

    def renew(self) -> Flow:
        """Refresh if there is a refresh token the provider still takes, else log in;
        cache the result and return the new token set."""
        cached = self.cached
        issued: IssuedTokens | None = None
        if cached is not None and cached.refresh:
            try:
                issued = yield from self.refresh(cached.refresh)
            except RefreshRejected:
                issued = None
        if issued is None:
            issued = yield from self.login()
        assert issued is not None
        # A short-lived token is still used: the leeway is at most half its lifetime.
        leeway = min(self.leeway, issued.expires_in / 2)
        generation = 0 if cached is None else cached.generation + 1
        renewed = Cached(
            issued.access_token,
            issued.refresh_token,
            issued.received_at + issued.expires_in - leeway,
            generation,
        )
        self.cached = renewed
        if self.on_token is not None:
            self.on_token(issued)
        return renewed

    # -- resource calls --------------------------------------------------------------------

    def call(self, send: Send) -> Flow:
        """The one rule for a call with the bearer token: ``send`` it with a valid token;
        when it answers 401, renew the token once (unless another caller already did)
        and send it once more. Returns the last answer. Every way of sending (the
        clients, and their ``requests`` and ``httpx`` auth objects) drives this flow."""
        cached: Cached = yield NeedToken()
        answer: Answer = yield send.with_token(cached.access)
        if answer.status == 401:
            cached = yield NeedToken(rejected=cached)
            answer = yield send.with_token(cached.access)
        return answer

    def describe(self) -> str:
        cached = self.cached
        state = "no token" if cached is None else f"token renews at {_fmt(cached.renew_at)}"
        return f"base_url={self.base_url!r}, {self.who()}, {state}"


def _fmt(epoch: float) -> str:
    try:
        when = _dt.datetime.fromtimestamp(epoch, _dt.timezone.utc)
    except (OverflowError, OSError, ValueError):
        return "never"
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")
