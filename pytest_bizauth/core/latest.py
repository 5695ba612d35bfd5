"""A mapping that keeps only its latest entries, and whose memory levels off under
constant churn, from any number of threads."""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["GENERATION", "Latest"]

V = TypeVar("V")
_MISSING = object()

#: Entries per generation: small tables, all of one size, so that the memory one frees
#: is the memory the next takes, whichever thread allocates it.
GENERATION = 1024


class Latest(Generic[V]):
    """The latest entries set, by key: at least ``keep`` of them, and fewer than two
    generations (:data:`GENERATION` entries each) more.

    Entries go to the newest generation, a small dict; when it is full a new one starts,
    and the oldest is dropped whole once the others hold ``keep``. No entry is dropped
    one at a time, and no table grows large: a dict that loses its oldest entry at each
    insert is rebuilt again and again, and large tables rebuilt by many threads each
    take fresh memory, so that a server under steady logins grew by megabytes a minute.
    A lookup reads the newest generation first, where a fake's keys are nearly always
    found.
    """

    def __init__(self, keep: int) -> None:
        self.keep = keep
        self._generations: deque[dict[str, V]] = deque([{}])

    def get(self, key: str, default: V | None = None) -> V | None:
        for generation in reversed(self._generations):
            found = generation.get(key, _MISSING)
            if found is not _MISSING:
                return found  # type: ignore[return-value]
        return default

    def __contains__(self, key: object) -> bool:
        return any(key in generation for generation in self._generations)

    def __setitem__(self, key: str, value: V) -> None:
        """Set ``key``, which moves it to the newest generation."""
        self.pop(key)
        self.add(key, value)

    def add(self, key: str, value: V) -> None:
        """Set a key known to be new (a token just minted): no older entry to move."""
        newest = self._generations[-1]
        newest[key] = value
        if len(newest) >= GENERATION:
            self._generations.append({})
            while sum(map(len, self._generations)) - len(self._generations[0]) >= self.keep:
                self._generations.popleft()

    def pop(self, key: str) -> None:
        for generation in self._generations:
            generation.pop(key, None)

    def __len__(self) -> int:
        return sum(map(len, self._generations))

    def __iter__(self) -> Iterator[str]:
        for generation in list(self._generations):
            yield from list(generation)

    def values(self) -> list[V]:
        return [value for generation in list(self._generations) for value in generation.values()]

    def items(self) -> list[tuple[str, V]]:
        return [pair for generation in list(self._generations) for pair in generation.items()]

    def clear(self) -> None:
        self._generations = deque([{}])
