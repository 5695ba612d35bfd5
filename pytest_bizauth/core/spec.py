"""What a vendor tells the shared code about itself, in one place.

Each vendor package exports one :class:`VendorSpec`; the plugin's fixtures, the options
table and the public names loop over the registered specs, so adding a vendor touches
only its own package (and one line of the registry).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

    from .fake import FakeProvider

__all__ = ["MARKER", "SHARED_PER_VENDOR", "Option", "VendorSpec", "register", "registered"]

#: The marker's name, and the prefix of every ini option.
MARKER = "bizauth"

#: Options every vendor has under its own prefix, which fall back to the unprefixed
#: option (``bizauth_access_ttl``) and then to the vendor's default.
SHARED_PER_VENDOR = ("access_ttl", "refresh_ttl", "single_use_refresh", "rotate_refresh_tokens")


class Option:
    """One option: its name (the marker keyword; ``bizauth_<name>`` in ini), how a value
    is read and checked, its default and its help text."""

    __slots__ = ("default", "help", "name", "parse")

    def __init__(
        self, name: str, parse: Callable[[object, str], Any], default: Any, help: str
    ) -> None:
        self.name, self.parse, self.default, self.help = name, parse, default, help

    @property
    def ini(self) -> str:
        return f"{MARKER}_{self.name}"

    def __repr__(self) -> str:
        return f"Option({self.name!r})"


@dataclass(frozen=True)
class VendorSpec:
    """One vendor, as the shared code sees it.

    ``name`` prefixes its fixtures (``<name>_mock``, ``<name>_tokens``,
    ``<name>_client``) and options (``<name>_access_ttl``). ``fake`` names the fake's
    class as ``"module:Class"``, imported on first use; each option's value is passed to
    it as the keyword argument of the option's name without the prefix. ``client``
    builds the ``<name>_client`` fixture's client from the fake and the leeway, and
    ``async_client`` the ``<name>_async_client`` fixture's. ``port`` is where
    ``bizauth serve`` serves the fake unless told otherwise.
    """

    name: str
    title: str
    fake: str
    options: tuple[Option, ...]
    client: Callable[[Any, float], Any] | None = None
    async_client: Callable[[Any, float], Any] | None = None
    hosts: tuple[str, ...] = ()
    docs: Mapping[str, str] = field(default_factory=dict)
    port: int = 0

    def option_names(self) -> Iterator[tuple[str, str]]:
        """``(option name, keyword argument)`` for each of the vendor's options."""
        prefix = f"{self.name}_"
        for option in self.options:
            yield option.name, option.name[len(prefix) :]

    def fake_class(self) -> type[FakeProvider]:
        found = _FAKE_CLASSES.get(self.fake)
        if found is None:
            module, _, name = self.fake.partition(":")
            found = _FAKE_CLASSES[self.fake] = getattr(importlib.import_module(module), name)
        return found


_REGISTRY: dict[str, VendorSpec] = {}
# Fake classes by their "module:Class", imported on first use.
_FAKE_CLASSES: dict[str, type[FakeProvider]] = {}


def register(spec: VendorSpec) -> VendorSpec:
    """Add a vendor: its fixtures and options exist from now on."""
    if not spec.name.isidentifier() or not spec.name.islower():
        raise ValueError(f"a vendor's name must be a lower-case identifier, not {spec.name!r}")
    prefix = f"{spec.name}_"
    for option in spec.options:
        if not option.name.startswith(prefix):
            raise ValueError(f"{spec.title}'s option {option.name!r} must start with {prefix!r}")
    known = _REGISTRY.get(spec.name)
    if known is not None and known != spec:
        raise ValueError(f"a vendor named {spec.name!r} is already registered")
    _REGISTRY[spec.name] = spec
    return spec


def registered() -> list[VendorSpec]:
    """The registered vendors, in registration order."""
    return list(_REGISTRY.values())
