"""A fake's settings: one frozen dataclass per vendor, given whole or as keywords."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from ..errors import UsageTypeError

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["settings_of"]


def settings_of(kind: type[Any], settings: Any, options: Mapping[str, Any]) -> Any:
    """A settings object from a given one and keyword options (which win)."""
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
