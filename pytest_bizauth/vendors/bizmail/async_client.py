"""The async BizMail client, on ``httpx`` (install ``pytest-bizauth[httpx]``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from ...client.asynchronous import AsyncClient
from ...client.methods import awaited
from . import client
from .client import BizMailAuth

if TYPE_CHECKING:
    import httpx

    from ...client.asynchronous import AsyncTimeout
    from ...client.flow import IssuedTokens

__all__ = ["AsyncBizMailClient", "fixture_client"]


class AsyncBizMailClient(AsyncClient):
    """The async twin of :class:`BizMailClient`: the same behaviour,
    ``await client.access_token()`` and ``await client.send_mail(...)``. It sends on the
    ``httpx.AsyncClient`` it is given (``http_client``), or on one of its own, which
    :meth:`aclose` closes."""

    def __init__(
        self,
        base_url: str,
        username: str,
        password: str,
        *,
        http_client: httpx.AsyncClient | None = None,
        timeout: AsyncTimeout = 30.0,
        on_token: Callable[[IssuedTokens], None] | None = None,
        leeway: float = 60,
    ) -> None:
        auth = BizMailAuth(base_url, username, password, leeway=leeway, on_token=on_token)
        super().__init__(auth, timeout=timeout, http_client=http_client)
        self.username = username

    send_mail = awaited(BizMailAuth.send_mail)


def fixture_client(fake: object, leeway: float) -> AsyncBizMailClient:
    """The ``bizmail_async_client`` fixture's client, as the sync fixture's."""
    made: AsyncBizMailClient = client.fixture_client(fake, leeway, AsyncBizMailClient)
    return made
