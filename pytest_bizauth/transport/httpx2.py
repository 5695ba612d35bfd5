"""Serve fakes to ``httpx2`` (sync and async) in-process, through its public transport
API: while a test runs, ``httpx2.HTTPTransport.handle_request`` and
``httpx2.AsyncHTTPTransport.handle_async_request`` answer requests to a fake's host and
hand every other request to what they did before (the network, or another mock that
patched them first). Clients built on ``httpx2.MockTransport`` or a transport of their
own are left alone, as with any mock of the same kind."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx2

from ..core.wire import NetworkError
from .base import NoAnswer, serve, served_by

if TYPE_CHECKING:
    from ..core.fake import FakeProvider

__all__ = ["Httpx2Transport"]


def _failure(no_answer: NoAnswer, request: httpx2.Request) -> httpx2.TransportError:
    """``httpx2``'s own exception for a request with no answer."""
    timeout = no_answer.kind is NetworkError.TIMEOUT
    kind = httpx2.ReadTimeout if timeout else httpx2.ConnectError
    return kind(no_answer.why, request=request)


class Httpx2Transport:
    """The fakes, reachable from ``httpx2.Client`` and ``httpx2.AsyncClient`` with no
    socket."""

    def __init__(self) -> None:
        self.fakes: list[FakeProvider] = []
        self._saved: tuple[Any, Any] | None = None

    def mount(self, fake: FakeProvider) -> None:
        self.fakes.append(fake)

    def _fake_for(self, request: httpx2.Request) -> FakeProvider | None:
        url = str(request.url)
        return next((f for f in self.fakes if served_by(f.base_url, url)), None)

    def _answer(
        self, fake: FakeProvider, request: httpx2.Request, content: bytes
    ) -> httpx2.Response:
        outcome = serve(fake, request.method, str(request.url), request.headers, content)
        if isinstance(outcome, NoAnswer):
            raise _failure(outcome, request)
        return httpx2.Response(
            outcome.status, headers=outcome.all_headers(), content=outcome.content()
        )

    def start(self) -> None:
        if self._saved is not None:
            return
        sync_send = httpx2.HTTPTransport.handle_request
        async_send = httpx2.AsyncHTTPTransport.handle_async_request
        self._saved = (sync_send, async_send)
        ours = self

        def handle_request(transport: Any, request: httpx2.Request) -> httpx2.Response:
            fake = ours._fake_for(request)
            if fake is None:
                answered: httpx2.Response = sync_send(transport, request)
                return answered
            return ours._answer(fake, request, request.read())

        async def handle_async_request(transport: Any, request: httpx2.Request) -> httpx2.Response:
            fake = ours._fake_for(request)
            if fake is None:
                answered: httpx2.Response = await async_send(transport, request)
                return answered
            return ours._answer(fake, request, await request.aread())

        httpx2.HTTPTransport.handle_request = handle_request  # type: ignore[method-assign,assignment]
        httpx2.AsyncHTTPTransport.handle_async_request = handle_async_request  # type: ignore[method-assign,assignment]

    def stop(self) -> None:
        if self._saved is None:
            return
        sync_send, async_send = self._saved
        self._saved = None
        self.fakes.clear()
        httpx2.HTTPTransport.handle_request = sync_send  # type: ignore[method-assign]
        httpx2.AsyncHTTPTransport.handle_async_request = async_send  # type: ignore[method-assign]

    def verify(self) -> None:
        """Nothing to check: the fakes record what went wrong themselves."""
