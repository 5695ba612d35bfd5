"""Serve fakes to ``requests`` through one shared :class:`responses.RequestsMock`.

Each fake is one catch-all route for its host. Routes a user adds to the same mock are
tried first, so a test can override any endpoint with a plain ``responses`` route. When
another ``responses`` mock is active (the default one behind ``@responses.activate`` or
pytest-responses), the two are linked so neither hides the other.
"""

from __future__ import annotations

import http.client
import re
from io import BytesIO
from typing import TYPE_CHECKING, Callable

import requests
import responses
from requests.adapters import HTTPAdapter
from responses.registries import FirstMatchRegistry
from urllib3 import HTTPHeaderDict, HTTPResponse

from .._compat import (
    mock_real_send,
    registry_routes,
    responses_real_send,
    set_registry_routes,
    set_responses_real_send,
)
from .._loopback import LOOPBACK_URL
from ..core.wire import NetworkError
from .base import NoAnswer, serve, served_by

if TYPE_CHECKING:
    from requests import PreparedRequest

    from ..core.fake import FakeProvider

__all__ = ["SharedRequestsMock"]

# What responses passes through: a URL prefix or a pattern.
_Prefix = "str | re.Pattern[str]"
# The method of requests' adapters that the mock replaces, as responses does.
_SEND = "send"


class _FakeHostRoute(responses.BaseResponse):
    """Every request to a fake's host, whatever the method, goes to the fake."""

    def __init__(self, fake: FakeProvider) -> None:
        super().__init__(method="ANY", url=fake.base_url + "/")
        self.fake = fake

    def matches(self, request: PreparedRequest) -> tuple[bool, str]:
        if served_by(self.fake.base_url, str(request.url)):
            return True, ""
        return False, f"not the {self.fake.vendor} fake's host"

    def get_response(self, request: PreparedRequest) -> HTTPResponse:
        method, url = str(request.method), str(request.url)
        outcome = serve(self.fake, method, url, request.headers, request.body)
        if isinstance(outcome, NoAnswer):
            raise _failure(outcome, request)
        return _raw_answer(outcome.status, outcome.all_headers(), outcome.content(), method)


def _raw_answer(status: int, headers: dict[str, str], body: bytes, method: str) -> HTTPResponse:
    """The answer as urllib3 would hand it to requests: the body unread, and the headers
    also where requests looks for cookies (the answer's original response, as
    ``responses`` builds its own; only when the answer sets one: requests reads cookies
    from nothing else, and skips an answer without an original)."""
    fields = HTTPHeaderDict(headers)
    original = None
    if "set-cookie" in fields:
        empty = BytesIO()
        empty.close()
        original = HTTPResponse(body=empty, msg=fields, preload_content=False)  # type: ignore[arg-type]
    return HTTPResponse(
        status=status,
        reason=http.client.responses.get(status),
        body=BytesIO(body),
        headers=fields,
        original_response=original,  # type: ignore[arg-type]
        preload_content=False,
        request_method=method,
    )


def _failure(no_answer: NoAnswer, request: PreparedRequest) -> requests.RequestException:
    """``requests``' own exception for a request with no answer."""
    timeout = no_answer.kind is NetworkError.TIMEOUT
    kind = requests.ReadTimeout if timeout else requests.ConnectionError
    return kind(no_answer.why, request=request)


class _UserRoutesFirst(FirstMatchRegistry):
    """Tries the user's routes (with responses' usual rules) before any fake's."""

    def find(self, request: PreparedRequest) -> tuple[responses.BaseResponse | None, list[str]]:
        routes = registry_routes(self)
        fakes: list[responses.BaseResponse] = [r for r in routes if isinstance(r, _FakeHostRoute)]
        if not fakes:
            return super().find(request)
        others = [r for r in routes if not isinstance(r, _FakeHostRoute)]
        set_registry_routes(self, others)
        try:
            match, reasons = super().find(request)
        finally:
            set_registry_routes(self, others + fakes)
        if match is not None:
            return match, reasons
        for fake in fakes:
            ok, reason = fake.matches(request)
            if ok:
                return fake, reasons
            reasons.append(reason)
        return None, reasons


def _passing_on(outer: Callable[..., object], real: Callable[..., object]) -> Callable[..., object]:
    """Where a request that no fake serves goes: loopback to the network, anything else
    to the mock that was active first."""

    def send(adapter: object, request: PreparedRequest, **kwargs: object) -> object:
        chosen = real if LOOPBACK_URL.match(str(request.url)) else outer
        return chosen(adapter, request, **kwargs)

    return send


class SharedRequestsMock(responses.RequestsMock):
    """The ``responses.RequestsMock`` that every fake registers on."""

    def __init__(self) -> None:
        super().__init__(assert_all_requests_are_fired=False, registry=_UserRoutesFirst)
        self._default_state: (
            tuple[Callable[..., object], tuple[str | re.Pattern[str], ...]] | None
        ) = None
        self._running = False
        self._installed_send: object = None
        self._outer_send: object = None

    def mount(self, fake: FakeProvider) -> None:
        """Serve ``fake`` at its base URL."""
        self.add(_FakeHostRoute(fake))
        if self._default_state is not None:
            responses.mock.add_passthru(fake.base_url)

    @property
    def fakes(self) -> list[FakeProvider]:
        return [r.fake for r in self.registered() if isinstance(r, _FakeHostRoute)]

    def start(self) -> None:
        if self._running:
            return
        self._running = True
        outer = HTTPAdapter.send
        real = responses_real_send()
        set_responses_real_send(self, outer)
        if outer is not real:
            # Another mock was active first: what matches nothing here is its business,
            # but loopback goes to the network (that mock may hand loopback back to us).
            set_responses_real_send(self, _passing_on(outer, real))
            self.add_passthru(re.compile(".*"))
        # Loopback is never a vendor: what matches no route there (bizauth_server, a
        # test's own local server) goes over the socket.
        self.add_passthru(LOOPBACK_URL)
        # What ``RequestsMock.start`` does, less unittest.mock's patcher (which costs
        # more than the rest of a test's setup): our send in place of the one before.
        self._outer_send = outer
        self._installed_send = self.unbound_on_send()
        setattr(HTTPAdapter, _SEND, self._installed_send)
        default = responses.mock
        if default is not self:
            # A later @responses.activate would hide the fakes: let the default mock hand
            # their hosts' requests over to us.
            self._default_state = (mock_real_send(default), default.passthru_prefixes)
            set_responses_real_send(default, HTTPAdapter.send)
            default.add_passthru(LOOPBACK_URL)
            for fake in self.fakes:
                default.add_passthru(fake.base_url)

    def verify(self) -> None:
        """Nothing to check: the fakes record what went wrong themselves."""

    def stop(self, allow_assert: bool = True) -> None:
        self._running = False
        if self._default_state is not None:
            default = responses.mock
            send, default.passthru_prefixes = self._default_state
            set_responses_real_send(default, send)
            self._default_state = None
        if self._installed_send is not None and HTTPAdapter.send is self._installed_send:
            # Otherwise a mock started before ours stopped first and put the real send
            # back: undoing our patch now would bring its stale one back to life.
            setattr(HTTPAdapter, _SEND, self._outer_send)
        self._installed_send = self._outer_send = None
