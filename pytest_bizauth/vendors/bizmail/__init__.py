"""BizMail Delivery: everything the package knows about this vendor lives here.

This module stays light (the plugin imports it at load): defaults and the spec. The
fake, token factory and client are imported on first use.
"""

from __future__ import annotations

from typing import Callable

from ...errors import UsageValueError
from ...extend import (
    Option,
    VendorSpec,
    parse_bool,
    parse_count,
    parse_url,
    per_vendor,
    register,
)
from .api import ACCESS_TTL, BASE_URL, HOSTS, REFRESH_TTL, SECRET

__all__ = ["ACCESS_TTL", "BASE_URL", "REFRESH_TTL", "SECRET", "SPEC"]


def _secret(value: object, name: str) -> str:
    from .tokens import check_hmac_secret

    return check_hmac_secret(value, what=name)


#: The options of this vendor, as the marker and the ini file take them.
def _one_of(*choices: str) -> Callable[[object, str], str]:
    def parse(value: object, name: str) -> str:
        if not isinstance(value, str) or value.strip() not in choices:
            allowed = " or ".join(map(repr, choices))
            raise UsageValueError(f"{name} must be {allowed}, not {value!r}")
        return value.strip()

    return parse


OPTIONS = (
    Option("bizmail_base_url", parse_url, BASE_URL, "where the BizMail fake listens"),
    Option("bizmail_secret", _secret, SECRET, "the HS256 secret BizMail tokens are signed with"),
    *per_vendor("bizmail", "BizMail", access_ttl=ACCESS_TTL, refresh_ttl=REFRESH_TTL),
    Option(
        "bizmail_accept_json_mail",
        parse_bool,
        False,
        "let mail/store take a JSON body too (the vendor documents multipart only)",
    ),
    Option("bizmail_webhook_url", parse_url, None, "where the BizMail fake sends every event"),
    Option(
        "bizmail_allow_failed_webhooks",
        parse_bool,
        False,
        "a webhook the receiver did not accept does not fail the test at teardown",
    ),
    Option(
        "bizmail_webhook_retries",
        parse_count,
        0,
        "times a refused webhook is sent again (invented: BizMail documents no retries)",
    ),
    Option(
        "bizmail_bounce_event",
        _one_of("bounced", "bounce"),
        "bounced",
        "the bounce event's name: bounced (the page's event table) or bounce (its example)",
    ),
    Option(
        "bizmail_webhook_time",
        _one_of("s", "ms"),
        "s",
        "the events' time in s (the page's example) or ms (its field table)",
    ),
)

SPEC = register(
    VendorSpec(
        name="bizmail",
        title="BizMail",
        fake="pytest_bizauth.vendors.bizmail.fake:FakeBizMail",
        options=OPTIONS,
        client=f"{__name__}.client:fixture_client",
        async_client=f"{__name__}.async_client:fixture_client",
        contract=f"{__name__}.contract:CONTRACT",
        hosts=HOSTS,
        port=8001,
        docs={
            "mock": "A stateful BizMail Delivery fake with one default user at ``.user``.",
            "tokens": "Mints tokens the BizMail fake accepts (same secret, user, lifetimes).",
            "client": "A real ``BizMailClient`` pointed at the BizMail fake as its default user.",
            "async_client": "An ``AsyncBizMailClient`` pointed at the BizMail fake as its "
            "default user; its httpx client is closed at teardown.",
        },
    )
)
