"""BizMail Delivery: everything the package knows about this vendor lives here.

This module stays light (the plugin imports it at load): defaults and the spec. The
fake, token factory and client are imported on first use.
"""

from __future__ import annotations

from ...extend import Option, VendorSpec, parse_bool, parse_url, per_vendor, register
from .api import ACCESS_TTL, BASE_URL, HOSTS, REFRESH_TTL, SECRET

__all__ = ["ACCESS_TTL", "BASE_URL", "REFRESH_TTL", "SECRET", "SPEC"]


def _secret(value: object, name: str) -> str:
    from .tokens import check_hmac_secret

    return check_hmac_secret(value, what=name)


#: The options of this vendor, as the marker and the ini file take them.
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
)

SPEC = register(
    VendorSpec(
        name="bizmail",
        title="BizMail",
        fake="pytest_bizauth.vendors.bizmail.fake:FakeBizMail",
        options=OPTIONS,
        client=f"{__name__}.client:fixture_client",
        async_client=f"{__name__}.async_client:fixture_client",
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
