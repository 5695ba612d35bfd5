"""A fake's settings: one frozen dataclass per vendor, the one source of its options.

A field made with :func:`option` is also an option: its parser, default and help make
the ini option ``bizauth_<vendor>_<field>``, the marker keyword and the ``bizauth serve``
flag. Its parser is the one check of a value, whether it comes from an ini file, a
marker, a flag or Python: the dataclass runs it on every value that is not the
default when it is made. A fake reads its settings there, and nowhere else.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, Callable, Protocol, TypeVar

from ..errors import UsageTypeError

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "FakeSettings",
    "OptionField",
    "VendorSettings",
    "option",
    "option_fields",
    "settings_of",
]

T = TypeVar("T")
S = TypeVar("S", bound="VendorSettings")
_KEY = "pytest_bizauth.option"


class FakeSettings(Protocol):
    """What the shared front reads of a vendor's settings."""

    @property
    def base_url(self) -> str: ...
    @property
    def single_use_refresh(self) -> bool: ...
    @property
    def rotate_refresh_tokens(self) -> bool: ...


@dataclasses.dataclass(frozen=True)
class OptionField:
    """A settings field that is an option: its name, parser, default and help."""

    name: str
    parse: Callable[[object, str], Any]
    default: object
    help: str


def option(default: T, parse: Callable[[object, str], T], help: str) -> T:
    """A settings dataclass field that is also an option (see the module's text)."""
    info = {"parse": parse, "help": help}
    found: T = dataclasses.field(default=default, metadata={_KEY: info})
    return found


def option_fields(kind: type[VendorSettings]) -> tuple[OptionField, ...]:
    """The fields of a settings class that are options, in their order."""
    return tuple(
        OptionField(f.name, f.metadata[_KEY]["parse"], f.default, f.metadata[_KEY]["help"])
        for f in dataclasses.fields(kind)
        if _KEY in f.metadata
    )


@dataclasses.dataclass(frozen=True)
class VendorSettings:
    """The base of every vendor's settings dataclass: each option field's value is
    checked (and normalised) by its parser when the settings are made."""

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if _KEY in f.metadata and value is not f.default:
                parsed = f.metadata[_KEY]["parse"](value, f.name)
                if parsed is not value:
                    object.__setattr__(self, f.name, parsed)


def settings_of(kind: type[S], settings: S | None, options: Mapping[str, Any]) -> S:
    """A settings object from a given one and keyword options (which win)."""
    if not options and type(settings) is kind:
        return settings
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
