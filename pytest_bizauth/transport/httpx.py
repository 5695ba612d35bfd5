"""Serve fakes to ``httpx`` (sync and async) in-process, through a respx router.

The router has one catch-all route whose side effect answers requests to a fake's host
and leaves every other request alone: to the user's own respx routers when any are
active (``respx.mock``, the ``respx_mock`` fixture), else to the network, as httpx
always does. A user's route that matches a fake's request wins over the fake, as a
user's ``responses`` route does.

Starting a respx router patches httpcore, which costs milliseconds, so the router starts
once, on first use, and stays for the session; each test mounts its fakes and lets go
of them at teardown. With no fake mounted it hands every request on.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

import anyio.lowlevel
import httpx
import respx
from respx.models import AllMockedAssertionError

from .._compat import respx_routers
from ..core.wire import NetworkError
from .base import NoAnswer, serve, served_by

if TYPE_CHECKING:
    from ..core.fake import FakeProvider

__all__ = ["HttpxTransport"]

# The respx mocker every router uses unless told otherwise (patching httpcore), so that
# ours and the user's routers take turns on the same requests.
_MOCKER = "httpcore"
# Our transports by router (one per pytest session; pytester runs sessions in sessions).
_OURS: weakref.WeakKeyDictionary[respx.Router, HttpxTransport] = weakref.WeakKeyDictionary()


class _Router(respx.MockRouter):
    """A respx router whose async answers let the event loop run other tasks first, as a
    real network does: code that awaits between checking a token and renewing it shows
    its race in-process too."""

    async def async_handler(self, request: httpx.Request) -> httpx.Response:
        await anyio.lowlevel.checkpoint()  # asyncio's or trio's loop runs other tasks
        return await super().async_handler(request)


class HttpxTransport:
    """The fakes, reachable from ``httpx.Client``, ``httpx.AsyncClient`` and
    ``httpx.get(...)``/``httpx.post(...)`` with no socket."""

    def __init__(self) -> None:
        self.fakes: list[FakeProvider] = []
        self.router = _Router(assert_all_called=False, assert_all_mocked=True, using=_MOCKER)
        self.router.route(name="pytest-bizauth").mock(side_effect=self._answer)
        _OURS[self.router] = self

    def mount(self, fake: FakeProvider) -> None:
        self.fakes.append(fake)

    def start(self) -> None:
        self.router.start()

    def stop(self) -> None:
        self.fakes.clear()
        self.router.stop(quiet=True)

    def release(self) -> None:
        """Forget this test's fakes, and the calls the router recorded (each holds a
        request, its body included); the router stays started."""
        self.fakes.clear()
        self.router.reset()

    def _others(self) -> list[respx.Router]:
        return [r for r in respx_routers(_MOCKER) if r is not self.router]

    def _others_may_answer(self, url: str) -> bool:
        """Whether another router should have its turn: a user's, or ours of another
        session serving this URL."""
        for router in self._others():
            transport = _OURS.get(router)
            if transport is None or any(served_by(f.base_url, url) for f in transport.fakes):
                return True
        return False

    def _wanted_by_users(self, request: httpx.Request) -> bool:
        """Whether a user's router (not another test session's of ours) has a route for
        this request."""
        return any(
            bool(route.pattern.match(request)) if route.pattern is not None else True
            for router in self._others()
            if router not in _OURS
            for route in router.routes
        )

    def verify(self) -> None:
        """Nothing to check: the fakes record what went wrong themselves."""

    def _answer(self, request: httpx.Request) -> httpx.Response | httpx.Request:
        url = str(request.url)
        fake = next((f for f in self.fakes if served_by(f.base_url, url)), None)
        if fake is None or self._wanted_by_users(request):
            if self._others_may_answer(url):
                raise AllMockedAssertionError(f"not for pytest-bizauth's fakes: {url}")
            return request  # pass through: httpx sends it as it always does
        outcome = serve(fake, request.method, url, request.headers, request.content)
        if isinstance(outcome, NoAnswer):
            raise _failure(outcome, request)
        return httpx.Response(
            outcome.status, headers=outcome.all_headers(), content=outcome.content()
        )


def _failure(no_answer: NoAnswer, request: httpx.Request) -> httpx.TransportError:
    """``httpx``'s own exception for a request with no answer."""
    timeout = no_answer.kind is NetworkError.TIMEOUT
    kind = httpx.ReadTimeout if timeout else httpx.ConnectError
    return kind(no_answer.why, request=request)
