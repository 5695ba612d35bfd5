"""The async BizMail client, on ``httpx`` (install ``pytest-bizauth[httpx]``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...client.asynchronous import AsyncTokenClient
from .client import BizMailFlows

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["AsyncBizMailClient"]


class AsyncBizMailClient(BizMailFlows, AsyncTokenClient):
    """The async twin of :class:`BizMailClient`: the same constructor and behaviour,
    ``await client.access_token()`` and ``await client.send_mail(...)``."""

    async def send_mail(self, **fields: Any) -> Mapping[str, Any]:
        """As :meth:`BizMailClient.send_mail`."""
        result: Mapping[str, Any] = await self._run(self._send_mail(**fields))
        return result
