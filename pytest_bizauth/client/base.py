"""What every client shares: the token cache, leeway, single-flight renewal and the
``requests`` auth that retries once after a 401."""

from __future__ import annotations

import datetime as _dt
import threading
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, Callable, NamedTuple, Union

import requests
from requests.auth import AuthBase

from .._redact import mask
from ..clock import timestamp
from ..errors import ProviderError

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["IssuedTokens", "TokenClient"]

Timeout = Union[float, tuple[float, float]]


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


class _Cached(NamedTuple):
    access: str
    refresh: str | None
    renew_at: float

    def __repr__(self) -> str:
        refresh = mask(self.refresh) if self.refresh else None
        access = mask(self.access)
        return f"_Cached(access={access!r}, refresh={refresh!r}, renew_at={self.renew_at})"


class RefreshRejected(Exception):
    """Raised by a client's refresh when the provider will not refresh: log in again."""


class _BearerAuth(AuthBase):
    def __init__(self, client: TokenClient) -> None:
        self._client = client

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        token = self._client.access_token()
        self._client._attach(request, token)
        request.register_hook(  # type: ignore[no-untyped-call]
            "response", partial(self._retry_once, token)
        )
        return request

    def _retry_once(
        self, sent_token: str, response: requests.Response, **kwargs: Any
    ) -> requests.Response:
        if response.status_code != 401 or getattr(response.request, "_bizauth_retry", False):
            return response
        token = self._client._renew_after_rejection(sent_token)
        response.content  # noqa: B018  (drain so the connection can be reused)
        response.close()
        retry = response.request.copy()
        retry._bizauth_retry = True  # type: ignore[attr-defined]
        self._client._attach(retry, token)
        connection = response.connection
        again: requests.Response = connection.send(retry, **kwargs)
        again.history.append(response)
        again.request = retry
        return again

    def __repr__(self) -> str:
        return f"<bearer auth of {self._client!r}>"


class TokenClient:
    """Caches a token set, renews it ``leeway`` seconds before expiry, refreshes once
    after a 401, and logs in again when the refresh token is refused.

    Thread-safe: any number of threads crossing expiry together cause one renewal.
    """

    vendor = "provider"

    def __init__(
        self,
        base_url: str,
        *,
        leeway: float = 60,
        timeout: Timeout = (5, 30),
        session: requests.Session | None = None,
        on_token: Callable[[IssuedTokens], None] | None = None,
    ) -> None:
        if not isinstance(base_url, str) or not base_url.startswith(("http://", "https://")):
            raise ValueError(f"base_url must be an http(s) URL, not {base_url!r}")
        if isinstance(leeway, bool) or not isinstance(leeway, (int, float)) or leeway < 0:
            raise ValueError(f"leeway must be a number of seconds, 0 or more, not {leeway!r}")
        if on_token is not None and not callable(on_token):
            raise TypeError("on_token must be a callable taking an IssuedTokens, or None")
        self.base_url = base_url.rstrip("/")
        self.leeway = float(leeway)
        self.timeout = timeout
        self.session = session if session is not None else requests.Session()
        self.on_token = on_token
        self._cached: _Cached | None = None
        self._lock = threading.Lock()
        self.auth: AuthBase = _BearerAuth(self)

    # -- what subclasses provide ---------------------------------------------------------

    def _login(self) -> IssuedTokens:
        raise NotImplementedError

    def _refresh(self, refresh_token: str) -> IssuedTokens:
        """Refresh, or raise :class:`RefreshRejected` to have the client log in again."""
        raise NotImplementedError

    def _attach(self, request: requests.PreparedRequest, token: str) -> None:
        request.headers["Authorization"] = f"Bearer {token}"

    # -- the token cache -----------------------------------------------------------------

    def access_token(self) -> str:
        """A valid access token: the cached one, or a fresh one (refreshed or logged in)."""
        cached = self._cached
        if cached is not None and timestamp() < cached.renew_at:
            return cached.access
        with self._lock:
            cached = self._cached
            if cached is not None and timestamp() < cached.renew_at:
                return cached.access
            return self._renew(cached)

    def forget_tokens(self) -> None:
        """Drop the cached tokens: the next call logs in."""
        with self._lock:
            self._cached = None

    @property
    def has_token(self) -> bool:
        return self._cached is not None

    def _renew_after_rejection(self, rejected: str) -> str:
        with self._lock:
            cached = self._cached
            if cached is not None and cached.access != rejected:
                return cached.access  # another thread already renewed it
            return self._renew(cached)

    def _renew(self, cached: _Cached | None) -> str:
        issued: IssuedTokens | None = None
        if cached is not None and cached.refresh:
            try:
                issued = self._refresh(cached.refresh)
            except RefreshRejected:
                issued = None
        if issued is None:
            issued = self._login()
        # A short-lived token is still used: the leeway is at most half its lifetime.
        leeway = min(self.leeway, issued.expires_in / 2)
        self._cached = _Cached(
            issued.access_token,
            issued.refresh_token,
            issued.received_at + issued.expires_in - leeway,
        )
        if self.on_token is not None:
            self.on_token(issued)
        return issued.access_token

    # -- HTTP ----------------------------------------------------------------------------

    def _post(self, path: str, **kwargs: Any) -> requests.Response:
        url = self.base_url + path
        try:
            return self.session.post(url, timeout=self.timeout, **kwargs)
        except requests.Timeout as exc:
            raise ProviderError(
                f"{self.vendor} did not answer in time ({self.timeout!r})", endpoint=path
            ) from exc
        except requests.RequestException as exc:
            raise ProviderError(
                f"{self.vendor} could not be reached: {type(exc).__name__}", endpoint=path
            ) from exc

    def _json(self, response: requests.Response, path: str) -> Mapping[str, Any]:
        """The body as a JSON object, or :class:`ProviderError` saying what came instead."""
        try:
            body = response.json()
        except ValueError:
            kind = response.headers.get("Content-Type", "no Content-Type")
            raise ProviderError(
                f"{self.vendor} answered with a body that is not JSON ({kind}, "
                f"{len(response.content)} bytes)",
                status=response.status_code,
                endpoint=path,
            ) from None
        if not isinstance(body, dict):
            raise ProviderError(
                f"{self.vendor} answered with JSON that is not an object",
                status=response.status_code,
                endpoint=path,
            )
        return body

    def _message(self, response: requests.Response, path: str) -> str:
        """The provider's error message, or a description of what it sent instead."""
        try:
            body = self._json(response, path)
        except ProviderError as exc:
            return exc.message
        message = body.get("message")
        return str(message) if message else f"{self.vendor} answered HTTP {response.status_code}"

    def _provider_error(self, response: requests.Response, path: str) -> ProviderError:
        return ProviderError(
            self._message(response, path), status=response.status_code, endpoint=path
        )

    def _received(
        self, access: object, refresh: object, expires_in: float, by: str, path: str, status: int
    ) -> IssuedTokens:
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
        return IssuedTokens(access, refresh or None, expires_in, timestamp(), by)

    def __repr__(self) -> str:
        cached = self._cached
        state = "no token" if cached is None else f"token renews at {_fmt(cached.renew_at)}"
        return f"{type(self).__name__}(base_url={self.base_url!r}, {self._who()}, {state})"

    def _who(self) -> str:
        return ""


def _fmt(epoch: float) -> str:
    return _dt.datetime.fromtimestamp(epoch, _dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
