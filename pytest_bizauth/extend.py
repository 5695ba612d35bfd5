"""The public way to define a vendor: its spec, its options and what its fake and
clients are built from.

A vendor is a :class:`VendorSpec` (its name, fake, options, clients, real hosts) and a
fake subclassing :class:`FakeProvider` whose rules raise :class:`Refusal` or return a
:class:`Reply`. ``pytest_bizauth.plugin.install_vendor(SPEC, globals())`` in a
``conftest.py`` gives it every fixture, option, fault, assertion and transport the
built-in vendors have. The built-in vendors are defined with this module only.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Callable

from ._lazy import lazy_exports
from .errors import UsageValueError

if TYPE_CHECKING:
    import datetime as _dt
    from collections.abc import Mapping

    # What a fake and a client are built from, offered here (imported on first use, so
    # that defining a vendor's spec costs no more than this module).
    from .client.asynchronous import AsyncClient as AsyncClient
    from .client.flow import AuthFlow as AuthFlow, RefreshRejected as RefreshRejected, Send as Send
    from .client.methods import awaited as awaited, driven as driven
    from .client.reading import read_json as read_json, received as received
    from .client.sync import SyncClient as SyncClient
    from .clock import now as now, timestamp as timestamp
    from .core.accounts import account_data as account_data, account_fields as account_fields
    from .core.attributes import Setting as Setting
    from .core.call import Call as Call
    from .core.fake import FakeProvider as FakeProvider
    from .core.routes import Route as Route
    from .core.settings import (
        VendorSettings as VendorSettings,
        option as option,
        settings_of as settings_of,
    )
    from .core.wire import (
        FakeRequest as FakeRequest,
        Refusal as Refusal,
        Reply as Reply,
    )

__getattr__, __dir__ = lazy_exports(
    globals(),
    own=(
        "MARKER",
        "SHARED_PER_VENDOR",
        "Option",
        "VendorSpec",
        "parse_bool",
        "parse_client_error",
        "parse_count",
        "parse_instant",
        "parse_leeway",
        "parse_seconds",
        "parse_text",
        "parse_timeout",
        "parse_url",
        "register",
        "registered",
    ),
)


#: The marker's name, and the prefix of every ini option.
MARKER = "bizauth"

#: Options every vendor has under its own prefix, which fall back to the unprefixed
#: option (``bizauth_access_ttl``) and then to the vendor's default.
SHARED_PER_VENDOR = (
    "access_ttl",
    "refresh_ttl",
    "single_use_refresh",
    "rotate_refresh_tokens",
    "webhook_timeout",
)


class Option:
    """One option: its name (the marker keyword; ``bizauth_<name>`` in ini), how a value
    is read and checked, its default and its help text."""

    __slots__ = ("default", "help", "name", "parse")

    def __init__(
        self, name: str, parse: Callable[[object, str], Any], default: object, help: str
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
    class as ``"module:Class"``, imported on first use; it is built from one
    ``settings`` object, of the vendor's settings dataclass (a :class:`VendorSettings`
    whose :func:`option` fields are the vendor's options). ``client`` builds the
    ``<name>_client`` fixture's client as ``client(fake, leeway, **client_settings)``
    (the fields of ``client_settings``, a settings dataclass of options the fake never
    sees), and ``async_client`` the ``<name>_async_client`` fixture's: each a function,
    or its ``"module:function"``, imported on first use. ``port`` is where ``bizauth
    serve`` serves the fake unless told otherwise.
    """

    name: str
    title: str
    fake: str
    settings: type[VendorSettings]
    client: Callable[..., object] | str | None = None
    async_client: Callable[..., object] | str | None = None
    hosts: tuple[str, ...] = ()
    docs: Mapping[str, str] = field(default_factory=dict)
    port: int = 0
    #: What ``bizauth check`` runs against a server: a ``"module:attribute"`` naming a
    #: :class:`~pytest_bizauth.check.probes.Contract`, imported on first use.
    contract: str | None = None
    #: The scenarios a suite may exercise against the fake: a ``"module:attribute"``
    #: naming a tuple of :class:`~pytest_bizauth.core.scenarios.Scenario`, imported on
    #: first use (none when not given).
    scenarios: str | None = None
    #: The settings of the fixtures' clients, when they have any.
    client_settings: type[VendorSettings] | None = None

    @cached_property
    def options(self) -> tuple[Option, ...]:
        """The vendor's options: the fields of its settings and client settings that
        are options, each as ``<name>_<field>``."""
        from .core.settings import option_fields

        kinds = [self.settings] + ([self.client_settings] if self.client_settings else [])
        return tuple(
            Option(f"{self.name}_{f.name}", f.parse, f.default, f.help)
            for kind in kinds
            for f in option_fields(kind)
        )

    def fake_class(self) -> type[FakeProvider]:
        found: type[FakeProvider] = _imported(self.fake)
        return found

    def contract_of(self) -> Any:
        """The vendor's contract for ``bizauth check``, or ``None``."""
        return None if self.contract is None else _imported(self.contract)

    def scenario_catalogue(self) -> tuple[Any, ...]:
        """The vendor's scenarios (see :mod:`pytest_bizauth.core.scenarios`)."""
        return () if self.scenarios is None else tuple(_imported(self.scenarios))

    def client_builder(self, *, asynchronous: bool = False) -> Callable[..., Any] | None:
        """What builds the fixture's client (the async one's), or ``None``."""
        builder = self.async_client if asynchronous else self.client
        found: Callable[..., Any] | None = (
            _imported(builder) if isinstance(builder, str) else builder
        )
        return found


