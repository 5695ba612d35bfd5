"""Bill24's contract as its client and its fake both read it: hosts, paths, lifetimes,
envelope and message texts."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..._types import JSONObject
    from .state import Transaction

__all__ = [
    "ACCESS_TTL",
    "BASE_URL",
    "DISCOVERY_PATH",
    "HOSTS",
    "INIT_PATH",
    "ISSUER",
    "MERCHANT_ISSUER",
    "JWKS_PATH",
    "MERCHANT_PATH",
    "PORTAL_PATH",
    "REFRESH_TTL",
    "VERIFY_PATH",
    "envelope",
    "merchant_accepted",
    "webhook_body",
]

BASE_URL = "https://merchantapi-demo.bill24.io"
HOSTS = ("merchantapi.bill24.io", "merchantapi-demo.bill24.io", "merchantapi-staging.bill24.io")
#: Documented: access tokens live six hours.
ACCESS_TTL = 21_600
#: Invented: Bill24 does not say how long its opaque refresh tokens live.
REFRESH_TTL = 30 * 86_400
#: The issuer of portal users' tokens (``/security/authorize``: the seed's token).
ISSUER = "http://dc.oone.bz:40011"
#: The issuer of merchants' tokens (``/merchantsecurity/authorize``: a 2025 token).
MERCHANT_ISSUER = "http://192.168.197.18:23030"

PORTAL_PATH = "/security/authorize"
MERCHANT_PATH = "/merchantsecurity/authorize"
INIT_PATH = "/transaction/v2/init"
VERIFY_PATH = "/transaction/v2/verify"
DISCOVERY_PATH = "/.well-known/openid-configuration"
JWKS_PATH = "/.well-known/openid-configuration/jwks"

# Documented texts.
INIT_OK = ("Transaction init successful", "បង្កើតប្រតិបត្តិការជោគជ័យ")
VERIFY_OK = ("Transaction found", "ប្រតិបត្តិការបានរកឃើញ")
KHQR_VERIFY_OK = "Transaction found."
WEBHOOK_ACCEPTED = {"status": "Success", "message": "SUCCESS"}
# Invented texts (Bill24 documents no authorize errors): see docs/fidelity.md.
BAD_BODY = "Invalid request body"
CLIENT_REQUIRED = "clientId and secret are required"
INVALID_CLIENT = "Invalid client"
CREDENTIALS_REQUIRED = "email and password are required"
MERCHANT_TOKEN_REQUIRED = "token is required"
INVALID_CREDENTIALS = "Invalid email or password"
INVALID_MERCHANT = "Invalid merchant token"
REFRESH_INVALID = "Invalid refresh token"
REFRESH_EXPIRED = "Refresh token expired"
NOT_FOUND = ("Transaction not found", "រកមិនឃើញប្រតិបត្តិការ")
INVALID_TOKEN_HEADERS = {"WWW-Authenticate": 'Bearer error="invalid_token"'}
#: Headers of the webhook request (the KHQR webhook page's header table).
WEBHOOK_HEADERS = {
    "Content-Type": "application/json",
    "Accept": "application/json",
    "Success": "success",
}


def expired_headers(expired_at: str) -> dict[str, str]:
    """An expired bearer's challenge, as ASP.NET Core's JWT bearer handler words it."""
    return {
        "WWW-Authenticate": (
            f'Bearer error="invalid_token", error_description="The token expired at '
            f"'{expired_at}'\""
        )
    }


def envelope(code: object, message: str, message_kh: str, data: object) -> JSONObject:
    """Bill24's answer envelope."""
    return {"code": code, "message": message, "message_kh": message_kh, "data": data}


def webhook_body(transaction: Transaction) -> JSONObject:
    """What Bill24 POSTs to the merchant once a transaction is paid, in the order of the
    product's webhook page; ``tran_id`` is the one ``init`` answered, so the merchant
    can find the transaction."""
    asked = transaction.request
    amount = (
        {"total_amount": transaction.total_amount}
        if transaction.product == "khqr"
        else {"tran_amount": transaction.tran_amount}
    )
    body: JSONObject = {
        "tran_id": transaction.tran_id,
        "tran_no": transaction.tran_no,
        "payment_service_type": transaction.service_type,
        "tran_date": transaction.paid_date,
        **amount,
        "currency": asked.get("currency", ""),
        "bank_code": transaction.bank_code,
        "bank_name": transaction.bank_name,
        "bank_ref": transaction.bank_ref,
        "identity_code": asked.get("identity_code", ""),
        "purpose_of_transaction": asked.get("purpose_of_transaction", ""),
        "device_code": asked.get("device_code", ""),
        "status": transaction.status,
    }
    body["customers"] = asked.get("customers") or _flat_customer(transaction)
    return body


def _flat_customer(transaction: Transaction) -> list[JSONObject]:
    """KHQR takes its customer as flat fields; its webhook page shows them as one
    customer of the whole amount, the fields it was not given empty."""
    asked = transaction.request
    return [
        {
            "branch_code": "",
            "branch_name": "",
            "customer_code": asked.get("customer_code", ""),
            "customer_name": asked.get("customer_name", ""),
            "customer_name_latin": "",
            "bill_no": "",
            "amount": transaction.tran_amount,
        }
    ]


def merchant_accepted(status: int, answer: object) -> bool:
    """The merchant took the webhook: a 2xx with the documented answer."""
    return 200 <= status < 300 and answer == WEBHOOK_ACCEPTED
