"""Modules first imported while freezegun has frozen time import as they would unfrozen.

freezegun replaces the ``datetime`` module's ``datetime`` and ``date`` with its own
classes, whose metaclass is its own: a module that subclasses either with a metaclass
of its own (``pydantic.v1``, which FastAPI imports on first use) fails to import with a
metaclass conflict, in whichever test imports it first. While a freeze runs, an import
hook runs each new module's code with the real classes in place, then points the
module's names for them at freezegun's, as freezegun does for the modules loaded before
it started (and undoes at its stop).
"""

from __future__ import annotations

import datetime
import importlib.abc
import sys
import threading
from typing import TYPE_CHECKING, Any

from .._compat import freezegun_factories

if TYPE_CHECKING:
    from collections.abc import Sequence
    from importlib.machinery import ModuleSpec
    from types import ModuleType

__all__ = ["RealDatesOnImport"]

# The classes freezegun swaps on the datetime module.
_SWAPPED = ("datetime", "date")


class _RealDates:
    """Puts the real ``datetime`` and ``date`` on the datetime module while any import
    runs (imports nest, and may run in several threads at once)."""

    def __init__(self) -> None:
        from freezegun import api

        self._real = {"datetime": api.real_datetime, "date": api.real_date}
        self._fake = {"datetime": api.FakeDatetime, "date": api.FakeDate}
        self._freezes = freezegun_factories()
        self._lock = threading.Lock()
        self._depth = 0
        #: Whether one of our freezes runs (set under the lock, before a freeze stops, so
        #: that an import ending in another thread puts the real classes back).
        self.active = False

    def activate(self, on: bool) -> None:
        with self._lock:
            self.active = on

    def enter(self) -> None:
        with self._lock:
            self._depth += 1
            if self._depth == 1:
                for name in _SWAPPED:
                    setattr(datetime, name, self._real[name])

    @property
    def frozen(self) -> bool:
        """Whether one of our freezes runs now."""
        return self.active and bool(self._freezes)

    def exit(self) -> None:
        with self._lock:
            self._depth -= 1
            if self._depth == 0:  # freezegun's classes, unless the freeze is stopping
                chosen = self._fake if self.frozen else self._real
                for name in _SWAPPED:
                    setattr(datetime, name, chosen[name])

    def refreeze(self, module: ModuleType) -> None:
        """Point ``module``'s names for the real classes at freezegun's."""
        namespace = vars(module)
        for key, value in list(namespace.items()):
            for name in _SWAPPED:
                if value is self._real[name]:
                    namespace[key] = self._fake[name]


class _Loader(importlib.abc.Loader):
    """A module's own loader, run with the real classes in place."""

    def __init__(self, loader: Any, dates: _RealDates) -> None:
        self._loader = loader
        self._dates = dates

    def create_module(self, spec: ModuleSpec) -> ModuleType | None:
        created: ModuleType | None = self._loader.create_module(spec)
        return created

    def exec_module(self, module: ModuleType) -> None:
        # The module sees its own loader, as it would without the hook.
        module.__loader__ = self._loader
        if module.__spec__ is not None:
            module.__spec__.loader = self._loader
        self._dates.enter()
        try:
            self._loader.exec_module(module)
        finally:
            self._dates.exit()
        if self._dates.frozen:
            self._dates.refreeze(module)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._loader, name)


class RealDatesOnImport(importlib.abc.MetaPathFinder):
    """The import hook of the freezes: ``install()`` at each start, ``remove()`` at each
    stop; on ``sys.meta_path`` while any freeze runs."""

    def __init__(self) -> None:
        self._dates = _RealDates()
        self._installs = 0  # freezes nest: installed while any runs

    def install(self) -> None:
        self._installs += 1
        if self._installs == 1:
            self._dates.activate(True)
            sys.meta_path.insert(0, self)

    def remove(self) -> None:
        self._installs = max(0, self._installs - 1)
        if self._installs == 0:
            self._dates.activate(False)
            if self in sys.meta_path:
                sys.meta_path.remove(self)

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if not self._dates.frozen:
            return None  # no freeze runs: nothing to do, whatever the hook was told
        finders = sys.meta_path
        after = finders[finders.index(self) + 1 :] if self in finders else []
        spec: ModuleSpec | None = None
        for finder in after:
            if finder is self:
                continue
            find = getattr(finder, "find_spec", None)
            found: ModuleSpec | None = None if find is None else find(fullname, path, target)
            spec = found
            if spec is not None:
                break
        else:
            return None
        if spec.loader is not None and hasattr(spec.loader, "exec_module"):
            spec.loader = _Loader(spec.loader, self._dates)
        return spec
