"""BizMail Delivery's settings: every option of its fake, written once.

This module stays light (the plugin imports it at load to declare the options).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ...core.settings import VendorSettings, option
from ...errors import UsageValueError
from ...extend import parse_bool, parse_count, parse_seconds, parse_timeout, parse_url
from .accounts import DEFAULT_USER, BizMailUser
from .api import ACCESS_TTL, BASE_URL, REFRESH_TTL, SECRET

__all__ = ["BizMailSettings"]


def _secret(value: object, name: str) -> str:
    from .tokens import check_hmac_secret

    return check_hmac_secret(value, what=name)


def _one_of(*choices: str) -> Callable[[object, str], str]:
    def parse(value: object, name: str) -> str:
        if not isinstance(value, str) or value.strip() not in choices:
            allowed = " or ".join(map(repr, choices))
            raise UsageValueError(f"{name} must be {allowed}, not {value!r}")
        return value.strip()

    return parse


@dataclass(frozen=True)
class BizMailSettings(VendorSettings):
    """How a :class:`FakeBizMail` behaves: where it listens, how it signs, how long its
    tokens live, how refresh tokens are spent, what ``mail/store`` takes, and its
    webhooks. Each field but ``user`` is also the option ``bizmail_<field>``."""

    base_url: str = option(BASE_URL, parse_url, "where the BizMail fake listens")
    secret: str = option(SECRET, _secret, "the HS256 secret BizMail tokens are signed with")
    access_ttl: int = option(
        ACCESS_TTL,
        parse_seconds,
        f"BizMail access-token lifetime in whole seconds (default {ACCESS_TTL})",
    )
    refresh_ttl: int = option(
        REFRESH_TTL,
        parse_seconds,
        f"BizMail refresh-token lifetime in whole seconds (default {REFRESH_TTL})",
    )
    single_use_refresh: bool = option(False, parse_bool, "BizMail refresh tokens can be used once")
    rotate_refresh_tokens: bool = option(
        True, parse_bool, "a BizMail refresh answers a new refresh token (off: the same one)"
    )
    accept_json_mail: bool = option(
        False,
        parse_bool,
        "let mail/store take a JSON body too (the vendor documents multipart only)",
    )
    webhook_url: str | None = option(None, parse_url, "where the BizMail fake sends every event")
    allow_failed_webhooks: bool = option(
        False,
        parse_bool,
        "a webhook the receiver did not accept does not fail the test at teardown",
    )
    webhook_retries: int = option(
        0,
        parse_count,
        "times a refused webhook is sent again (invented: BizMail documents no retries)",
    )
    webhook_timeout: float = option(
        10.0,
        parse_timeout,
        "real seconds a whole event delivery may take: connecting, sending, the answer "
        "(read up to 1 MiB); past it, the delivery is refused (default 10)",
    )
    bounce_event: str = option(
        "bounced",
        _one_of("bounced", "bounce"),
        "the bounce event's name: bounced (the page's event table) or bounce (its example)",
    )
    webhook_time: str = option(
        "s",
        _one_of("s", "ms"),
        "the events' time in s (the page's example) or ms (its field table)",
    )
    user: BizMailUser = DEFAULT_USER
