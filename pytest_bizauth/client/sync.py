"""The clients' ``requests`` adapter: sends what the core decides, under a thread lock."""

from __future__ import annotations

import threading
from functools import partial
from typing import TYPE_CHECKING, Any, Callable, Union

import requests
from requests.auth import AuthBase

from .._redact import Secret
from .core import Answer, Cached, ClientCore, Flow, IssuedTokens, NeedToken, Send

if TYPE_CHECKING:
    from collections.abc import Generator

__all__ = ["Timeout", "TokenClient"]

Timeout = Union[float, tuple[float, float]]


class _BearerAuth(AuthBase):
    """``requests`` auth: the client's bearer token, one renewal and retry after a 401."""

    def __init__(self, client: TokenClient) -> None:
        self._client = client

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        cached = self._client._token()
        request.headers["Authorization"] = Secret(f"Bearer {cached.access}", token=True)
        request.register_hook(  # type: ignore[no-untyped-call]
            "response", partial(self._retry_once, cached)
        )
        return request

    def _retry_once(
        self, sent: Cached, response: requests.Response, **kwargs: Any
    ) -> requests.Response:
        if response.status_code != 401 or getattr(response.request, "_bizauth_retry", False):
            return response
        token = self._client._token(rejected=sent)
        response.content  # noqa: B018  (drain so the connection can be reused)
        response.close()
        retry = response.request.copy()
        retry._bizauth_retry = True  # type: ignore[attr-defined]
        retry.headers["Authorization"] = Secret(f"Bearer {token.access}", token=True)
        again: requests.Response = response.connection.send(retry, **kwargs)
        again.history.append(response)
        again.request = retry
        return again

    def __repr__(self) -> str:
        return f"<bearer auth of {self._client!r}>"


class TokenClient(ClientCore):
    """A client on ``requests``: caches a token set, renews it ``leeway`` seconds before
    expiry, refreshes once after a 401, and logs in again when the refresh token is
    refused. Thread-safe: any number of threads crossing expiry cause one renewal."""

    def __init__(
        self,
        base_url: str,
        *,
        leeway: float = 60,
        timeout: Timeout = (5, 30),
        session: requests.Session | None = None,
        on_token: Callable[[IssuedTokens], None] | None = None,
    ) -> None:
        super().__init__(base_url, leeway=leeway, on_token=on_token)
        self.timeout = timeout
        self.session = session if session is not None else requests.Session()
        self._lock = threading.Lock()

    @property
    def auth(self) -> AuthBase:
        """A ``requests`` auth giving any session this client's bearer token and retry."""
        return _BearerAuth(self)  # made on demand: the client holds no cycle through it

    def access_token(self) -> str:
        """A valid access token: the cached one, or a fresh one (refreshed or logged in)."""
        token = self._fresh()
        if token is not None:
            return token
        return self._token().access

    def _token(self, rejected: Cached | None = None) -> Cached:
        """The cached token set, renewed under the lock if it is due, or (``rejected``)
        if no other thread renewed it since that one was refused."""
        usable = self._usable(rejected) if rejected is None else None
        if usable is not None:
            return usable
        with self._lock:
            usable = self._usable(rejected)
            if usable is None:
                self._run(self._renew())
                usable = self._cached
            assert usable is not None
            return usable

    def _run(self, flow: Flow) -> Any:
        """Drive a flow of the core: make its requests, hand it tokens."""
        result: Any = None
        seen: Cached | None = None
        steps: Generator[Any, Any, Any] = flow
        while True:
            try:
                effect = steps.send(result)
            except StopIteration as done:
                return done.value
            if isinstance(effect, NeedToken):
                seen = self._token(rejected=seen if effect.rejected is not None else None)
                result = seen.access
            else:
                result = self._send(effect)

    def _send(self, send: Send) -> Answer:
        url = self.base_url + send.path
        options = send.options()
        try:
            response = self.session.request(
                send.method, url, timeout=self.timeout, allow_redirects=False, **options
            )
        except requests.Timeout as exc:
            raise self._unanswered(send.path, exc, timed_out=True) from None
        except requests.RequestException as exc:
            raise self._unanswered(send.path, exc, timed_out=False) from None
        headers = {k.lower(): v for k, v in response.headers.items()}
        return Answer(response.status_code, headers, response.content)
