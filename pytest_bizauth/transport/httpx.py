"""Serve fakes to ``httpx`` (sync and async) in-process, through a respx router.

The router has one catch-all route whose side effect answers requests to a fake's host
and leaves every other request alone: to the user's own respx routers when any are
active (``respx.mock``, the ``respx_mock`` fixture), else to the network, as httpx
always does. respx tries its routers in the order they started, so a user's router
started before ours sees the fakes' requests first; one that mocks everything it is
not told about (``assert_all_mocked=False``) answers them itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import httpx
import respx
from respx.models import AllMockedAssertionError

from ..core.wire import FakeRequest, NetworkError
from .base import served_by, unserved

if TYPE_CHECKING:
    from ..core.fake import FakeProvider

__all__ = ["HttpxTransport"]

# The respx mocker every router uses unless told otherwise (patching httpcore), so that
# ours and the user's routers take turns on the same requests.
_MOCKER = "httpcore"


class HttpxTransport:
    """The fakes, reachable from ``httpx.Client``, ``httpx.AsyncClient`` and
    ``httpx.get(...)``/``httpx.post(...)`` with no socket."""

    def __init__(self) -> None:
        self.fakes: list[FakeProvider] = []
        self.router = respx.MockRouter(
            assert_all_called=False, assert_all_mocked=True, using=_MOCKER
        )
        self.router.route(name="pytest-bizauth").mock(side_effect=self._answer)

    def mount(self, fake: FakeProvider) -> None:
        self.fakes.append(fake)

    def start(self) -> None:
        self.router.start()

    def stop(self) -> None:
        self.router.stop(quiet=True)

    def verify(self) -> None:
        """Nothing to check: the fakes record what went wrong themselves."""

    def _answer(self, request: httpx.Request) -> httpx.Response | httpx.Request:
        url = str(request.url)
        fake = next((f for f in self.fakes if served_by(f.base_url, url)), None)
        if fake is None:
            if len(respx.mocks.Mocker.registry[_MOCKER].routers) > 1:
                raise AllMockedAssertionError(f"not a pytest-bizauth fake's host: {url}")
            return request  # pass through: httpx sends it as it always does
        parts = urlsplit(url)
        reply = fake.handle(
            FakeRequest.build(
                request.method, parts.path, dict(request.headers), request.content, parts.query
            )
        )
        where = f"{request.method} {parts.path}"
        if reply is None:
            raise httpx.ConnectError(unserved(fake, request.method, parts.path), request=request)
        if reply.fault is NetworkError.TIMEOUT:
            raise httpx.ReadTimeout(
                f"Read timed out (injected by pytest-bizauth into {where})", request=request
            )
        if reply.fault is NetworkError.CONNECTION:
            raise httpx.ConnectError(
                f"Connection aborted (injected by pytest-bizauth into {where})", request=request
            )
        return httpx.Response(reply.status, headers=reply.all_headers(), content=reply.content())
