"""Serve fakes to ``httpx2`` (sync and async) in-process, through its transport API,
which it kept from httpx (see :mod:`.httpx_api`)."""

from __future__ import annotations

import httpx2

from .httpx_api import TransportApiPatch

__all__ = ["Httpx2Transport"]


class Httpx2Transport(TransportApiPatch):
    """The fakes, reachable from ``httpx2.Client`` and ``httpx2.AsyncClient`` with no
    socket."""

    library = httpx2
