"""The async driver: sends what an auth flow decides with ``httpx``, under an
``asyncio`` lock per event loop, and the ``httpx`` auth that gives any
``httpx.AsyncClient`` a client's bearer token."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import weakref
from typing import TYPE_CHECKING, Any, Union

import anyio
import httpx

from .base import ClientBase
from .flow import Answer, NeedToken, Send, step
from .reading import total_seconds, unanswered

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator, Generator

    from .flow import AuthFlow, Cached, Flow

__all__ = ["AsyncClient", "AsyncDriver", "AsyncTimeout"]

AsyncTimeout = Union[float, httpx.Timeout]


@functools.lru_cache(maxsize=1)
def shared_tls() -> Any:
    """The TLS context every async client opens its ``httpx.AsyncClient`` with: loading
    the CA bundle costs milliseconds, so it is loaded once per process."""
    return httpx.create_ssl_context()


def running_loop() -> tuple[str, object]:
    """The async library running here and its loop: asyncio's event loop, or trio's run
    token (what the locks and the owned client belong to)."""
    try:
        return "asyncio", asyncio.get_running_loop()
    except RuntimeError:
        pass
    try:
        import trio

        return "trio", trio.lowlevel.current_trio_token()
    except (ImportError, RuntimeError):
        raise RuntimeError(
            "pytest-bizauth's async clients run in asyncio or trio: await them inside "
            "asyncio.run(), trio.run() or an async test"
        ) from None


def _new_lock(library: str) -> Any:
    if library == "trio":
        import trio

        return trio.Lock()
    return asyncio.Lock()


class AsyncDriver:
    """Drives an auth flow with ``await``: makes its requests on an
    ``httpx.AsyncClient`` and hands it token sets, renewing under a lock so that tasks
    crossing expiry renew once. The ``httpx.AsyncClient`` it opens belongs to it: it is
    opened in the event loop that first needs it, closed when another loop needs one
    and by :meth:`aclose`. One it is given stays the caller's."""

    def __init__(
        self, flow: AuthFlow, *, timeout: AsyncTimeout, http_client: httpx.AsyncClient | None
    ) -> None:
        self._flow = flow
        self.timeout = timeout
        #: Whether the client it opens reads proxy settings from the environment.
        self.trust_env = True
        self._given = http_client
        self._own: httpx.AsyncClient | None = None
        self._own_loop: tuple[str, object] | None = None
        self._locks: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()

    def _lock(self) -> Any:
        library, loop = running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            lock = self._locks[loop] = _new_lock(library)
        return lock

    async def token(self, rejected: Cached | None = None) -> Cached:
        """As :meth:`SyncDriver.token`, for tasks."""
        fresh = self._flow.usable() if rejected is None else None
        if fresh is not None:
            return fresh
        async with self._lock():
            return self._flow.usable(rejected) or await self.run(self._flow.renew())

    async def run(self, flow: Flow) -> Any:
        """Drive a flow to its end: make its requests, hand it token sets."""
        done, value = await self.until_send(flow, None)
        while not done:
            done, value = await self.until_send(flow, await self.send(value))
        return value

    async def until_send(self, flow: Flow, result: object) -> tuple[bool, Any]:
        """Send ``result`` into a flow and hand it token sets until it asks for a
        request (``(False, the Send)``) or ends (``(True, its value)``)."""
        done, effect = step(flow, result)
        while not done and isinstance(effect, NeedToken):
            done, effect = step(flow, await self.token(effect.rejected))
        return done, effect

    def bearer_call(self, method: str) -> Flow:
        """The bearer rule (:meth:`AuthFlow.call`) for a request another library sends."""
        return self._flow.call(Send(method, ""))

    async def _http(self) -> httpx.AsyncClient:
        if self._given is not None:
            return self._given
        loop = running_loop()
        if self._own is not None and (self._own_loop is None or self._own_loop[1] is not loop[1]):
            # Its connections belong to a loop that has ended: close it here, as far as
            # a dead loop's connections can be closed.
            stale, self._own = self._own, None
            with contextlib.suppress(Exception):
                await stale.aclose()
        if self._own is None:
            self._own = httpx.AsyncClient(
                timeout=self.timeout,
                follow_redirects=False,
                verify=shared_tls(),
                trust_env=self.trust_env,
            )
            self._own_loop = loop
        return self._own

    async def send(self, send: Send) -> Answer:
        http = await self._http()
        try:
            limit = total_seconds(self.timeout)
            with anyio.fail_after(None if limit == float("inf") else limit):
                response = await self._request(http, send)
        except TimeoutError as late:
            await self._drop_own(http)
            raise unanswered(
                self._flow.vendor, self.timeout, send.path, late, timed_out=True
            ) from None
        return Answer.received(response.status_code, response.headers, response.content)

    async def _request(self, http: httpx.AsyncClient, send: Send) -> httpx.Response:
        try:
            response = await http.request(
                send.method,
                self._flow.base_url + send.path,
                timeout=self.timeout,
                follow_redirects=False,
                **send.options(),
            )
        except httpx.HTTPError as failure:
            no_answer = unanswered(
                self._flow.vendor,
                self.timeout,
                send.path,
                failure,
                timed_out=isinstance(failure, httpx.TimeoutException),
            )
            raise no_answer from None
        return response

    async def _drop_own(self, http: httpx.AsyncClient) -> None:
        """Close our own client after a call cut short: some httpcore versions keep the
        cut request in its pool and refuse to close it cleanly later."""
        if http is self._own:
            self._own, self._own_loop = None, None
            with contextlib.suppress(Exception):
                await http.aclose()

    async def aclose(self) -> None:
        own, self._own, self._own_loop = self._own, None, None
        if own is not None:
            await own.aclose()

    def close_outside_loop(self) -> None:
        """Close the client it opened, from synchronous code, with the async library it
        was opened in."""
        if self._own is None or self._own_loop is None:
            return
        # RuntimeError: a loop is running here, where the owner should close it.
        with contextlib.suppress(RuntimeError):
            if self._own_loop[0] == "trio":
                import trio

                trio.run(self.aclose)
            else:
                asyncio.run(self.aclose())


