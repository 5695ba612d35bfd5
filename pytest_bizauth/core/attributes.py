"""Attributes a fake shows from its state or its settings, each written once:
``users = FromState[...]()`` reads ``fake.state.users``; ``single_use_refresh =
Setting[bool]()`` reads ``fake.settings.single_use_refresh`` and, when set, replaces the
settings with that one value changed (checked by the option's parser)."""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar, Generic, TypeVar, overload

__all__ = ["FromState", "Setting"]

T = TypeVar("T")


class _Shown(Generic[T]):
    """An attribute of a fake that is the same-named attribute of one of its parts."""

    part: ClassVar[str]

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, fake: None, owner: type) -> _Shown[T]: ...
    @overload
    def __get__(self, fake: Any, owner: type) -> T: ...
    def __get__(self, fake: Any, owner: type) -> T | _Shown[T]:
        if fake is None:
            return self
        value: T = getattr(getattr(fake, self.part), self.name)
        return value


class FromState(_Shown[T]):
    """A read-only attribute of a fake that is the same-named attribute of its
    ``state``."""

    part = "state"


class Setting(_Shown[T]):
    """An attribute of a fake that is one of its settings: reading it reads
    ``fake.settings``; setting it replaces ``fake.settings`` with the new value checked
    by the option's parser (``<vendor>_mock.single_use_refresh = True`` mid-test)."""

    part = "settings"

    def __set__(self, fake: Any, value: T) -> None:
        fake.settings = dataclasses.replace(fake.settings, **{self.name: value})
