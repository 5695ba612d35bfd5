"""The options a test sets with ``@pytest.mark.bizauth(...)`` or a project sets in ini.

An option given by the closest marker wins; markers further out (class, module) fill
in what it does not say; then the ini file; then the defaults. The table holds the
shared options and every registered vendor's own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Literal

from ..errors import UsageValueError
from ..extend import (
    MARKER,
    SHARED_PER_VENDOR,
    Option,
    parse_bool,
    parse_count,
    parse_instant,
    parse_leeway,
    parse_seconds,
    parse_timeout,
    registered,
)

if TYPE_CHECKING:
    from collections.abc import Iterable

    import pytest

    from ..core.settings import VendorSettings
    from ..extend import VendorSpec

#: The documentation of every option.
CONFIGURATION_URL = "https://pytest-bizauth.readthedocs.io/en/latest/configuration/"

__all__ = [
    "CONFIGURATION_URL",
    "MARKER",
    "Option",
    "Settings",
    "options",
    "resolve",
    "settle",
]


def parse_backend(value: object, name: str) -> str:
    from ..clock.freezing import BACKENDS

    if not isinstance(value, str) or value.strip() not in BACKENDS:
        raise UsageValueError(f"{name} must be one of {', '.join(BACKENDS)}, not {value!r}")
    return value.strip()


def parse_loop_time(value: object, name: str) -> str:
    from ..clock.loops import check_loop_time

    return check_loop_time(value, name)


_SHARED = (
    Option(
        "start",
        parse_instant,
        None,
        "the instant bizauth_clock starts at, ISO 8601 with a zone (2025-01-01T00:00:00Z)",
    ),
    Option(
        "clock_backend",
        parse_backend,
        "freezegun",
        "what bizauth_clock freezes time with: freezegun (the default) or time-machine "
        "(installed separately; costs the same whatever the number of loaded modules)",
    ),
    Option(
        "loop_time",
        parse_loop_time,
        "real",
        "what asyncio's event loops read as their time under bizauth_clock: real (the "
        "default), follow (timers due after a move fire) or jump (an idle loop jumps to "
        "its next timer and moves the clock)",
    ),
    Option(
        "leeway",
        parse_leeway,
        60.0,
        "seconds (a number, 0 or more) before expiry at which the clients renew (default 60)",
    ),
    Option(
        "check_unmatched",
        parse_bool,
        True,
        "fail a test whose requests to a fake matched no endpoint",
    ),
    Option("check_faults", parse_bool, True, "fail a test whose injected faults never fired"),
    Option(
        "check_retries",
        parse_bool,
        False,
        "fail a test whose code got a 401 for an expired token and never renewed it and retried",
    ),
    Option(
        "max_calls",
        parse_count,
        10_000,
        "how many calls each fake's call log keeps, the latest (0: every call; the "
        "assertions count every call either way)",
    ),
    Option(
        "guard",
        parse_bool,
        True,
        "while a fake is active, refuse to resolve its vendor's real hosts",
    ),
    Option(
        "rotate_refresh_tokens",
        parse_bool,
        None,
        "a refresh answers a new refresh token (every fake; off: the same one)",
    ),
    Option(
        "access_ttl",
        parse_seconds,
        None,
        "access-token lifetime for every fake, in whole seconds (each vendor's when unset)",
    ),
    Option(
        "refresh_ttl",
        parse_seconds,
        None,
        "refresh-token lifetime for every fake, in whole seconds (each vendor's when unset)",
    ),
    Option(
        "webhook_timeout",
        parse_timeout,
        None,
        "real seconds a whole webhook delivery may take, for every fake (default 10)",
    ),
    Option(
        "single_use_refresh",
        parse_bool,
        None,
        "refresh tokens can be used once (every fake; default off)",
    ),
)


def options() -> dict[str, Option]:
    """Every option: the shared ones, then each registered vendor's."""
    table = {option.name: option for option in _SHARED}
    for spec in registered():
        table.update((option.name, option) for option in spec.options)
    return table


