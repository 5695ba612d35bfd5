"""The async Bill24 client, on ``httpx`` (install ``pytest-bizauth[httpx]``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...client.asynchronous import AsyncTokenClient
from .client import Bill24Flows
from .fake import INIT_PATH, VERIFY_PATH

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["AsyncBill24Client"]


class AsyncBill24Client(Bill24Flows, AsyncTokenClient):
    """The async twin of :class:`Bill24Client`: the same constructors and behaviour,
    ``await client.init_transaction(...)`` and ``await client.verify_transaction(...)``."""

    async def init_transaction(self, **fields: Any) -> Mapping[str, Any]:
        """As :meth:`Bill24Client.init_transaction`."""
        result: Mapping[str, Any] = await self._run(self._call(INIT_PATH, fields))
        return result

    async def verify_transaction(self, **fields: Any) -> Mapping[str, Any]:
        """As :meth:`Bill24Client.verify_transaction`."""
        result: Mapping[str, Any] = await self._run(self._call(VERIFY_PATH, fields))
        return result
