"""Bill24's merchant API: everything the package knows about this vendor lives here.

This module stays light (the plugin imports it at load): defaults and the spec. The
fake, keys, token factory and client are imported on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...errors import UsageValueError
from ...extend import (
    Option,
    VendorSpec,
    parse_bool,
    parse_client_error,
    parse_count,
    parse_text,
    parse_url,
    per_vendor,
    register,
)
from .api import ACCESS_TTL, BASE_URL, HOSTS, ISSUER, MERCHANT_ISSUER, REFRESH_TTL

if TYPE_CHECKING:
    from .keys import SigningKey

__all__ = ["ACCESS_TTL", "BASE_URL", "ISSUER", "REFRESH_TTL", "SPEC"]


def _pem_path(value: object, name: str) -> SigningKey:
    from pathlib import Path

    from .keys import load_signing_key

    if not isinstance(value, (str, Path)) or not Path(value).is_file():
        raise UsageValueError(
            f"{name} must be the path of a PEM file with an RSA key, not {value!r}"
        )
    try:
        return load_signing_key(str(Path(value).resolve()))
    except (TypeError, ValueError) as exc:
        problem = str(exc).split(", not <")[0]  # no object reprs in the message
        raise UsageValueError(
            f"{name} must name a PEM file with an RSA private key: {problem}"
        ) from None


def _product(value: object, name: str) -> str:
    from .products import product_named

    return product_named(value, name).name


def _login(value: object, name: str) -> str:
    if not isinstance(value, str) or value.strip().lower() not in ("portal", "merchant"):
        raise UsageValueError(f"{name} must be 'portal' or 'merchant', not {value!r}")
    return value.strip().lower()


def _static_token(value: object, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise UsageValueError(
            f"{name} must be a non-empty string (the token, as your code sends it)"
        )
    return value.strip()


#: The options of this vendor, as the marker and the ini file take them.
OPTIONS = (
    Option("bill24_base_url", parse_url, BASE_URL, "where the Bill24 fake listens"),
    Option(
        "bill24_issuer",
        parse_text,
        ISSUER,
        "the issuer (iss claim) of portal users' tokens (/security/authorize)",
    ),
    Option(
        "bill24_merchant_issuer",
        parse_text,
        MERCHANT_ISSUER,
        "the issuer (iss claim) of merchants' tokens (/merchantsecurity/authorize)",
    ),
    Option(
        "bill24_login",
        _login,
        "portal",
        "how the bill24_client fixtures log in: portal (/security/authorize, the default) "
        "or merchant (/merchantsecurity/authorize)",
    ),
    Option(
        "bill24_bearer_clock_skew",
        parse_count,
        0,
        "seconds past exp a bearer token is still taken (inferred: ASP.NET Core's default "
        "is 300; 0 keeps tests strict)",
    ),
    Option(
        "bill24_webhook_url",
        parse_url,
        None,
        "where the Bill24 fake sends payment webhooks (a URL)",
    ),
    Option(
        "bill24_allow_failed_webhooks",
        parse_bool,
        False,
        "a webhook the merchant did not accept does not fail the test at teardown",
    ),
    Option(
        "bill24_webhook_retries",
        parse_count,
        0,
        "times a refused webhook is sent again (invented: Bill24 documents no retries)",
    ),
    *per_vendor(
        "bill24",
        "Bill24",
        access_ttl=ACCESS_TTL,
        refresh_ttl=REFRESH_TTL,
        refresh_ttl_note=", invented",
    ),
    Option(
        "bill24_error_status",
        parse_client_error,
        401,
        "the HTTP status (4xx) of Bill24's authorize errors (Bill24 documents none)",
    ),
    Option(
        "bill24_schema_spelling",
        parse_bool,
        False,
        "spell the authorize answer's field 'passwordNeverExprie', as Bill24's schema does "
        "(its examples: 'passwordNeverExpire')",
    ),
    Option(
        "bill24_product",
        _product,
        "checkout",
        "the product whose schema init and verify check: checkout or khqr",
    ),
    Option(
        "bill24_static_token",
        _static_token,
        None,
        "a static API token init and verify also take as 'token: <value>'",
    ),
    Option(
        "bill24_signing_key",
        _pem_path,
        None,
        "a PEM file with the RSA key Bill24 tokens are signed with",
    ),
)

SPEC = register(
    VendorSpec(
        hosts=HOSTS,
        port=8002,
        name="bill24",
        title="Bill24",
        fake="pytest_bizauth.vendors.bill24.fake:FakeBill24",
        options=OPTIONS,
        docs={
            "mock": "A stateful Bill24 fake with a portal user at ``.user`` and a merchant "
            "at ``.merchant``.",
            "tokens": "Mints tokens the Bill24 fake accepts (same key, issuer, accounts, "
            "lifetime).",
            "client": "A real ``Bill24Client`` pointed at the Bill24 fake as its default "
            "portal user.",
            "async_client": "An ``AsyncBill24Client`` pointed at the Bill24 fake as its "
            "default portal user; its httpx client is closed at teardown.",
        },
        client=f"{__name__}.client:fixture_client",
        async_client=f"{__name__}.async_client:fixture_client",
        contract=f"{__name__}.contract:CONTRACT",
    )
)
