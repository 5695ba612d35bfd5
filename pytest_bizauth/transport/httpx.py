"""Serve fakes to ``httpx`` (sync and async) in-process, through its transport API (see
:mod:`.httpx_api`): ``httpx.Client``, ``httpx.AsyncClient`` and ``httpx.post(...)``
reach the fakes with no socket.

A user's own respx routes keep working beside the fakes (respx answers beneath httpx's
transports, at httpcore): a route of the user's that matches a fake's request wins over
the fake, so a test can override one endpoint; every other request to a fake's host is
the fake's, whatever the user's routers would say of it."""

from __future__ import annotations

import sys

import httpx

from .._compat import respx_routers
from .httpx_api import TransportApiPatch

__all__ = ["HttpxTransport"]

# The respx mocker every router uses unless told otherwise (patching httpcore).
_MOCKER = "httpcore"


class HttpxTransport(TransportApiPatch):
    """The fakes, reachable from every httpx client with no socket."""

    library = httpx

    def others_want(self, request: object) -> bool:
        """Whether a user's started respx router has a route for this request."""
        if "respx" not in sys.modules:
            return False
        return any(
            bool(route.pattern.match(request)) if route.pattern is not None else True
            for router in respx_routers(_MOCKER)
            for route in router.routes
        )
