"""The async Bill24 client, on ``httpx`` (install ``pytest-bizauth[httpx]``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from ...client.asynchronous import AsyncClient
from ...client.methods import awaited
from . import client
from .client import Bill24Auth, Bill24Constructors

if TYPE_CHECKING:
    import httpx

    from ...client.asynchronous import AsyncTimeout
    from ...client.flow import IssuedTokens

__all__ = ["AsyncBill24Client", "fixture_client"]


class AsyncBill24Client(Bill24Constructors, AsyncClient):
    """The async twin of :class:`Bill24Client`: the same constructors and behaviour,
    ``await client.init_checkout(...)``, ``await client.verify_transaction(...)``. It
    sends on the ``httpx.AsyncClient`` it is given (``http_client``), or on one of its
    own, which :meth:`aclose` closes."""

    init_transaction = awaited(Bill24Auth.init_transaction)
    init_checkout = awaited(Bill24Auth.init_checkout)
    init_khqr = awaited(Bill24Auth.init_khqr)
    verify_transaction = awaited(Bill24Auth.verify_transaction)

    def __init__(
        self,
        base_url: str,
        *,
        http_client: httpx.AsyncClient | None = None,
        client_id: str,
        secret: str,
        timeout: AsyncTimeout = 30.0,
        merchant_token: str | None = None,
        email: str | None = None,
        password: str | None = None,
        on_token: Callable[[IssuedTokens], None] | None = None,
        leeway: float = 60,
    ) -> None:
        super().__init__(Bill24Auth.of(locals()), timeout=timeout, http_client=http_client)


def fixture_client(fake: object, leeway: float, *, login: str = "portal") -> AsyncBill24Client:
    """The ``bill24_async_client`` fixture's client, as the sync fixture's."""
    made: AsyncBill24Client = client.fixture_client(
        fake, leeway, login=login, kind=AsyncBill24Client
    )
    return made
