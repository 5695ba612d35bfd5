"""The sync driver: sends what an auth flow decides with ``requests``, under a thread
lock, and the ``requests`` auth that gives any session a client's bearer token."""

from __future__ import annotations

import threading
from functools import partial
from typing import TYPE_CHECKING, Any, Union

import requests
from requests.auth import AuthBase
from urllib3.exceptions import HTTPError, ReadTimeoutError

from .._compat import real_seconds
from .base import ClientBase
from .flow import Answer, NeedToken, Send, step
from .reading import total_seconds, unanswered
from .sessions import new_session

if TYPE_CHECKING:
    from collections.abc import Iterator

    from .flow import AuthFlow, Cached, Flow

__all__ = ["SyncClient", "SyncDriver", "Timeout"]

Timeout = Union[float, tuple[float, float]]


class SyncDriver:
    """Drives an auth flow: makes its requests on a ``requests.Session`` and hands it
    token sets, renewing under a lock so that threads crossing expiry renew once."""

    def __init__(
        self, flow: AuthFlow, *, timeout: Timeout, session: requests.Session | None
    ) -> None:
        self._flow = flow
        self.timeout = timeout
        self.session = session if session is not None else new_session()
        self._lock = threading.Lock()

    def token(self, rejected: Cached | None = None) -> Cached:
        """The cached token set, renewed under the lock if it is due, or (``rejected``)
        if no other thread renewed it since that one was refused."""
        found = None if rejected is not None else self._flow.usable()
        if found is None:
            with self._lock:
                found = self._flow.usable(rejected) or self.run(self._flow.renew())
        return found

    def run(self, flow: Flow) -> Any:
        """Drive a flow to its end: make its requests, hand it token sets."""
        done, value = self.until_send(flow, None)
        while not done:
            done, value = self.until_send(flow, self.send(value))
        return value

    def until_send(self, flow: Flow, result: object) -> tuple[bool, Any]:
        """Send ``result`` into a flow and hand it token sets until it asks for a
        request (``(False, the Send)``) or ends (``(True, its value)``)."""
        done, effect = step(flow, result)
        while not done and isinstance(effect, NeedToken):
            done, effect = step(flow, self.token(effect.rejected))
        return done, effect

    def bearer_call(self, method: str) -> Flow:
        """The bearer rule (:meth:`AuthFlow.call`) for a request another library sends."""
        return self._flow.call(Send(method, ""))

    def send(self, send: Send) -> Answer:
        """One request, its whole answer read within the timeout: a server that
        trickles its answer does not hold the client past it."""
        url = self._flow.base_url + send.path
        clock = real_seconds()
        deadline = clock() + total_seconds(self.timeout)
        try:
            response = self.session.request(
                send.method, url, timeout=self.timeout, allow_redirects=False, stream=True,
                **send.options(),
            )  # fmt: skip
            with response:
                chunks = list(_read_by(response, deadline, clock))
        except requests.RequestException as exc:
            late = isinstance(exc, requests.Timeout)
            raise unanswered(
                self._flow.vendor, self.timeout, send.path, exc, timed_out=late
            ) from None
        return Answer.received(response.status_code, response.headers, b"".join(chunks))


def _read_by(response: requests.Response, deadline: float, clock: Any) -> Iterator[bytes]:
    """The answer's body, as it arrives, until ``deadline``: each read returns what has
    come (urllib3's ``read1``), so a trickle cannot hold it past the deadline."""
    read1 = getattr(response.raw, "read1", None)
    read = read1 if read1 is not None else response.raw.read
    while True:
        try:
            chunk = read(16_384, decode_content=True)
        except ReadTimeoutError as late:
            raise requests.ReadTimeout(late) from None
        except (HTTPError, OSError) as broken:  # as requests' own reading reports them
            raise requests.ConnectionError(broken) from None
        if not chunk:
            return
        yield chunk
        if clock() > deadline:
            raise requests.Timeout("the answer took longer than the timeout")


class _BearerAuth(AuthBase):
    """``requests`` auth: the client's bearer token, by :meth:`AuthFlow.call`."""

    def __init__(self, driver: SyncDriver) -> None:
        self._driver = driver

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        flow = self._driver.bearer_call(str(request.method))
        _, send = self._driver.until_send(flow, None)
        request.headers.update(send.headers())
        request.hooks["response"].append(partial(self._answered, flow))
        return request

    def _answered(
        self, flow: Flow, response: requests.Response, **kwargs: Any
    ) -> requests.Response:
        done, send = self._driver.until_send(flow, Answer.status_only(response.status_code))
        if done:
            return response
        response.content  # noqa: B018  (drain so the connection can be reused)
        response.close()
        retry = response.request.copy()
        retry.headers.update(send.headers())
        again: requests.Response = response.connection.send(retry, **kwargs)
        again.history.append(response)
        again.request = retry
        self._driver.until_send(flow, Answer.status_only(again.status_code))
        return again

    def __repr__(self) -> str:
        return "<bearer auth of a pytest-bizauth client>"


class SyncClient(ClientBase):
    """A client on ``requests``: caches a token set, renews it ``leeway`` seconds before
    expiry, refreshes once after a 401, and logs in again when the refresh token is
    refused. Thread-safe: any number of threads crossing expiry cause one renewal."""

    _driver: SyncDriver

    def __init__(
        self, flow: AuthFlow, *, timeout: Timeout, session: requests.Session | None
    ) -> None:
        super().__init__(flow, SyncDriver(flow, timeout=timeout, session=session))

    @property
    def session(self) -> requests.Session:
        return self._driver.session

    @property
    def auth(self) -> AuthBase:
        """A ``requests`` auth giving any session this client's bearer token and retry."""
        return _BearerAuth(self._driver)  # made on demand: no cycle through the client

    def access_token(self) -> str:
        """A valid access token: the cached one, or a fresh one (refreshed or logged in)."""
        return self._flow.fresh() or self._driver.token().access
