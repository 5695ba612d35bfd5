"""Bill24's contract for ``bizauth check``: authorize, its errors, refresh, discovery
where served, a bad bearer; ``init`` and ``verify`` only with ``--allow-writes`` (they
create transactions on the vendor's side)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from ...check.probes import Contract, Probe, jwt_facts, time_format
from .api import DISCOVERY_PATH, INIT_PATH, MERCHANT_PATH, PORTAL_PATH, VERIFY_PATH

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ..._types import JSONObject
    from ...check.probes import Context, Observed

__all__ = ["CONTRACT"]

_PREFIX = "BIZAUTH_BILL24_"


def _credentials(env: Mapping[str, str]) -> dict[str, str] | None:
    found = {
        name.lower(): env.get(_PREFIX + name, "")
        for name in ("CLIENT_ID", "SECRET", "MERCHANT_TOKEN", "EMAIL", "PASSWORD")
    }
    portal = bool(found["email"] and found["password"])
    if not (found["client_id"] and found["secret"]) or portal == bool(found["merchant_token"]):
        return None
    return {k: v for k, v in found.items() if v}


def _fake(credentials: dict[str, str], product: str | None) -> Any:
    from .fake import FakeBill24

    fake = FakeBill24(product=product or "checkout")
    client = {"client_id": credentials["client_id"], "secret": credentials["secret"]}
    if "merchant_token" in credentials:
        fake.add_merchant(credentials["merchant_token"], **client)
    elif credentials["email"].lower() not in fake.users:
        fake.add_user(credentials["email"], credentials["password"], **client)
    return fake


def _data(answer: Observed) -> JSONObject:
    body = answer.json if isinstance(answer.json, dict) else {}
    data = body.get("data") if "data" in body else body
    return data if isinstance(data, dict) else {}


def _keep_tokens(context: Context, answer: Observed) -> None:
    data = _data(answer)
    context["access"], context["refresh"] = data.get("token"), data.get("refreshToken")


def _token_facts(answer: Observed) -> JSONObject:
    data = _data(answer)
    return {
        **jwt_facts(data.get("token"), "nbf"),
        "tokenExpireTime format": time_format(data.get("tokenExpireTime")),
        "refresh token length": len(str(data.get("refreshToken") or "")),
    }


def _bearer(context: Context) -> dict[str, str]:
    return {"Authorization": f"Bearer {context.get('access')}"}


def _writes(product: str | None, reference: str) -> list[Probe]:
    if product == "khqr":
        body: JSONObject = {
            "identity_code": reference,
            "currency": "KHR",
            "amount": 100,
            "channel_code": "1",
            "purpose_of_transaction": reference,
        }
        row = "KHQR verify"
    else:
        body = {
            "identity_code": reference,
            "currency": "KHR",
            "amount": 100,
            "cancel_url": "",
            "redirect_url": "https://example.com/done",
            "channel_code": "",
            "customers": [{"amount": 100}],
        }
        row = "Checkout verify"
    found = {
        "identity_code": reference,
        "purpose_of_transaction": body.get("purpose_of_transaction", ""),
    }
    return [
        Probe("init", "init success", "POST", INIT_PATH, body, _bearer, writes=True),
        Probe("verify", row, "POST", VERIFY_PATH, found, _bearer, writes=True),
    ]


def _probes(credentials: dict[str, str], product: str | None) -> list[Probe]:
    reference = f"bizauth-check-{uuid.uuid4().hex[:12]}"
    return [*_authorize_probes(credentials), *_resource_probes(), *_writes(product, reference)]


def _authorize_probes(credentials: dict[str, str]) -> list[Probe]:
    merchant = "merchant_token" in credentials
    path = MERCHANT_PATH if merchant else PORTAL_PATH
    client = {"clientId": credentials["client_id"], "secret": credentials["secret"]}
    who = (
        {"token": credentials["merchant_token"]}
        if merchant
        else {"email": credentials["email"], "password": credentials["password"]}
    )
    blank = dict.fromkeys(who, "")
    login = {**who, **client, "refreshToken": ""}
    wrong_secret = {**login, "secret": credentials["secret"] + "-not-it"}
    no_client = {k: v for k, v in login.items() if k != "clientId"}
    bad_refresh = {**blank, **client, "refreshToken": "0" * 64}

    def refresh(context: Context) -> JSONObject:
        return {**blank, **client, "refreshToken": context.get("refresh")}

    errors = "authorize errors"
    return [
        Probe("authorize", f"`POST {path}` 200", "POST", path, login, capture=_keep_tokens,
              facts=_token_facts),
        Probe("a wrong client secret", errors, "POST", path, wrong_secret),
        Probe("authorize without a client id", errors, "POST", path, no_client),
        Probe("refresh", "refresh", "POST", path, refresh, facts=_token_facts),
        Probe("a bad refresh token", errors, "POST", path, bad_refresh),
    ]  # fmt: skip


def _resource_probes() -> list[Probe]:
    bad_bearer = {"Authorization": "Bearer not-a-token"}
    return [
        Probe("discovery", "discovery and JWKS", "GET", DISCOVERY_PATH, optional=True,
              exact=frozenset()),
        Probe("a bad bearer", "a missing, invalid or expired bearer", "POST", VERIFY_PATH,
              {"tran_id": "0"}, bad_bearer),
    ]  # fmt: skip


CONTRACT = Contract(
    variables=(
        "BIZAUTH_BILL24_CLIENT_ID and BIZAUTH_BILL24_SECRET, with BIZAUTH_BILL24_MERCHANT_TOKEN "
        "(a merchant) or BIZAUTH_BILL24_EMAIL and BIZAUTH_BILL24_PASSWORD (a portal user)"
    ),
    credentials=_credentials,
    fake=_fake,
    probes=_probes,
    products=("checkout", "khqr"),
)
