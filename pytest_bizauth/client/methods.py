"""A vendor's resource calls are written once, as flows with explicit keyword
signatures; these turn a flow method into the sync or the async client's method, with
the same signature and docstring."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, Callable, TypeVar

if TYPE_CHECKING:
    from collections.abc import Awaitable, Generator
    from typing import Concatenate, ParamSpec

    from .asynchronous import AsyncClient
    from .sync import SyncClient

    P = ParamSpec("P")

R = TypeVar("R")

__all__ = ["awaited", "driven"]


def driven(
    flow_method: Callable[Concatenate[Any, P], Generator[Any, Any, R]],
) -> Callable[Concatenate[SyncClient, P], R]:
    """The sync client's method for a flow method."""

    def method(self: SyncClient, /, *args: P.args, **kwargs: P.kwargs) -> R:
        result: R = self._driver.run(flow_method(self._flow, *args, **kwargs))
        return result

    functools.update_wrapper(method, flow_method)
    return method


def awaited(
    flow_method: Callable[Concatenate[Any, P], Generator[Any, Any, R]],
) -> Callable[Concatenate[AsyncClient, P], Awaitable[R]]:
    """The async client's method for a flow method."""

    async def method(self: AsyncClient, /, *args: P.args, **kwargs: P.kwargs) -> R:
        result: R = await self._driver.run(flow_method(self._flow, *args, **kwargs))
        return result

    functools.update_wrapper(method, flow_method)
    return method
