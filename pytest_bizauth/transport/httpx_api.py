"""Serve fakes in-process to a library with httpx's transport API (httpx itself, and
httpx2, which kept it): while a test runs, ``HTTPTransport.handle_request`` and
``AsyncHTTPTransport.handle_async_request`` answer requests to a fake's host and hand
every other request to what they did before (the network, or another mock that patched
them first, such as pytest-httpx). Clients built on ``MockTransport`` or a transport of
their own are left alone, as with any mock of the same kind.

Two class attributes are set at the first fake fixture of a test and put back at its
teardown: the same patch pytest-httpx makes, and as cheap."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import anyio.lowlevel

from ..core.wire import NetworkError
from .base import NoAnswer, serve, served_by

if TYPE_CHECKING:
    from types import ModuleType

    from ..core.fake import FakeProvider

__all__ = ["TransportApiPatch"]


class TransportApiPatch:
    """The fakes, reachable from ``library.Client``, ``library.AsyncClient`` and the
    module's functions (``library.post(...)``) with no socket."""

    #: The library patched: ``httpx`` or ``httpx2``.
    library: ModuleType

    def __init__(self) -> None:
        self.fakes: list[FakeProvider] = []
        self._saved: tuple[object, object] | None = None

    def mount(self, fake: FakeProvider) -> None:
        self.fakes.append(fake)

    def others_want(self, request: Any) -> bool:
        """Whether a mock beneath this one should answer a fake's request instead (a
        user's route for it)."""
        return False

    def _fake_for(self, request: Any) -> FakeProvider | None:
        url = str(request.url)
        fake = next((f for f in self.fakes if served_by(f.base_url, url)), None)
        if fake is None or self.others_want(request):
            return None
        return fake

    def _answer(self, fake: FakeProvider, request: Any, content: bytes) -> Any:
        library = self.library
        outcome = serve(fake, request.method, str(request.url), request.headers, content)
        if isinstance(outcome, NoAnswer):
            timeout = outcome.kind is NetworkError.TIMEOUT
            kind = library.ReadTimeout if timeout else library.ConnectError
            raise kind(outcome.why, request=request)
        return library.Response(
            outcome.status, headers=outcome.all_headers(), content=outcome.content()
        )

    def start(self) -> None:
        if self._saved is not None:
            return
        sync_class, async_class = self.library.HTTPTransport, self.library.AsyncHTTPTransport
        sync_send, async_send = sync_class.handle_request, async_class.handle_async_request
        self._saved = (sync_send, async_send)
        ours = self

        def handle_request(transport: Any, request: Any) -> Any:
            fake = ours._fake_for(request)
            if fake is None:
                return sync_send(transport, request)
            return ours._answer(fake, request, request.read())

        async def handle_async_request(transport: Any, request: Any) -> Any:
            fake = ours._fake_for(request)
            if fake is None:
                return await async_send(transport, request)
            # Let the event loop (asyncio's or trio's) run other tasks first, as a real
            # network does: code that awaits between checking a token and renewing it
            # shows its race in-process too.
            await anyio.lowlevel.checkpoint()
            return ours._answer(fake, request, await request.aread())

        sync_class.handle_request = handle_request
        async_class.handle_async_request = handle_async_request

    def stop(self) -> None:
        if self._saved is None:
            return
        sync_send, async_send = self._saved
        self._saved = None
        self.fakes.clear()
        self.library.HTTPTransport.handle_request = sync_send
        self.library.AsyncHTTPTransport.handle_async_request = async_send

    def verify(self) -> None:
        """Nothing to check: the fakes record what went wrong themselves."""