class Settings:
    """The resolved options of one test (of every test with the same markers): the
    shared ones by name, and each vendor's settings objects, made on first use."""

    def __init__(self, values: dict[str, Any], given: set[str]) -> None:
        self._values = values
        self._given = given
        self._vendors: dict[str, tuple[Any, dict[str, object]]] = {}

    def __getitem__(self, name: str) -> Any:
        return self._values[name]

    def for_vendor(self, spec: VendorSpec) -> Any:
        """The vendor's settings object: its own option where given, else the shared one
        where given (``access_ttl`` for ``<vendor>_access_ttl``), else the default."""
        return self._of(spec)[0]

    def for_client(self, spec: VendorSpec) -> dict[str, object]:
        """The keyword arguments of the vendor's fixture clients (its client settings)."""
        return self._of(spec)[1]

    def _of(self, spec: VendorSpec) -> tuple[Any, dict[str, object]]:
        found = self._vendors.get(spec.name)
        if found is None:
            fake = spec.settings(**self._fields(spec, spec.settings))
            client = self._fields(spec, spec.client_settings) if spec.client_settings else {}
            found = self._vendors[spec.name] = (fake, client)
        return found

    def _fields(self, spec: VendorSpec, kind: type[VendorSettings]) -> dict[str, object]:
        from ..core.settings import option_fields

        fields: dict[str, object] = {}
        for option in option_fields(kind):
            name = f"{spec.name}_{option.name}"
            if name not in self._given and option.name in SHARED_PER_VENDOR:
                if option.name in self._given:
                    fields[option.name] = self._values[option.name]
            elif name in self._given:
                fields[option.name] = self._values[name]
        return fields


def _unknown(name: str, table: dict[str, Option]) -> str:
    import difflib

    close = difflib.get_close_matches(name, table, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    return f"@pytest.mark.{MARKER}() has no option {name!r}.{hint} Options: {', '.join(table)}"


def ini_type(option: Option) -> Literal["bool", "string"]:
    """How pytest reads the option from ini: booleans as ``bool``, the rest as
    strings that the option's own parser checks."""
    return "bool" if option.parse is parse_bool else "string"


def unknown_ini(config: pytest.Config) -> list[str]:
    """Messages for ``bizauth_*`` ini keys that name no option (a misspelling)."""
    import difflib

    from .._compat import ini_keys
    from .remote import SERVE_INI
    from .summary import SESSION_INI

    known = {option.ini for option in options().values()} | set(SESSION_INI) | set(SERVE_INI)
    problems = []
    for key in ini_keys(config):
        if key.startswith(f"{MARKER}_") and key not in known:
            close = difflib.get_close_matches(key, known, n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            problems.append(f"the ini file sets {key}, which is no pytest-bizauth option{hint}")
    return problems


def resolve(markers: Iterable[pytest.Mark], config: pytest.Config) -> Settings:
    """Merge markers (closest first), ini and defaults, validating every value."""
    table = options()
    raw: dict[str, tuple[object, str]] = {}
    for marker in markers:
        if marker.args:
            raise UsageValueError(
                f"@pytest.mark.{MARKER}() takes keyword options only, e.g. "
                f"@pytest.mark.{MARKER}(access_ttl=60); got positional {marker.args!r}"
            )
        for name, value in marker.kwargs.items():
            if name not in table:
                raise UsageValueError(_unknown(name, table))
            raw.setdefault(name, (value, f"@pytest.mark.{MARKER}({name}=...)"))

    def from_ini(option: Option) -> tuple[object, str]:
        try:
            value = config.getini(option.ini)
        except ValueError:  # a vendor registered after pytest read its ini options
            value = None
        return value, f"ini option {option.ini}"

    return settle(raw, from_ini)


def settle(
    raw: dict[str, tuple[object, str]],
    fallback: Callable[[Option], tuple[object, str]] | None = None,
) -> Settings:
    """Settings from given values (by option name: the value and where it was given),
    then ``fallback`` (an ini file), then the defaults; every value parsed and checked."""
    values: dict[str, Any] = {}
    given: set[str] = set()
    for name, option in options().items():
        if name in raw:
            value, where = raw[name]
        else:
            value, where = fallback(option) if fallback else (None, "")
            if value is None or value == "" or value == []:  # not set
                values[name] = option.default
                continue
        values[name] = option.parse(value, where)
        given.add(name)
    return Settings(values, given)
