"""Checks for the values users give: seconds, instants, URLs."""

from __future__ import annotations

import datetime as _dt
import functools
import math
from typing import Union

from ..clock import Instant, parse_instant, timestamp
from ..errors import UsageTypeError, UsageValueError

__all__ = ["IssuedAt", "check_times", "epoch", "http_url", "positive_seconds"]

IssuedAt = Union[Instant, int, float]


#: The longest lifetime a fake may give a token: a hundred years.
MAX_SECONDS = 100 * 365 * 86_400


def positive_seconds(value: object, *, what: str) -> int:
    """A whole, positive number of seconds, at most a hundred years (a timedelta is
    accepted too)."""
    if isinstance(value, _dt.timedelta):
        value = value.total_seconds()
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value != int(value)
    ):
        raise UsageTypeError(f"{what} must be a whole number of seconds, not {value!r}")
    if not 0 < value <= MAX_SECONDS:
        raise UsageValueError(
            f"{what} must be more than 0 seconds and at most {MAX_SECONDS} (a hundred "
            f"years), not {value!r}"
        )
    return int(value)


def epoch(value: IssuedAt | None) -> int:
    """Whole seconds since the epoch from an instant, epoch seconds, or ``None`` (now)."""
    if value is None:
        return int(timestamp())
    if isinstance(value, bool):
        raise UsageTypeError("issued_at must be a datetime, an ISO 8601 string or epoch seconds")
    if isinstance(value, (int, float)):
        return int(value)
    return int(parse_instant(value, what="issued_at").timestamp())


def http_url(value: object, *, what: str) -> str:
    """An http(s) URL with a host, without its trailing slash."""
    if type(value) is str:
        return _http_url(value, what)  # every fake checks the same few URLs
    return _http_url_uncached(value, what)


@functools.lru_cache(maxsize=64)
def _http_url(value: str, what: str) -> str:
    return _http_url_uncached(value, what)


def _http_url_uncached(value: object, what: str) -> str:
    from urllib.parse import urlsplit

    if not isinstance(value, str) or not value.startswith(("http://", "https://")):
        raise UsageValueError(
            f"{what} must be an http(s) URL such as https://api.example.com, not {value!r}"
        )
    try:
        host = urlsplit(value).hostname
    except ValueError:
        host = None
    if not host or any(c.isspace() for c in value):
        raise UsageValueError(
            f"{what} must be an http(s) URL with a host, such as "
            f"https://api.example.com, not {value!r}"
        )
    return value.rstrip("/")


def check_times(times: object) -> None:
    """An assertion's ``times``: a whole number, 0 or more, or ``None`` (at least once)."""
    if times is not None and (isinstance(times, bool) or not isinstance(times, int) or times < 0):
        raise UsageValueError(f"times must be a whole number, 0 or more, or None, not {times!r}")
