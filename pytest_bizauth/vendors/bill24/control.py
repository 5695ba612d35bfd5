"""Bill24's verbs over HTTP: a transaction paid, its status changed, its webhook sent
again, a webhook forged, the transactions listed. Each endpoint names the Python verb it
translates; :data:`PYTHON_ONLY` says why the others have none."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from ...core.control import BadControlRequest, ControlVerb, delivery_data, keywords, text

if TYPE_CHECKING:
    from ..._types import JSONObject
    from .state import Transaction

__all__ = ["PYTHON_ONLY", "VERBS"]


def transaction_data(transaction: Transaction) -> JSONObject:
    """A transaction as JSON data: its fields and its amounts."""
    return {
        **dataclasses.asdict(transaction),
        "identity_code": transaction.identity_code,
        "tran_amount": transaction.tran_amount,
        "total_amount": transaction.total_amount,
    }


_PAY = ("bank_code", "bank_ref", "bank_name", "fee_amount", "payment_service_type", "webhook")


def _pay(fake: Any, body: JSONObject) -> object:
    given = keywords(body, _PAY, path=("ref",))
    return transaction_data(fake.pay(body["ref"], **given))


def _status(fake: Any, body: JSONObject) -> object:
    keywords(body, ("status",), path=("ref",))
    return transaction_data(fake.set_status(body["ref"], text(body, "status")))


def _resend(fake: Any, body: JSONObject) -> object:
    keywords(body, (), path=("ref",))
    return delivery_data(fake.send_webhook(body["ref"]))


def _forge(fake: Any, body: JSONObject) -> object:
    ref = body.get("ref")
    if ref is not None and not isinstance(ref, str):
        raise BadControlRequest("ref is the reference of a transaction, a string")
    fields = {key: value for key, value in body.items() if key != "ref"}
    return delivery_data(fake.forge_webhook(ref, **fields))


def _transactions(fake: Any, body: JSONObject) -> object:
    return [transaction_data(transaction) for transaction in list(fake.transactions)]


#: Bill24's endpoints of the control API.
VERBS = (
    ControlVerb(
        "GET", "transactions", "every transaction, in order", _transactions, ("transaction",)
    ),
    ControlVerb(
        "POST",
        "transactions/<ref>/pay",
        "{" + ", ".join(f'"{name}"?' for name in _PAY) + "} -> the paid transaction",
        _pay,
        ("pay",),
    ),
    ControlVerb(
        "POST",
        "transactions/<ref>/status",
        '{"status": name} -> the transaction',
        _status,
        ("set_status",),
    ),
    ControlVerb(
        "POST",
        "transactions/<ref>/webhook",
        "{} -> the delivery (the transaction's webhook, sent again)",
        _resend,
        ("send_webhook",),
    ),
    ControlVerb(
        "POST",
        "webhooks/forge",
        '{"ref"?: transaction, fields of the webhook body...} -> the delivery',
        _forge,
        ("forge_webhook",),
    ),
)

#: Bill24's Python verbs with no endpoint, and why.
PYTHON_ONLY = {
    "add_client": "POST accounts takes a client's fields",
    "add_merchant": "POST accounts takes a merchant's fields",
    "issue_refresh_token": "refresh tokens over HTTP come from the vendor's own endpoints",
    "remove_client": "POST reset starts the accounts again",
    "remove_merchant": "POST reset starts the accounts again",
    "remove_user": "POST reset starts the accounts again",
}
