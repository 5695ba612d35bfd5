"""What a request that matched no endpoint was probably meant for: the closest
endpoint a fake serves, and how the request differs from it."""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["near_miss"]


def _shape(path: str) -> str:
    return path.rstrip("/").lower() or "/"


def _prefix(path: str, served: str) -> str | None:
    """How ``path`` and ``served`` differ by a leading part, if that is all."""
    a, b = _shape(path), _shape(served)
    if b.endswith(a) and b != a and b[: len(b) - len(a)].count("/") >= 1:
        return f"a missing prefix {served[: len(served) - len(path.rstrip('/'))]}"
    if a.endswith(b) and a != b:
        return f"an extra prefix {path[: len(path) - len(served)]}"
    return None


def _differences(method: str, path: str, served_method: str, served: str) -> list[str]:
    found = []
    if method != served_method:
        found.append(f"the method ({served_method}, not {method})")
    prefix = _prefix(path, served)
    if prefix is not None:
        found.append(prefix)
        return found
    if path.rstrip("/") != served.rstrip("/") and _shape(path) == _shape(served):
        found.append("letter case")
    if path.endswith("/") != served.endswith("/") and _shape(path) == _shape(served):
        found.append("a trailing slash")
    return found


def near_miss(method: str, path: str, routes: Iterable[tuple[str, str]]) -> str | None:
    """``"closest: POST /api/1.0/auth/token (differs by a trailing slash)"``, or None
    when no endpoint is close. ``routes`` are ``(method, path)`` pairs."""
    served = list(routes)
    method = method.upper()
    for served_method, served_path in served:
        if (served_method, served_path) == (method, path):
            return None
    for exact in (True, False):
        for served_method, served_path in served:
            if exact and served_method != method:
                continue
            found = _differences(method, path, served_method, served_path)
            if found and (_shape(path) == _shape(served_path) or "prefix" in found[-1]):
                return f"closest: {served_method} {served_path} (differs by {', '.join(found)})"
    paths = {p: m for m, p in served}
    close = difflib.get_close_matches(path, list(paths), n=1, cutoff=0.75)
    if close:
        differs = "the path" if paths[close[0]] == method else "the method and the path"
        return f"closest: {paths[close[0]]} {close[0]} (differs by {differs})"
    return None
