"""Transports for libraries the code under test imports only once the test runs (a
library that imports ``httpx2`` or ``aiohttp`` inside a function, as many do): an
import hook sees the library arrive and puts its transport in place at once, so the
rest of the test reaches the fakes in-process as if it had been imported at the top."""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
import threading
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from collections.abc import Sequence
    from importlib.machinery import ModuleSpec
    from types import ModuleType

__all__ = ["LateImports"]

# The loader method run once a module's code is loaded.
_EXEC = "exec_module"


class LateImports(importlib.abc.MetaPathFinder):
    """While installed, calls ``arrived(transport)`` right after one of ``modules``
    (module name -> the transport serving it) is first imported."""

    def __init__(self, modules: dict[str, str], arrived: Callable[[str], None]) -> None:
        self._modules = dict(modules)
        self._arrived = arrived
        self._lock = threading.Lock()

    def install(self) -> None:
        if self._modules:
            sys.meta_path.insert(0, self)

    def remove(self) -> None:
        if self in sys.meta_path:
            sys.meta_path.remove(self)

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        with self._lock:
            transport = self._modules.pop(fullname, None)
        if transport is None:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path, target)
        loader = None if spec is None else spec.loader
        if spec is None or loader is None or not hasattr(loader, "exec_module"):
            return spec
        execute = loader.exec_module
        arrived = self._arrived

        def exec_module(module: ModuleType) -> None:
            execute(module)
            arrived(transport)  # the library is whole: its transport can be made now

        setattr(loader, _EXEC, exec_module)  # this spec's loader only
        return spec
