"""Bill24's settings: every option of its fake and its clients, written once.

This module stays light (the plugin imports it at load to declare the options).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ...core.settings import VendorSettings, option
from ...errors import UsageValueError
from ...extend import (
    parse_bool,
    parse_client_error,
    parse_count,
    parse_leeway,
    parse_seconds,
    parse_text,
    parse_timeout,
    parse_url,
)
from .accounts import DEFAULT_MERCHANT, DEFAULT_USER, Bill24Merchant, Bill24User
from .api import ACCESS_TTL, BASE_URL, ISSUER, MERCHANT_ISSUER, REFRESH_TTL

if TYPE_CHECKING:
    from .keys import SigningKey

__all__ = ["LOGINS", "MAX_RETRIES", "Bill24ClientSettings", "Bill24Settings", "fee_of"]

#: How the ``bill24_client`` fixtures may log in.
LOGINS = ("portal", "merchant")
#: Documented: after a failed webhook post, Bill24 makes up to 5 retry attempts.
MAX_RETRIES = 5


def _signing_key(value: object, name: str) -> SigningKey:
    from pathlib import Path

    from .keys import SigningKey, load_signing_key

    if isinstance(value, SigningKey):
        return value
    if not isinstance(value, (str, Path)) or not Path(value).is_file():
        raise UsageValueError(
            f"{name} must be a SigningKey or the path of a PEM file with an RSA key, not {value!r}"
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


def _retries(value: object, name: str) -> int:
    count = parse_count(value, name)
    if count > MAX_RETRIES:
        raise UsageValueError(
            f"{name} must be 0 to {MAX_RETRIES}: Bill24 documents up to {MAX_RETRIES} retry "
            f"attempts, not {value!r}"
        )
    return count


def _fee(value: object, name: str) -> str:
    text = str(value).strip() if isinstance(value, (str, int, float)) else ""
    number = text[:-1] if text.endswith("%") else text
    try:
        ok = not isinstance(value, bool) and 0 <= float(number) < float("inf")
    except ValueError:
        ok = False
    if not ok or (text.endswith("%") and float(number) > 100):
        raise UsageValueError(
            f"{name} must be an amount such as 800, or a percentage such as 8%, not {value!r}"
        )
    return text


def _duplicates(value: object, name: str) -> str:
    if value not in ("refuse", "allow"):
        raise UsageValueError(f"{name} must be 'refuse' or 'allow', not {value!r}")
    return str(value)


def _login(value: object, name: str) -> str:
    if not isinstance(value, str) or value.strip().lower() not in LOGINS:
        raise UsageValueError(f"{name} must be 'portal' or 'merchant', not {value!r}")
    return value.strip().lower()


def _static_token(value: object, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise UsageValueError(
            f"{name} must be a non-empty string (the token, as your code sends it)"
        )
    return value.strip()


@dataclass(frozen=True)
class Bill24Settings(VendorSettings):
    """How a :class:`FakeBill24` behaves: where it listens, its key and issuer, token
    lifetimes, how refresh tokens are spent, the status of its authorize errors, the
    product whose schema it checks, a static API token, webhooks, and its default
    accounts. Each field but the accounts is also the option ``bill24_<field>``."""

    base_url: str = option(BASE_URL, parse_url, "where the Bill24 fake listens")
    issuer: str = option(
        ISSUER, parse_text, "the issuer (iss claim) of portal users' tokens (/security/authorize)"
    )
    merchant_issuer: str = option(
        MERCHANT_ISSUER,
        parse_text,
        "the issuer (iss claim) of merchants' tokens (/merchantsecurity/authorize)",
    )
    bearer_clock_skew: int = option(
        0,
        parse_count,
        "seconds past exp a bearer token is still taken (inferred: ASP.NET Core's default "
        "is 300; 0 keeps tests strict)",
    )
    webhook_url: str | None = option(
        None, parse_url, "where the Bill24 fake sends payment webhooks (a URL)"
    )
    allow_failed_webhooks: bool = option(
        False,
        parse_bool,
        "a webhook the merchant did not accept does not fail the test at teardown",
    )
    webhook_retries: int = option(
        5,
        _retries,
        "times a webhook the merchant did not accept is sent again, 0 to 5 (Bill24 "
        "documents up to 5 retry attempts)",
    )
    webhook_retry_delay: float = option(
        60.0,
        parse_leeway,
        "seconds on the test's clock before the first retry of a refused webhook; each "
        "next retry waits twice as long (inferred: Bill24 documents no schedule)",
    )
    webhook_timeout: float = option(
        10.0,
        parse_timeout,
        "real seconds a whole webhook delivery may take: connecting, sending, the answer "
        "(read up to 1 MiB); past it, the delivery is refused and retried (default 10)",
    )
    access_ttl: int = option(
        ACCESS_TTL,
        parse_seconds,
        f"Bill24 access-token lifetime in whole seconds (default {ACCESS_TTL})",
    )
    refresh_ttl: int = option(
        REFRESH_TTL,
        parse_seconds,
        f"Bill24 refresh-token lifetime in whole seconds (default {REFRESH_TTL}, invented)",
    )
    single_use_refresh: bool = option(False, parse_bool, "Bill24 refresh tokens can be used once")
    rotate_refresh_tokens: bool = option(
        True, parse_bool, "a Bill24 refresh answers a new refresh token (off: the same one)"
    )
    error_status: int = option(
        401,
        parse_client_error,
        "the HTTP status (4xx) of Bill24's authorize errors (Bill24 documents none)",
    )
    schema_spelling: bool = option(
        False,
        parse_bool,
        "spell the authorize answer's field 'passwordNeverExprie', as Bill24's schema does "
        "(its examples: 'passwordNeverExpire')",
    )
    product: str = option(
        "checkout", _product, "the product whose schema init and verify check: checkout or khqr"
    )
    static_token: str | None = option(
        None, _static_token, "a static API token init and verify also take as 'token: <value>'"
    )
    fee: str = option(
        "0",
        _fee,
        "the fee Bill24 adds to each transaction, known at init: an amount (800) or a "
        "percentage of the amount (8%); pay(fee_amount=...) overrides it",
    )
    duplicate_identity_code: str = option(
        "refuse",
        _duplicates,
        "what init does with an identity_code an earlier transaction has: refuse (inferred) "
        "or allow",
    )
    max_code_length: int = option(
        50,
        parse_count,
        "the most characters init and verify take in an identifier such as identity_code "
        "(inferred from the vendor's '50 or fewer' rule)",
    )
    signing_key: SigningKey | None = option(
        None, _signing_key, "a PEM file with the RSA key Bill24 tokens are signed with"
    )
    user: Bill24User = DEFAULT_USER
    merchant: Bill24Merchant = DEFAULT_MERCHANT


@dataclass(frozen=True)
class Bill24ClientSettings(VendorSettings):
    """How the ``bill24_client`` fixtures' clients behave (the fake never sees these)."""

    login: str = option(
        "portal",
        _login,
        "how the bill24_client fixtures log in: portal (/security/authorize, the default) "
        "or merchant (/merchantsecurity/authorize)",
    )


def fee_of(fee: str, amount: float) -> float:
    """The fee on ``amount`` for a ``fee`` setting (an amount, or a percentage): a whole
    number where it is one, as the vendor's examples write amounts."""
    found = amount * float(fee[:-1]) / 100 if fee.endswith("%") else float(fee)
    found = round(found, 2)
    return int(found) if found == int(found) else found
