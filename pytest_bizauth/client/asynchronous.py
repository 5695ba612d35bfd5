"""The clients' ``httpx`` adapter: sends what the core decides, with ``await``, under an
``asyncio`` lock per event loop."""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from typing import TYPE_CHECKING, Any, Callable, Union

import httpx

from .core import Answer, Cached, ClientCore, Flow, IssuedTokens, NeedToken, Send

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator, Generator

__all__ = ["AsyncTokenClient"]

AsyncTimeout = Union[float, httpx.Timeout]


class _AsyncBearerAuth(httpx.Auth):
    """``httpx`` auth for async clients: the bearer token, one renewal and retry after
    a 401."""

    def __init__(self, client: AsyncTokenClient) -> None:
        self._client = client

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        raise RuntimeError(
            "this auth belongs to an async client: use it with httpx.AsyncClient, or use "
            "the sync client's auth with requests"
        )
        yield request  # pragma: no cover

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        cached = await self._client._token()
        request.headers["Authorization"] = f"Bearer {cached.access}"
        response = yield request
        if response.status_code == 401:
            await response.aread()
            cached = await self._client._token(rejected=cached)
            request.headers["Authorization"] = f"Bearer {cached.access}"
            yield request

    def __repr__(self) -> str:
        return f"<bearer auth of {self._client!r}>"


class AsyncTokenClient(ClientCore):
    """A client on ``httpx.AsyncClient``, with the same behaviour as the sync clients.
    Tasks crossing expiry together cause one renewal. Its ``httpx.AsyncClient`` opens in
    the event loop that first uses it; close it with :meth:`aclose` (or ``async with``).
    """

    def __init__(
        self,
        base_url: str,
        *,
        leeway: float = 60,
        timeout: AsyncTimeout = 30.0,
        client: httpx.AsyncClient | None = None,
        on_token: Callable[[IssuedTokens], None] | None = None,
    ) -> None:
        super().__init__(base_url, leeway=leeway, on_token=on_token)
        self.timeout = timeout
        self._given = client
        self._own: httpx.AsyncClient | None = None
        self._own_loop: asyncio.AbstractEventLoop | None = None
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )

    @property
    def auth(self) -> httpx.Auth:
        """An ``httpx.Auth`` giving any ``httpx.AsyncClient`` this client's bearer token."""
        return _AsyncBearerAuth(self)  # made on demand: the client holds no cycle through it

    async def access_token(self) -> str:
        """A valid access token: the cached one, or a fresh one (refreshed or logged in)."""
        token = self._fresh()
        if token is not None:
            return token
        return (await self._token()).access

    def _lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            lock = self._locks[loop] = asyncio.Lock()
        return lock

    async def _token(self, rejected: Cached | None = None) -> Cached:
        usable = self._usable(rejected) if rejected is None else None
        if usable is not None:
            return usable
        async with self._lock():
            usable = self._usable(rejected)
            if usable is None:
                await self._run(self._renew())
                usable = self._cached
            assert usable is not None
            return usable

    async def _run(self, flow: Flow) -> Any:
        """Drive a flow of the core: make its requests, hand it tokens."""
        result: Any = None
        seen: Cached | None = None
        while True:
            try:
                effect = flow.send(result)
            except StopIteration as done:
                return done.value
            if isinstance(effect, NeedToken):
                seen = await self._token(rejected=seen if effect.rejected is not None else None)
                result = seen.access
            else:
                result = await self._send(effect)

    def _http(self) -> httpx.AsyncClient:
        if self._given is not None:
            return self._given
        loop = asyncio.get_running_loop()
        if self._own is None or self._own_loop is not loop:
            # A client's connections belong to the loop that opened them.
            self._own = httpx.AsyncClient(timeout=self.timeout, follow_redirects=False)
            self._own_loop = loop
        return self._own

    async def _send(self, send: Send) -> Answer:
        options = send.options()
        try:
            response = await self._http().request(
                send.method,
                self.base_url + send.path,
                timeout=self.timeout,
                follow_redirects=False,
                **options,
            )
        except httpx.TimeoutException as exc:
            raise self._unanswered(send.path, exc, timed_out=True) from None
        except httpx.HTTPError as exc:
            raise self._unanswered(send.path, exc, timed_out=False) from None
        headers = {k.lower(): v for k, v in response.headers.items()}
        return Answer(response.status_code, headers, response.content)

    async def aclose(self) -> None:
        """Close the ``httpx.AsyncClient`` this client opened (not one it was given)."""
        own, self._own, self._own_loop = self._own, None, None
        if own is not None:
            await own.aclose()

    def close_outside_loop(self) -> None:
        """Close the client's own ``httpx.AsyncClient`` from synchronous code (a fixture's
        teardown), once its loop has ended."""
        if self._own is not None:
            # RuntimeError: a loop is running here, where the owner should close it.
            with contextlib.suppress(RuntimeError):
                asyncio.run(self.aclose())

    async def __aenter__(self) -> AsyncTokenClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()
