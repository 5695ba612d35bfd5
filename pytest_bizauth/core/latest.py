"""A mapping that keeps only its latest entries, and whose memory levels off under
constant churn."""

from __future__ import annotations

from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["Latest"]

V = TypeVar("V")
_MISSING = object()


class Latest(Generic[V]):
    """The latest entries set, by key: at least ``keep`` of them, at most twice as many.

    New entries go to a young generation; when it holds ``keep``, it becomes the old one
    and the old one is dropped whole. No entry is dropped one at a time: a dict that
    loses its oldest entry at each insert is rebuilt again and again as it fills with
    the holes, each new table taking fresh memory, so that a long-running fake grew
    by megabytes a minute under steady logins. Two generations are built up the same
    way each time, in the memory the last ones left.
    """

    def __init__(self, keep: int) -> None:
        self.keep = keep
        self._young: dict[str, V] = {}
        self._old: dict[str, V] = {}

    def get(self, key: str, default: V | None = None) -> V | None:
        found = self._young.get(key, _MISSING)
        if found is _MISSING:
            return self._old.get(key, default)
        return found  # type: ignore[return-value]

    def __contains__(self, key: object) -> bool:
        return key in self._young or key in self._old

    def __setitem__(self, key: str, value: V) -> None:
        self._old.pop(key, None)
        self._young[key] = value
        if len(self._young) >= self.keep:
            self._old, self._young = self._young, {}

    def pop(self, key: str) -> None:
        self._young.pop(key, None)
        self._old.pop(key, None)

    def __len__(self) -> int:
        return len(self._young) + len(self._old)

    def __iter__(self) -> Iterator[str]:
        yield from list(self._old)
        yield from list(self._young)

    def values(self) -> list[V]:
        return [*self._old.values(), *self._young.values()]

    def items(self) -> list[tuple[str, V]]:
        return [*self._old.items(), *self._young.items()]

    def clear(self) -> None:
        self._young, self._old = {}, {}