class _AsyncBearerAuth(httpx.Auth):
    """``httpx`` auth for async clients: the bearer token, by :meth:`AuthFlow.call`."""

    def __init__(self, driver: AsyncDriver) -> None:
        self._driver = driver

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
        flow = self._driver.bearer_call(request.method)
        done, send = await self._driver.until_send(flow, None)
        while not done:
            request.headers.update(send.headers())
            response = yield request
            done, send = await self._driver.until_send(
                flow, Answer.status_only(response.status_code)
            )
            if not done:
                await response.aread()

    def __repr__(self) -> str:
        return "<bearer auth of a pytest-bizauth async client>"


class AsyncClient(ClientBase):
    """A client on ``httpx.AsyncClient``, with the same behaviour as the sync clients.
    Tasks crossing expiry together cause one renewal. The ``httpx.AsyncClient`` it
    opens is its own: close it with :meth:`aclose` (or ``async with``)."""

    _driver: AsyncDriver

    def __init__(
        self, flow: AuthFlow, *, timeout: AsyncTimeout, http_client: httpx.AsyncClient | None
    ) -> None:
        super().__init__(flow, AsyncDriver(flow, timeout=timeout, http_client=http_client))

    @property
    def trust_env(self) -> bool:
        """Whether the ``httpx.AsyncClient`` it opens reads proxy settings from the
        environment (the fixtures' clients do not: they talk to a fake)."""
        return self._driver.trust_env

    @trust_env.setter
    def trust_env(self, value: bool) -> None:
        self._driver.trust_env = bool(value)

    async def access_token(self) -> str:
        """A valid access token: the cached one, or a fresh one (refreshed or logged in)."""
        return self._flow.fresh() or (await self._driver.token()).access

    @property
    def auth(self) -> httpx.Auth:
        """An ``httpx.Auth`` giving any ``httpx.AsyncClient`` this client's bearer token."""
        return _AsyncBearerAuth(self._driver)  # made on demand: no cycle through the client

    async def aclose(self) -> None:
        """Close the ``httpx.AsyncClient`` this client opened (not one it was given)."""
        await self._driver.aclose()

    def close_outside_loop(self) -> None:
        """Close the client's own ``httpx.AsyncClient`` from synchronous code (a fixture's
        teardown), once its loop has ended."""
        self._driver.close_outside_loop()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()