_REGISTRY: dict[str, VendorSpec] = {}
# What a spec names as "module:attribute", imported on first use.
_IMPORTED: dict[str, Any] = {}


def _imported(reference: str) -> Any:
    found = _IMPORTED.get(reference)
    if found is None:
        module, _, name = reference.partition(":")
        found = _IMPORTED[reference] = getattr(importlib.import_module(module), name)
    return found


def register(spec: VendorSpec) -> VendorSpec:
    """Add a vendor: its fixtures and options exist from now on."""
    if not spec.name.isidentifier() or not spec.name.islower():
        raise UsageValueError(f"a vendor's name must be a lower-case identifier, not {spec.name!r}")
    known = _REGISTRY.get(spec.name)
    if known is not None and known != spec:
        raise UsageValueError(f"a vendor named {spec.name!r} is already registered")
    _REGISTRY[spec.name] = spec
    return spec


def registered() -> list[VendorSpec]:
    """The registered vendors, in registration order."""
    return list(_REGISTRY.values())


def parse_bool(value: object, name: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("1", "true", "yes", "on"):
        return True
    if isinstance(value, str) and value.strip().lower() in ("0", "false", "no", "off"):
        return False
    raise UsageValueError(f"{name} must be true or false, not {value!r}")


def parse_seconds(value: object, name: str) -> int:
    from .core.values import positive_seconds

    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    return positive_seconds(value, what=name)


def parse_leeway(value: object, name: str) -> float:
    import math

    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise UsageValueError(f"{name} must be a number of seconds, not {value!r}") from None
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value < 0
    ):
        raise UsageValueError(
            f"{name} must be a finite number of seconds, 0 or more, not {value!r}"
        )
    return float(value)


def parse_instant(value: object, name: str) -> _dt.datetime:
    from .clock import check_start, parse_instant

    return check_start(parse_instant(value, what=name), name)


def parse_timeout(value: object, name: str) -> float:
    """Real seconds to wait, more than 0 and at most an hour."""
    seconds = parse_leeway(value, name)
    if not 0 < seconds <= 3600:
        raise UsageValueError(f"{name} must be more than 0 and at most 3600 seconds, not {value!r}")
    return seconds


def parse_count(value: object, name: str) -> int:
    """A whole number, 0 or more (seconds, retries)."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise UsageValueError(f"{name} must be a whole number, 0 or more, not {value!r}")
    return value


def parse_url(value: object, name: str) -> str:
    from .core.values import http_url

    return http_url(value, what=name)


def parse_text(value: object, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise UsageValueError(f"{name} must be a non-empty string, not {value!r}")
    return value.strip()


def parse_client_error(value: object, name: str) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 400 <= value <= 499:
        raise UsageValueError(f"{name} must be a 4xx HTTP status, not {value!r}")
    return value
