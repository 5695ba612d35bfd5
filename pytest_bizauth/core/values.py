"""Checks for the values users give: seconds, instants, URLs."""

from __future__ import annotations

import datetime as _dt
from typing import Union

from ..clock import Instant, parse_instant, timestamp

__all__ = ["IssuedAt", "epoch", "http_url", "positive_seconds"]

IssuedAt = Union[Instant, int, float]


def positive_seconds(value: object, *, what: str) -> int:
    """A whole, positive number of seconds (a timedelta is accepted too)."""
    if isinstance(value, _dt.timedelta):
        value = value.total_seconds()
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
        raise TypeError(f"{what} must be a whole number of seconds, not {value!r}")
    if value <= 0:
        raise ValueError(f"{what} must be more than 0 seconds, not {value!r}")
    return int(value)


def epoch(value: IssuedAt | None) -> int:
    """Whole seconds since the epoch from an instant, epoch seconds, or ``None`` (now)."""
    if value is None:
        return int(timestamp())
    if isinstance(value, bool):
        raise TypeError("issued_at must be a datetime, an ISO 8601 string or epoch seconds")
    if isinstance(value, (int, float)):
        return int(value)
    return int(parse_instant(value, what="issued_at").timestamp())


def http_url(value: object, *, what: str) -> str:
    """An http(s) URL without its trailing slash."""
    if not isinstance(value, str) or not value.startswith(("http://", "https://")):
        raise ValueError(f"{what} must be an http(s) URL, not {value!r}")
    return value.rstrip("/")
