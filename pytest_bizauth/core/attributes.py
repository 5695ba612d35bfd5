"""Attributes a fake shows from its state, written once: ``users = FromState[...]()``
reads ``fake.state.users`` (the docstring goes on the line before, as for any
attribute)."""

from __future__ import annotations

from typing import Any, Generic, TypeVar, overload

__all__ = ["FromState"]

T = TypeVar("T")


class FromState(Generic[T]):
    """A read-only attribute of a fake that is the same-named attribute of its
    ``state``."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, fake: None, owner: type) -> FromState[T]: ...
    @overload
    def __get__(self, fake: Any, owner: type) -> T: ...
    def __get__(self, fake: Any, owner: type) -> T | FromState[T]:
        if fake is None:
            return self
        value: T = getattr(fake.state, self.name)
        return value
