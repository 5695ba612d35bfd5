"""The options a test sets with ``@pytest.mark.bizauth(...)`` or a project sets in ini.

An option given by the closest marker wins; markers further out (class, module) fill
in what it does not say; then the ini file; then the defaults.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    import datetime as _dt

    import pytest

__all__ = ["OPTIONS", "Settings", "resolve"]

MARKER = "bizauth"


def _bool(value: object, name: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("1", "true", "yes", "on"):
        return True
    if isinstance(value, str) and value.strip().lower() in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{name} must be true or false, not {value!r}")


def _seconds(value: object, name: str) -> int:
    from .tokens import positive_seconds

    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    return positive_seconds(value, what=name)


def _leeway(value: object, name: str) -> float:
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise ValueError(f"{name} must be a number of seconds, not {value!r}") from None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ValueError(f"{name} must be a number of seconds, 0 or more, not {value!r}")
    return float(value)


def _instant(value: object, name: str) -> _dt.datetime:
    from .clock import parse_instant

    return parse_instant(value, what=name)  # type: ignore[arg-type]


def _url(value: object, name: str) -> str:
    if not isinstance(value, str) or not value.startswith(("http://", "https://")):
        raise ValueError(f"{name} must be an http(s) URL, not {value!r}")
    return value.rstrip("/")


def _text(value: object, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{name} must be a non-empty string, not {value!r}")
    return value.strip()


def _client_error(value: object, name: str) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 400 <= value <= 499:
        raise ValueError(f"{name} must be a 4xx HTTP status, not {value!r}")
    return value


def _pem_path(value: object, name: str) -> Any:
    from pathlib import Path

    from .keys import load_signing_key

    if not isinstance(value, (str, Path)) or not Path(value).is_file():
        raise ValueError(f"{name} must be the path of a PEM file with an RSA key, not {value!r}")
    return load_signing_key(str(Path(value).resolve()))


def _secret(value: object, name: str) -> str:
    from .tokens import check_hmac_secret

    return check_hmac_secret(value, what=name)


class Option:
    __slots__ = ("default", "help", "name", "parse")

    def __init__(
        self, name: str, parse: Callable[[object, str], Any], default: Any, help: str
    ) -> None:
        self.name, self.parse, self.default, self.help = name, parse, default, help

    @property
    def ini(self) -> str:
        return f"{MARKER}_{self.name}"


OPTIONS: dict[str, Option] = {
    option.name: option
    for option in (
        Option("start", _instant, None, "the instant bizauth_clock starts at (ISO 8601)"),
        Option("leeway", _leeway, 60.0, "seconds before expiry at which the clients renew"),
        Option(
            "check_unmatched",
            _bool,
            True,
            "fail a test whose requests to a fake matched no endpoint",
        ),
        Option("check_faults", _bool, True, "fail a test whose injected faults never fired"),
        Option(
            "check_retries",
            _bool,
            False,
            "fail a test whose code got a 401 for an expired token and never renewed it "
            "and retried",
        ),
        Option(
            "rotate_refresh_tokens",
            _bool,
            None,
            "a refresh answers a new refresh token (every fake; off: the same one)",
        ),
        Option("bizmail_rotate_refresh_tokens", _bool, None, "the same, BizMail only"),
        Option("bill24_rotate_refresh_tokens", _bool, None, "the same, Bill24 only"),
        Option(
            "access_ttl",
            _seconds,
            None,
            "access-token lifetime in seconds for every fake (vendor default when unset)",
        ),
        Option(
            "refresh_ttl",
            _seconds,
            None,
            "refresh-token lifetime in seconds for every fake (vendor default when unset)",
        ),
        Option("single_use_refresh", _bool, False, "refresh tokens can be used once (every fake)"),
        Option(
            "bizmail_base_url", _url, "https://smtp-api.bizfly.vn", "where the BizMail fake listens"
        ),
        Option("bizmail_secret", _secret, None, "the HS256 secret BizMail tokens are signed with"),
        Option(
            "bizmail_access_ttl",
            _seconds,
            None,
            "BizMail access-token lifetime (default 86400)",
        ),
        Option(
            "bizmail_refresh_ttl",
            _seconds,
            None,
            "BizMail refresh-token lifetime (default 7776000)",
        ),
        Option(
            "bizmail_single_use_refresh", _bool, None, "BizMail refresh tokens can be used once"
        ),
        Option(
            "bill24_base_url",
            _url,
            "https://merchantapi-demo.bill24.io",
            "where the Bill24 fake listens",
        ),
        Option("bill24_issuer", _text, "http://dc.oone.bz:40011", "the iss of Bill24 tokens"),
        Option("bill24_access_ttl", _seconds, None, "Bill24 access-token lifetime (default 21600)"),
        Option(
            "bill24_refresh_ttl",
            _seconds,
            None,
            "Bill24 refresh-token lifetime (default 2592000, invented)",
        ),
        Option("bill24_single_use_refresh", _bool, None, "Bill24 refresh tokens can be used once"),
        Option(
            "bill24_error_status",
            _client_error,
            401,
            "the status of Bill24's (undocumented) authorize errors",
        ),
        Option(
            "bill24_schema_spelling",
            _bool,
            False,
            "answer 'passwordNeverExprie' as the seed's schema spells it",
        ),
        Option(
            "bill24_signing_key",
            _pem_path,
            None,
            "a PEM file with the RSA key Bill24 tokens are signed with",
        ),
    )
}


class Settings:
    """The resolved options of one test."""

    def __init__(self, values: dict[str, Any]) -> None:
        self._values = values

    def __getitem__(self, name: str) -> Any:
        return self._values[name]

    def vendor(self, prefix: str, name: str, fallback: Any) -> Any:
        """A vendor's option (``bizmail_access_ttl``), else the shared one, else ``fallback``."""
        for key in (f"{prefix}_{name}", name):
            value = self._values.get(key)
            if value is not None:
                return value
        return fallback


def _unknown(name: str) -> str:
    import difflib

    close = difflib.get_close_matches(name, OPTIONS, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    return f"@pytest.mark.{MARKER}() has no option {name!r}.{hint} Options: {', '.join(OPTIONS)}"


def resolve(item: pytest.Item, config: pytest.Config) -> Settings:
    """Merge markers (closest first), ini and defaults, validating every value."""
    raw: dict[str, tuple[object, str]] = {}
    for marker in item.iter_markers(MARKER):
        if marker.args:
            raise ValueError(
                f"@pytest.mark.{MARKER}() takes keyword options only, e.g. "
                f"@pytest.mark.{MARKER}(access_ttl=60); got positional {marker.args!r}"
            )
        for name, value in marker.kwargs.items():
            if name not in OPTIONS:
                raise ValueError(_unknown(name))
            raw.setdefault(name, (value, f"@pytest.mark.{MARKER}({name}=...)"))
    values: dict[str, Any] = {}
    for name, option in OPTIONS.items():
        if name in raw:
            value, where = raw[name]
        else:
            ini = config.getini(option.ini)
            if not ini:
                values[name] = option.default
                continue
            value, where = ini, f"ini option {option.ini}"
        values[name] = option.parse(value, where)
    return Settings(values)
