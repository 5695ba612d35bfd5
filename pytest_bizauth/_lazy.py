"""Names a module offers from the modules that define them, imported on first use, so
that importing the offering module costs next to nothing.

The offering module lists each name once, as a type checker reads it: under
``if TYPE_CHECKING:``, as ``from .module import Name as Name`` (the explicit
re-export). On the first name asked for, that block is read from the module's own
source (its few lines only) into a table of name -> module; ``__all__`` is the
module's own public names followed by those.
"""

from __future__ import annotations

import ast
import importlib
import sys
import textwrap
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from collections.abc import Iterable, MutableMapping
    from types import ModuleType

__all__ = ["lazy_exports", "loaded_module", "reexports"]

_BLOCK = "if TYPE_CHECKING:\n"


def loaded_module(name: str) -> ModuleType:
    """A module as loaded now, imported on first use (a pytester session inside a test
    may load it afresh): cheaper than an import statement in a function run for every
    test."""
    found = sys.modules.get(name)
    return found if found is not None else importlib.import_module(name)


def reexports(source: str, package: str) -> dict[str, str]:
    """``name -> absolute module`` for each ``from .module import Name as Name`` in the
    first ``if TYPE_CHECKING:`` block of ``source`` (a module of ``package``)."""
    start = source.index(_BLOCK) + len(_BLOCK)
    lines = []
    for line in source[start:].splitlines():
        if line and not line[0].isspace():
            break
        lines.append(line)
    found: dict[str, str] = {}
    for node in ast.parse(textwrap.dedent("\n".join(lines))).body:
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
            module = f"{base}.{node.module}" if node.module else base
            found.update((a.name, module) for a in node.names if a.asname == a.name)
    return found


def lazy_exports(
    namespace: MutableMapping[str, Any], own: Iterable[str] = ()
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """A module's ``__getattr__`` and ``__dir__``: the first imports each name its
    ``if TYPE_CHECKING:`` block re-exports on first use and keeps it in ``namespace``;
    both know ``__all__`` (``own`` names, then the re-exported ones)."""
    own = tuple(own)
    table: dict[str, str] = {}

    def where() -> dict[str, str]:
        if not table:
            with open(namespace["__file__"], encoding="utf-8") as source:
                name = namespace["__name__"]
                package = name if namespace.get("__path__") else name.rpartition(".")[0]
                table.update(reexports(source.read(), package))
        return table

    def getattr_(name: str) -> Any:
        if name == "__all__":
            value: object = [*own, *where()]
        else:
            module = where().get(name)
            if module is None:
                raise AttributeError(f"module {namespace['__name__']!r} has no attribute {name!r}")
            value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    def dir_() -> list[str]:
        return sorted(set(namespace) | set(where()) | {"__all__"})

    return getattr_, dir_
