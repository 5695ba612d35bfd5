"""Serve fakes through one shared :class:`responses.RequestsMock`.

Each fake is one catch-all route for its host. Routes a user adds to the same mock are
tried first, so a test can override any endpoint with a plain ``responses`` route. When
another ``responses`` mock is active (the default one behind ``@responses.activate`` or
pytest-responses), the two are linked so neither hides the other.
"""

from __future__ import annotations

import re
from io import BytesIO
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import requests
import responses
from requests.adapters import HTTPAdapter
from responses.registries import FirstMatchRegistry
from urllib3._collections import HTTPHeaderDict

from ..providers._request import FakeRequest

if TYPE_CHECKING:
    from requests import PreparedRequest
    from urllib3 import HTTPResponse

    from ..providers._base import FakeProvider

__all__ = ["SharedRequestsMock"]


class _FakeHostRoute(responses.BaseResponse):
    """Every request to a fake's host, whatever the method, goes to the fake."""

    def __init__(self, fake: FakeProvider) -> None:
        super().__init__(method="ANY", url=fake.base_url + "/")
        self.fake = fake
        self._prefix = fake.base_url

    def matches(self, request: PreparedRequest) -> tuple[bool, str]:
        url = str(request.url)
        if url.startswith(self._prefix) and url[len(self._prefix) : len(self._prefix) + 1] in (
            "",
            "/",
            "?",
        ):
            return True, ""
        return False, f"not the {self.fake.vendor} fake's host"

    def get_response(self, request: PreparedRequest) -> HTTPResponse:
        parts = urlsplit(str(request.url))
        fake_request = FakeRequest.build(
            str(request.method),
            parts.path,
            dict(request.headers),
            request.body,
            parts.query,
        )
        reply = self.fake.handle(fake_request)
        if reply is None:
            routes = "\n".join(f"- {r}" for r in self.fake.routes)
            raise requests.ConnectionError(
                f"Connection refused by pytest-bizauth: the {self.fake.vendor} fake at "
                f"{self.fake.base_url} has no endpoint {request.method} {parts.path}.\n"
                f"It serves:\n{routes}",
                request=request,
            )
        if reply.fault == "timeout":
            raise requests.ReadTimeout(
                f"Read timed out (injected by pytest-bizauth into {request.method} {parts.path})",
                request=request,
            )
        if reply.fault == "connection":
            raise requests.ConnectionError(
                f"Connection aborted (injected by pytest-bizauth into {request.method} "
                f"{parts.path})",
                request=request,
            )
        return responses._form_response(
            BytesIO(reply.content()),
            HTTPHeaderDict(reply.all_headers()),
            reply.status,
            request.method,
        )


class _UserRoutesFirst(FirstMatchRegistry):
    """Tries the user's routes (with responses' usual rules) before any fake's."""

    def find(self, request: PreparedRequest) -> tuple[responses.BaseResponse | None, list[str]]:
        fakes: list[responses.BaseResponse] = [
            r for r in self._responses if isinstance(r, _FakeHostRoute)
        ]
        if not fakes:
            return super().find(request)
        others = [r for r in self._responses if not isinstance(r, _FakeHostRoute)]
        self._responses = others
        try:
            match, reasons = super().find(request)
        finally:
            self._responses = others + fakes
        if match is not None:
            return match, reasons
        for fake in fakes:
            ok, reason = fake.matches(request)
            if ok:
                return fake, reasons
            reasons.append(reason)
        return None, reasons


class SharedRequestsMock(responses.RequestsMock):
    """The ``responses.RequestsMock`` that every fake registers on."""

    def __init__(self) -> None:
        super().__init__(assert_all_requests_are_fired=False, registry=_UserRoutesFirst)
        self._default_state: tuple[Any, tuple[Any, ...]] | None = None

    def mount(self, fake: FakeProvider) -> None:
        """Serve ``fake`` at its base URL."""
        self.add(_FakeHostRoute(fake))
        if self._default_state is not None:
            responses.mock.add_passthru(fake.base_url)

    @property
    def fakes(self) -> list[FakeProvider]:
        return [r.fake for r in self.registered() if isinstance(r, _FakeHostRoute)]

    def start(self) -> None:
        if self._patcher:
            return
        outer = HTTPAdapter.send
        self._real_send = outer
        if outer is not responses._real_send:
            # Another mock was active first: what matches nothing here is its business.
            self.add_passthru(re.compile(".*"))
        super().start()
        default = responses.mock
        if default is not self:
            # A later @responses.activate would hide the fakes: let the default mock hand
            # their hosts' requests over to us.
            self._default_state = (default._real_send, default.passthru_prefixes)
            default._real_send = HTTPAdapter.send
            for fake in self.fakes:
                default.add_passthru(fake.base_url)

    def stop(self, allow_assert: bool = True) -> None:
        if self._default_state is not None:
            default = responses.mock
            default._real_send, default.passthru_prefixes = self._default_state
            self._default_state = None
        super().stop(allow_assert=allow_assert)
