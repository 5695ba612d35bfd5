"""Names a module offers from the modules that define them, imported on first use, so
that importing the offering module costs next to nothing."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from collections.abc import Mapping, MutableMapping

__all__ = ["lazy_names"]


def lazy_names(
    namespace: MutableMapping[str, Any], where: Mapping[str, str], package: str
) -> Callable[[str], Any]:
    """A module ``__getattr__`` that imports each name in ``where`` (name -> module,
    relative to ``package``) on first use and keeps it in ``namespace``."""

    def getattr_(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {namespace['__name__']!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module, package), name)
        namespace[name] = value
        return value

    return getattr_
