"""Bill24's transaction endpoints: ``init`` creates a transaction, ``verify`` reads it
back, each by the schema of the fake's product (Checkout or KHQR)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...core.wire import Reply
from .api import INIT_OK, NOT_FOUND, VERIFY_OK, envelope
from .rules import protected, require, tran_date

if TYPE_CHECKING:
    from ...core.wire import FakeRequest
    from .fake import FakeBill24
    from .state import Transaction

__all__ = ["init", "verify"]


def init(fake: FakeBill24, request: FakeRequest) -> Reply:
    """``POST /transaction/v2/init``."""
    body = protected(fake, request)
    require(fake.product.missing_in_init(body))
    transaction = fake.state.new_transaction(tran_date(), body, fake.product)
    tran_id = transaction.tran_id
    data = {
        "tran_id": tran_id,
        "identity_code": body["identity_code"],
        "payment_link": f"https://checkout-demo.bill24.io/checkout/{tran_id}",
        "khqr_string": f"00020101021230400016bizauth@fake0104{tran_id}",
    }
    return Reply(200, envelope("SUCCESS", *INIT_OK, data))


def verify(fake: FakeBill24, request: FakeRequest) -> Reply:
    """``POST /transaction/v2/verify``."""
    body = protected(fake, request)
    require(fake.product.missing_in_verify(body))
    keys = ("tran_id", "identity_code", "purpose_of_transaction", "bank_ref")
    wanted = {k: str(v) for k in keys if (v := body.get(k)) is not None and str(v).strip()}
    for transaction in reversed(fake.transactions):
        fields = {**transaction.request, "tran_id": transaction.tran_id}
        if all(str(fields.get(k, "")) == v for k, v in wanted.items()):
            return Reply(200, envelope("SUCCESS", *VERIFY_OK, describe(transaction)))
    return Reply(200, envelope("ERR_NOT_FOUND", *NOT_FOUND, None))


def describe(transaction: Transaction) -> dict[str, Any]:
    asked = transaction.request
    amount = asked.get("amount", 0)
    return {
        "device_code": asked.get("device_code", ""),
        "channel_code": asked.get("channel_code", ""),
        "customers": asked.get("customers", []),
        "tran_id": transaction.tran_id,
        "tran_date": transaction.tran_date,
        "tran_amount": amount,
        "fee_amount": 0,
        "total_amount": amount,
        "currency": asked.get("currency", ""),
        "identity_code": asked.get("identity_code", ""),
        "bank_code": "",
        "bank_ref": "",
        "purpose_of_transaction": asked.get("purpose_of_transaction", ""),
        "status": "pending",
        "description": asked.get("description", ""),
    }
