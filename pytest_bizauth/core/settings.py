"""A fake's settings: one frozen dataclass per vendor, given whole or as keywords."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from ..errors import UsageTypeError

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["settings_of"]


# Settings made from the same options before (frozen, so shared): the fixtures make a
# fake from the same options in every test.
_made: dict[tuple[Any, ...], Any] = {}


def settings_of(kind: type[Any], settings: Any, options: Mapping[str, Any]) -> Any:
    """A settings object from a given one and keyword options (which win)."""
    if not options and type(settings) is kind:
        return settings
    key: tuple[Any, ...] | None = None
    found = None
    if settings is None:
        # Each value's type in the key: True and 1 are equal keys, not equal options.
        key = (kind, *((name, type(value), value) for name, value in options.items()))
        try:
            found = _made.get(key)
        except TypeError:  # a value that cannot be a key (a list): made afresh
            key = None
    if found is not None:
        return found
    made = _settings_of(kind, settings, options)
    if key is not None:
        if len(_made) > 256:
            _made.clear()
        _made[key] = made
    return made


def _settings_of(kind: type[Any], settings: Any, options: Mapping[str, Any]) -> Any:
    base = settings if settings is not None else kind()
    if not isinstance(base, kind):
        raise UsageTypeError(f"settings must be a {kind.__name__}, not {type(base).__name__}")
    known = {f.name for f in dataclasses.fields(kind)}
    unknown = sorted(set(options) - known)
    if unknown:
        raise UsageTypeError(
            f"{kind.__name__} has no setting {', '.join(map(repr, unknown))}; "
            f"it takes: {', '.join(sorted(known))}"
        )
    return dataclasses.replace(base, **options)
